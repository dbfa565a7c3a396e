"""The one place that writes the SCIM activity log."""

from .models import SCIMEvent, SCIMToken


def event_record(
    *,
    organisation,
    action: str,
    outcome: str = SCIMEvent.Outcome.SUCCESS,
    status_code: int | None = None,
    token: SCIMToken | None = None,
    actor=None,
    resource_type: str = "",
    resource_id: str = "",
    resource_display: str = "",
    detail: str = "",
) -> SCIMEvent:
    """Append one event. Callers pass no secrets and no request bodies; ``detail`` is cut to
    the column's length so logging can never fail a request."""
    return SCIMEvent.objects.create(
        organisation=organisation,
        action=action,
        outcome=outcome,
        status_code=status_code,
        token=token,
        token_hint=token.hint if token else "",
        actor=actor,
        resource_type=resource_type,
        resource_id=str(resource_id)[:64],
        resource_display=str(resource_display)[:255],
        detail=str(detail)[:500],
    )
