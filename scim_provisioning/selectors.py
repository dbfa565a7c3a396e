"""Reads for the token settings page, its API and the activity log. Every read is scoped to
one organisation: callers pass ``request.user.organisation``, never an id from the request."""

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import QuerySet
from django.urls import get_script_prefix, get_urlconf, reverse

from .conf import app_settings
from .models import SCIMEvent, SCIMToken

def scim_base_url(*, request) -> str:
    """The absolute SCIM base URL, ending in "/", that an administrator pastes into the
    identity provider and that every ``meta.location`` starts with:
    ``SCIM_PROVISIONING["BASE_URL"]`` when set (a proxy, another host name), else wherever the
    host mounted ``scim_provisioning.urls``, built from the request."""
    configured = app_settings.BASE_URL
    if configured:
        return configured if configured.endswith("/") else configured + "/"
    # Asked for every resource a response renders (its meta.location): built once a request.
    built = getattr(request, "_scim_base_url", None)
    if built is None:
        built = request._scim_base_url = request.build_absolute_uri(
            _root_path(get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF))
    return built


@lru_cache(maxsize=64)
def _root_path(script_prefix, urlconf, root_urlconf) -> str:
    """Where ``scim_provisioning.urls`` is mounted, under this script prefix and URLconf
    (``reverse`` costs ~0.15 ms, a good part of a small SCIM response's own time)."""
    return reverse("scim_provisioning:root", urlconf=urlconf)


setting_changed.connect(lambda **kwargs: _root_path.cache_clear(), weak=False)


def token_get_active(*, organisation) -> SCIMToken | None:
    """The organisation's active token (at most one exists), with its creator."""
    return (
        SCIMToken.objects.select_related("created_by")
        .filter(organisation=organisation, revoked_at__isnull=True)
        .first()
    )


def event_list(*, organisation, outcome: str | None = None, request_id: str | None = None) -> QuerySet[SCIMEvent]:
    """The organisation's SCIM activity, newest first, optionally one outcome only and/or the
    lines of one request (its ``X-Request-Id``, exactly)."""
    events = SCIMEvent.objects.filter(organisation=organisation).select_related("actor")
    if outcome:
        events = events.filter(outcome=outcome)
    if request_id:
        events = events.filter(request_id=request_id)
    return events.order_by("-created_at", "-id")
