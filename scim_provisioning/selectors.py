"""Reads for the token settings page, its API and the activity log. Every read is scoped to
one organisation: callers pass ``request.user.organisation``, never an id from the request."""

from django.db.models import QuerySet
from django.urls import reverse

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
    return request.build_absolute_uri(reverse("scim_provisioning:root"))


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
