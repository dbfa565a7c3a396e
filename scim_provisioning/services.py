"""Token lifecycle: generate (shown once), revoke, authenticate. Every write is atomic."""

from datetime import timedelta
from types import EllipsisType

from django.db import transaction
from django.utils import timezone

from . import tokens
from .activity import event_record
from .conf import app_settings
from .models import SCIMToken


class TokenChanged(Exception):
    """The organisation's active token is not the one the caller saw: a stale or replayed
    "Generate" form. Nothing was changed."""


def _lock_organisation(organisation):
    # Serialise token changes of one organisation: two concurrent "Generate" clicks must end
    # with exactly one active token, not an IntegrityError.
    return type(organisation).objects.select_for_update().get(pk=organisation.pk)


@transaction.atomic
def token_generate(
    *, organisation, created_by=None, replaces: int | None | EllipsisType = ...
) -> tuple[SCIMToken, str]:
    """Revoke the organisation's active token (if any) and issue a new one.

    Returns ``(token, raw)``; ``raw`` exists only in this return value, never in the database.

    ``replaces`` (optional) is the primary key of the active token the caller saw, or None
    if it saw none. When given, it is checked under the organisation's lock and, if another
    token is active by now, ``TokenChanged`` is raised and nothing changes: a reloaded or
    replayed "Generate" form, or two administrators clicking at once, never silently
    revokes a token the person did not see.
    """
    _lock_organisation(organisation)
    now = timezone.now()
    active = list(SCIMToken.objects.filter(organisation=organisation, revoked_at__isnull=True))
    if replaces is not ... and (active[0].pk if active else None) != replaces:
        raise TokenChanged("The organisation's SCIM token changed since it was last shown.")
    for previous in active:
        previous.revoked_at = now
        previous.revoked_by = created_by
        previous.save(update_fields=["revoked_at", "revoked_by"])
        event_record(organisation=organisation, action="token.revoked", token=previous, actor=created_by,
                     detail="Replaced by a newly generated token")
    prefix = app_settings.TOKEN_PREFIX
    raw = tokens.generate(prefix)
    token = SCIMToken.objects.create(
        organisation=organisation,
        digest=tokens.digest(raw),
        hint=tokens.hint(raw, prefix),
        created_at=now,
        created_by=created_by,
    )
    event_record(organisation=organisation, action="token.generated", token=token, actor=created_by)
    return token, raw


@transaction.atomic
def token_revoke(*, organisation, revoked_by=None) -> SCIMToken | None:
    """Revoke the organisation's active token at once. Returns it, or None if there was none."""
    _lock_organisation(organisation)
    token = SCIMToken.objects.filter(organisation=organisation, revoked_at__isnull=True).first()
    if token is None:
        return None
    token.revoked_at = timezone.now()
    token.revoked_by = revoked_by
    token.save(update_fields=["revoked_at", "revoked_by"])
    event_record(organisation=organisation, action="token.revoked", token=token, actor=revoked_by)
    return token


def token_authenticate(raw: str, *, request_id: str = "") -> SCIMToken | None:
    """The active token whose digest matches ``raw``, with its organisation; else None.

    Input without our prefix and shape is refused before the database is touched. The digest
    is compared in constant time. ``last_used_at`` is written at most once per
    ``TOKEN_LAST_USED_INTERVAL`` seconds; the first use after generation is logged.
    """
    prefix = app_settings.TOKEN_PREFIX
    if not tokens.is_well_formed(raw, prefix):
        return None
    wanted = tokens.digest(raw)
    token = (
        SCIMToken.objects.select_related("organisation")
        .filter(digest=wanted, revoked_at__isnull=True)
        .first()
    )
    if token is None or not tokens.digests_match(token.digest, wanted):
        return None
    _token_touch(token, request_id=request_id)
    return token


def _token_touch(token: SCIMToken, *, request_id: str = "") -> None:
    now = timezone.now()
    interval = timedelta(seconds=app_settings.TOKEN_LAST_USED_INTERVAL)
    if token.last_used_at is not None and now - token.last_used_at < interval:
        return
    first_use = token.last_used_at is None
    # A conditional UPDATE: of concurrent first requests, only one logs the first use.
    updated = SCIMToken.objects.filter(pk=token.pk, last_used_at=token.last_used_at).update(last_used_at=now)
    token.last_used_at = now
    if updated and first_use:
        event_record(organisation=token.organisation, action="token.first_use", token=token, request_id=request_id)
