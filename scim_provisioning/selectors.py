"""Reads for the token settings page, its API and the activity log. Every read is scoped to
one organisation: callers pass ``request.user.organisation``, never an id from the request."""

from django.db.models import QuerySet
from django.urls import get_script_prefix

from .conf import app_settings
from .models import SCIMEvent, SCIMToken

# Where the host mounts ``scim_provisioning.urls`` (see that module's docstring). A host that
# mounts it elsewhere, or sits behind a proxy, sets SCIM_PROVISIONING["BASE_URL"].
MOUNT_PATH = "scim/v2/"


def scim_base_url(*, request) -> str:
    """The absolute SCIM base URL an administrator pastes into the identity provider:
    ``SCIM_PROVISIONING["BASE_URL"]`` when set, else built from the request."""
    return app_settings.BASE_URL or request.build_absolute_uri(get_script_prefix() + MOUNT_PATH)


def token_get_active(*, organisation) -> SCIMToken | None:
    """The organisation's active token (at most one exists), with its creator."""
    return (
        SCIMToken.objects.select_related("created_by")
        .filter(organisation=organisation, revoked_at__isnull=True)
        .first()
    )


def event_list(*, organisation, outcome: str | None = None) -> QuerySet[SCIMEvent]:
    """The organisation's SCIM activity, newest first, optionally one outcome only."""
    events = SCIMEvent.objects.filter(organisation=organisation).select_related("actor")
    if outcome:
        events = events.filter(outcome=outcome)
    return events.order_by("-created_at", "-id")
