"""The one place that writes the SCIM activity log."""

import re
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import SCIMAccessToken, SCIMEvent, SCIMOAuthClient, SCIMToken
from .prepared import insert

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
    return insert([SCIMEvent(
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
    )])[0]


THROTTLED = "request.throttled"
_THROTTLED_COUNT = re.compile(r"^(\d+) request")


def _throttled_detail(count: int, limit: str) -> str:
    return f"{count} request{'s' if count != 1 else ''} refused over the limit {limit}"


def event_throttled(*, token: SCIMToken | SCIMAccessToken, limit: str, now=None) -> SCIMEvent:
    """Count one refused request (429) of ``token`` in the activity log: one line per token and
    minute, ``request.throttled``, "N requests refused over the limit 50/s", updated in place.

    The token's row is locked first, so concurrent refusals in several processes add up on one
    line instead of racing to create two."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    with transaction.atomic():
        if isinstance(token, SCIMAccessToken):  # short-lived: its client's row is the lock
            list(SCIMOAuthClient.objects.select_for_update().filter(pk=token.client_id).values_list("pk"))
            same_credential = {"token__isnull": True, "token_hint": token.hint}
        else:
            list(SCIMToken.objects.select_for_update().filter(pk=token.pk).values_list("pk"))
            same_credential = {"token": token}
        event = (
            SCIMEvent.objects.filter(
                organisation_id=token.organisation_id, action=THROTTLED, **same_credential,
                created_at__gte=minute, created_at__lt=minute + timedelta(minutes=1),
            ).order_by("created_at", "id").first()
        )
        if event is None:
            return event_record(
                organisation=token.organisation, action=THROTTLED, outcome=SCIMEvent.Outcome.FAILURE,
                status_code=429, token=token, detail=_throttled_detail(1, limit),
            )
        match = _THROTTLED_COUNT.match(event.detail)
        event.detail = _throttled_detail((int(match.group(1)) if match else 0) + 1, limit)
        SCIMEvent.objects.filter(pk=event.pk).update(detail=event.detail)
        return event
