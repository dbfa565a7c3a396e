"""The app's settings: one dict, ``settings.SCIM_PROVISIONING``, over the defaults below.

Read through (``app_settings.MAX_PAGE_SIZE``): each value is worked out once (a create asks
for the backend ~20 times) and again whenever the settings change (``setting_changed``, which
pytest-django's ``settings`` fixture sends, or another ``SCIM_PROVISIONING`` dict), so tests
override them with no reload code. Unknown keys are a configuration error (``manage.py
check`` reports them, see ``checks.py``) and raise on access.

The tenant model is a separate top-level setting, ``SCIM_PROVISIONING_ORGANISATION_MODEL``
("app_label.Model"), because migrations need it.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

DEFAULTS = {
    # The host's hook class (dotted path): the only code that writes the host's models.
    # Its contract is the docstring of scim_provisioning.backend.SCIMBackend.
    "BACKEND": "scim_provisioning.backend.SCIMBackend",
    # Adapters translating SCIM JSON <-> intended changes; override to map other fields.
    "USER_ADAPTER": "scim_provisioning.adapters.users.UserAdapter",
    "GROUP_ADAPTER": "scim_provisioning.adapters.groups.GroupAdapter",
    # Tokens: a typed prefix, so a secret scanner (and we) can tell ours at a glance. Hosts
    # set their own (the hub: "vxpscim_").
    "TOKEN_PREFIX": "scim_",
    # ServiceProviderConfig's words to the identity provider's administrator: where the
    # bearer token comes from. Hosts name their own settings page here.
    "TOKEN_DESCRIPTION": "The organisation's SCIM token, sent as 'Authorization: Bearer <token>'.",
    # Bookkeeping writes on the hot path are throttled: last_used_at at most once a minute.
    "TOKEN_LAST_USED_INTERVAL": 60,
    # Response headers and the settings page warn this many seconds before a token (or an
    # OAuth client secret) stops working: 30 days.
    "TOKEN_EXPIRY_WARNING": 30 * 24 * 3600,
    # OAuth 2.0 client credentials: the access tokens' lifetime (Microsoft asks for 60 minutes
    # to 6 hours), and the client secrets' (default one year, at most three).
    "OAUTH_ACCESS_TOKEN_LIFETIME": 3600,
    "OAUTH_SECRET_DEFAULT_DAYS": 365,
    "OAUTH_SECRET_MAX_DAYS": 3 * 366,
    # Paging: Okta pages with count=100; nobody gets more than MAX_PAGE_SIZE per page.
    "DEFAULT_PAGE_SIZE": 100,
    "MAX_PAGE_SIZE": 200,
    # RFC 9865 cursor pagination: seconds a nextCursor/previousCursor stays valid.
    "CURSOR_TIMEOUT": 3600,
    # Filters longer than this (characters) are refused before parsing.
    "MAX_FILTER_LENGTH": 4096,
    # Request bodies larger than this (bytes) are refused with 413.
    "MAX_BODY_SIZE": 2 * 1024 * 1024,
    # Absolute base URL shown to administrators and used in meta.location, e.g.
    # "https://hub.example.com/scim/v2/". None: built from the request.
    "BASE_URL": None,
    # Label of the Bearer realm in WWW-Authenticate.
    "REALM": "scim",
    # Requests per token per fixed window: "N/s", "N/m" or "N/h"; None (or "off") for no limit.
    # Over it: 429 with Retry-After, nothing done (scim_provisioning/throttling.py).
    "RATE_LIMIT": None,
    # The cache alias that counts them. Every server process must share it (the database or
    # Redis, not the per-process local-memory cache), and its incr should be atomic
    # (Redis, or scim_provisioning.cache.DatabaseCache).
    "RATE_LIMIT_CACHE": "default",
}

IMPORT_STRINGS = {"BACKEND", "USER_ADAPTER", "GROUP_ADAPTER"}


class AppSettings:
    def __init__(self):
        self._values: dict = {}
        self._source = None  # the SCIM_PROVISIONING dict the values were worked out from

    def _user_settings(self) -> dict:
        return getattr(settings, "SCIM_PROVISIONING", None) or {}

    def forget(self, **kwargs) -> None:
        self._values = {}

    def unknown_keys(self) -> list[str]:
        return sorted(set(self._user_settings()) - set(DEFAULTS))

    def __getattr__(self, name: str):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown SCIM_PROVISIONING setting: {name!r}")
        source, values = self._user_settings(), self._values
        if source is not self._source:
            self._source, self._values = source, {}
        elif name in values:
            return values[name]
        value = self._values[name] = self._worked_out(name)
        return value

    def _worked_out(self, name: str):
        unknown = self.unknown_keys()
        if unknown:
            raise ImproperlyConfigured(f"Unknown key(s) in SCIM_PROVISIONING: {', '.join(unknown)}")
        value = self._user_settings().get(name, DEFAULTS[name])
        if name in IMPORT_STRINGS and isinstance(value, str):
            value = import_string(value)
        return value


app_settings = AppSettings()
setting_changed.connect(app_settings.forget, weak=False)


# The foreign keys' target while the setting is missing: the models still import and
# ``manage.py check`` names the setting (``scim_provisioning.E004``) instead of a traceback.
UNSET_ORGANISATION_MODEL = "scim_provisioning.SCIM_PROVISIONING_ORGANISATION_MODEL_is_not_set"


def organisation_model_name() -> str:
    return getattr(settings, "SCIM_PROVISIONING_ORGANISATION_MODEL", None) or UNSET_ORGANISATION_MODEL
