"""System checks: misconfiguration shows in ``manage.py check``, not as a request-time 500."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.checks import Error, register
from django.utils.module_loading import import_string

from .conf import DEFAULTS, IMPORT_STRINGS
from .rates import parse_rate


@register()
def check_settings(app_configs, **kwargs):
    errors = []
    user_settings = getattr(settings, "SCIM_PROVISIONING", None) or {}
    if not isinstance(user_settings, dict):
        return [Error("SCIM_PROVISIONING must be a dict.", id="scim_provisioning.E001")]
    for key in sorted(set(user_settings) - set(DEFAULTS)):
        errors.append(Error(f"Unknown key {key!r} in SCIM_PROVISIONING.", id="scim_provisioning.E002"))
    for key in sorted(IMPORT_STRINGS):
        path = user_settings.get(key, DEFAULTS[key])
        try:
            import_string(path)
        except ImportError as exc:
            errors.append(
                Error(f"SCIM_PROVISIONING[{key!r}] = {path!r} cannot be imported: {exc}", id="scim_provisioning.E003")
            )
    if not getattr(settings, "SCIM_PROVISIONING_ORGANISATION_MODEL", None):
        errors.append(
            Error("SCIM_PROVISIONING_ORGANISATION_MODEL is not set.", hint="e.g. 'accounts.Organisation'",
                  id="scim_provisioning.E004")
        )
    if not errors:
        errors.extend(check_model_contract())
    page = user_settings.get("MAX_PAGE_SIZE", DEFAULTS["MAX_PAGE_SIZE"])
    default_page = user_settings.get("DEFAULT_PAGE_SIZE", DEFAULTS["DEFAULT_PAGE_SIZE"])
    if not (isinstance(page, int) and isinstance(default_page, int) and 0 < default_page <= page):
        errors.append(
            Error("DEFAULT_PAGE_SIZE and MAX_PAGE_SIZE must be integers with 0 < DEFAULT_PAGE_SIZE <= MAX_PAGE_SIZE.",
                  id="scim_provisioning.E005")
        )
    lifetime = user_settings.get("OAUTH_ACCESS_TOKEN_LIFETIME", DEFAULTS["OAUTH_ACCESS_TOKEN_LIFETIME"])
    if not (isinstance(lifetime, int) and 3600 <= lifetime <= 6 * 3600):
        errors.append(
            Error("OAUTH_ACCESS_TOKEN_LIFETIME must be between 3600 and 21600 seconds (60 minutes to 6 hours, "
                  "what Microsoft's gallery accepts).", id="scim_provisioning.E007")
        )
    try:
        parse_rate(user_settings.get("RATE_LIMIT", DEFAULTS["RATE_LIMIT"]), name="SCIM_PROVISIONING['RATE_LIMIT']")
    except ImproperlyConfigured as exc:
        errors.append(Error(str(exc), id="scim_provisioning.E006"))
    return errors


def check_model_contract() -> list[Error]:
    """The host's models against what its backend needs (``SCIMBackend.model_requirements``)."""
    from .backend import get_backend
    from .contract import contract_errors

    backend = get_backend()
    try:
        models = backend.contract_models()
    except (LookupError, ValueError, ImproperlyConfigured) as exc:
        return [Error(f"A model the SCIM app needs cannot be loaded: {exc}", id="scim_provisioning.E011",
                      hint="Check SCIM_PROVISIONING_ORGANISATION_MODEL, AUTH_USER_MODEL and the backend's group model.")]
    return contract_errors(models, backend.model_requirements())
