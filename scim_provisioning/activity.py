"""The one place that writes the SCIM activity log."""

import re

from .models import SCIMAccessToken, SCIMEvent, SCIMToken

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean(value, length: int) -> str:
    """Printable text of at most ``length`` characters: values from the URL (an id with a
    NUL) must not make the INSERT fail (PostgreSQL refuses NUL in text)."""
    return _CONTROL.sub("?", str(value))[:length]


def event_record(
    *,
    organisation,
    action: str,
    outcome: str = SCIMEvent.Outcome.SUCCESS,
    status_code: int | None = None,
    token: SCIMToken | SCIMAccessToken | None = None,
    actor=None,
    resource_type: str = "",
    resource_id: str = "",
    resource_display: str = "",
    detail: str = "",
    request_id: str = "",
) -> SCIMEvent:
    """Append one event. Callers pass no secrets and no request bodies; free text is cut to
    its column's length and stripped of control characters, so logging can never fail a
    request. ``token`` is the credential the request used: a static token is linked, an OAuth
    access token (short-lived, pruned) is named by its hint only. ``request_id`` is the id the
    SCIM request was answered with (``scim_provisioning.request_ids``); empty for events
    outside a SCIM request."""
    return SCIMEvent.objects.create(
        organisation=organisation,
        action=action,
        outcome=outcome,
        status_code=status_code,
        token=token if isinstance(token, SCIMToken) else None,
        token_hint=token.hint if token else "",
        actor=actor,
        resource_type=resource_type,
        resource_id=_clean(resource_id, 64),
        resource_display=_clean(resource_display, 255),
        detail=_clean(detail, 500),
        request_id=_clean(request_id, 64),
    )
