"""Static SCIM tokens: generate (shown once), rotate with overlap, revoke, authenticate.

Every write is atomic and serialised per organisation (the tenant's row lock), so two
administrators clicking at once end with a consistent set of tokens. OAuth 2.0 client
credentials live in ``oauth.py``; both kinds of credential authenticate through
``credential_authenticate``.
"""

from collections.abc import Collection
from datetime import timedelta
from types import EllipsisType

from django.db import transaction
from django.utils import timezone

from . import tokens
from .activity import event_record
from .conf import app_settings
from .prepared import PreparedRead
from .models import SCIMAccessToken, SCIMOAuthSecret, SCIMToken


class TokenChanged(Exception):
    """The organisation's active tokens are not the ones the caller saw: a stale or replayed
    form. Nothing was changed. ``reloaded`` is True when the current token was issued by the
    very form submission replayed now (a reload of the page that showed it)."""

    def __init__(self, message: str, *, reloaded: bool = False, current: SCIMToken | None = None):
        super().__init__(message)
        self.reloaded = reloaded
        self.current = current


class RotationError(Exception):
    """A rotation step that does not apply now (none in progress, or one already is)."""


class InvalidCredential(Exception):
    """Why a presented credential does not authenticate (the message is safe to show)."""


# A second submission of the same form within this many seconds is the same click (a double
# submit whose first response the browser discarded), not a reload of a page already read.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=10)


def _lock_organisation(organisation):
    # Serialise token changes of one organisation: two concurrent "Generate" clicks must end
    # with one consistent set of active tokens.
    return type(organisation).objects.select_for_update().get(pk=organisation.pk)


def tokens_active(*, organisation) -> list[SCIMToken]:
    """The organisation's tokens that are not revoked, oldest first (two during a rotation).
    A token past its expiry or rotation deadline is listed until revoked: it is shown as
    expired and refused by ``credential_authenticate``."""
    return list(
        SCIMToken.objects.select_related("created_by")
        .filter(organisation=organisation, revoked_at__isnull=True)
        .order_by("created_at", "id")
    )


def _check_seen(active: list[SCIMToken], replaces, issue_key: str, now) -> bool:
    """Compare the caller's view with the tokens active now. True: a double submit of the
    form that issued the newest token (issue it again); raise TokenChanged when stale."""
    if replaces is ...:
        return False
    seen = frozenset() if replaces is None else frozenset([replaces] if isinstance(replaces, int) else replaces)
    if frozenset(t.pk for t in active) == seen:
        return False
    newest = active[-1] if active else None
    if newest is not None and issue_key and newest.issue_key == issue_key:
        if now - newest.created_at <= DOUBLE_SUBMIT_WINDOW:
            return True
        raise TokenChanged("This form already issued the current token.", reloaded=True, current=newest)
    raise TokenChanged("The organisation's SCIM token changed since it was last shown.", current=newest)


def _check_expiry(expires_at, now, what: str = "The expiry") -> None:
    if expires_at is not None and expires_at <= now:
        raise ValueError(f"{what} must be in the future.")


def _issue(*, organisation, created_by, now, expires_at, issue_key: str) -> tuple[SCIMToken, str]:
    prefix = app_settings.TOKEN_PREFIX
    raw = tokens.generate(prefix)
    token = SCIMToken.objects.create(
        organisation=organisation, digest=tokens.digest(raw), hint=tokens.hint(raw, prefix),
        created_at=now, created_by=created_by, expires_at=expires_at, issue_key=issue_key[:64],
    )
    return token, raw


def _revoke(token: SCIMToken, *, by, now, detail: str = "") -> None:
    token.revoked_at = now
    token.revoked_by = by
    token.save(update_fields=["revoked_at", "revoked_by"])
    event_record(organisation=token.organisation, action="token.revoked", token=token, actor=by, detail=detail)


@transaction.atomic
def token_generate(
    *, organisation, created_by=None, replaces: int | Collection[int] | None | EllipsisType = ...,
    expires_at=None, issue_key: str = "",
) -> tuple[SCIMToken, str]:
    """Revoke every active token of the organisation (both, during a rotation) and issue a
    new one, optionally expiring at ``expires_at``.

    Returns ``(token, raw)``; ``raw`` exists only in this return value, never in the database.

    ``replaces`` (optional) is the id, or the ids, of the active tokens the caller saw (None:
    it saw none). Checked under the organisation's lock: if others are active by now,
    ``TokenChanged`` is raised and nothing changes, so a reloaded or replayed form never
    silently revokes a token the person did not see. ``issue_key`` identifies the form
    submission: submitted twice within ``DOUBLE_SUBMIT_WINDOW`` it is one click, and the
    second request issues the token the browser will show.
    """
    _lock_organisation(organisation)
    now = timezone.now()
    _check_expiry(expires_at, now)
    active = tokens_active(organisation=organisation)
    double_submit = _check_seen(active, replaces, issue_key, now)
    for previous in active:
        if double_submit and previous.issue_key == issue_key:
            detail = "Replaced at once: the form was submitted twice; the second submission's token is the one shown"
        else:
            detail = "Replaced by a newly generated token"
        _revoke(previous, by=created_by, now=now, detail=detail)
    token, raw = _issue(organisation=organisation, created_by=created_by, now=now, expires_at=expires_at,
                        issue_key=issue_key)
    event_record(organisation=organisation, action="token.generated", token=token, actor=created_by,
                 detail=f"Expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else "")
    return token, raw


@transaction.atomic
def token_rotate(
    *, organisation, created_by=None, replaces: int | Collection[int] | None | EllipsisType = ...,
    expires_at=None, retire_at=None, issue_key: str = "",
) -> tuple[SCIMToken, str]:
    """Start a rotation: issue a second token while the active one keeps working, until the
    rotation is completed or cancelled, or until ``retire_at`` (optional). With no active
    token this is a plain ``token_generate``. Raises ``RotationError`` when a rotation is
    already in progress. Returns ``(new token, raw)``."""
    _lock_organisation(organisation)
    now = timezone.now()
    _check_expiry(expires_at, now)
    _check_expiry(retire_at, now, "The old token's deadline")
    active = tokens_active(organisation=organisation)
    _check_seen(active, replaces, issue_key, now)
    if len(active) > 1:
        raise RotationError("A rotation is already in progress: complete or cancel it first.")
    token, raw = _issue(organisation=organisation, created_by=created_by, now=now, expires_at=expires_at,
                        issue_key=issue_key)
    if not active:
        event_record(organisation=organisation, action="token.generated", token=token, actor=created_by)
        return token, raw
    old = active[0]
    if retire_at is not None:
        old.retire_at = retire_at
        old.save(update_fields=["retire_at"])
    until = f"until {retire_at:%Y-%m-%d %H:%M} UTC or " if retire_at else "until "
    event_record(organisation=organisation, action="token.rotation_started", token=token, actor=created_by,
                 detail=f"{old.hint} keeps working {until}the rotation is completed")
    return token, raw


def _rotation_tokens(organisation) -> list[SCIMToken]:
    """The active tokens of a rotation in progress, oldest first, under the tenant's lock."""
    _lock_organisation(organisation)
    active = tokens_active(organisation=organisation)
    if len(active) < 2:
        raise RotationError("No rotation is in progress.")
    return active


@transaction.atomic
def token_rotation_complete(*, organisation, by=None) -> SCIMToken:
    """End a rotation: revoke the older token; the newer one stays. Returns the revoked one."""
    active = _rotation_tokens(organisation)
    now = timezone.now()
    newest = active[-1]
    for old in active[:-1]:
        _revoke(old, by=by, now=now, detail=f"Rotation completed: {newest.hint} replaces it")
    event_record(organisation=organisation, action="token.rotation_completed", token=newest, actor=by)
    return active[0]


@transaction.atomic
def token_rotation_cancel(*, organisation, by=None) -> SCIMToken:
    """Abandon a rotation: revoke the newer token; the older one keeps working, without the
    rotation's deadline. Returns the revoked one."""
    active = _rotation_tokens(organisation)
    newest = active[-1]
    _revoke(newest, by=by, now=timezone.now(), detail="Rotation cancelled")
    SCIMToken.objects.filter(pk__in=[t.pk for t in active[:-1]], retire_at__isnull=False).update(retire_at=None)
    event_record(organisation=organisation, action="token.rotation_cancelled", token=active[0], actor=by,
                 detail=f"{newest.hint} revoked; {active[0].hint} keeps working")
    return newest


@transaction.atomic
def token_revoke(*, organisation, revoked_by=None) -> SCIMToken | None:
    """Revoke every active token at once (both, during a rotation). Returns the newest
    revoked, or None if there was none."""
    _lock_organisation(organisation)
    active = tokens_active(organisation=organisation)
    now = timezone.now()
    for token in active:
        _revoke(token, by=revoked_by, now=now,
                detail="Revoked by an administrator; provisioning stops until a new token is generated")
    return active[-1] if active else None


# The lookup every SCIM request starts with: the token, its organisation and the organisation's
# SCIM settings (the safety rails) in one statement, compiled once per process.
_TOKEN_BY_DIGEST = PreparedRead(
    lambda digest: SCIMToken.objects.select_related("organisation", "organisation__scim_settings")
    .filter(digest=digest).order_by()[:1],
)


def credential_authenticate(raw: str, *, request_id: str = "") -> SCIMToken | SCIMAccessToken:
    """The credential ``raw`` names: a static SCIM token or an OAuth access token, with its
    organisation. Raises ``InvalidCredential`` saying why not. ``request_id``: the SCIM
    request's id, stored on the token's first-use line.

    Input without our prefixes and shape is refused before the database is touched; the
    lookup is one indexed SELECT on the digest, compared again in constant time.
    """
    from .oauth import access_token_authenticate  # oauth imports this module

    prefix = app_settings.TOKEN_PREFIX
    if tokens.is_well_formed(raw, prefix + tokens.ACCESS_TOKEN_MARK):
        return access_token_authenticate(raw)
    if not tokens.is_well_formed(raw, prefix):
        raise InvalidCredential("The SCIM token is not valid, or it has been revoked.")
    wanted = tokens.digest(raw)
    token = next(iter(_TOKEN_BY_DIGEST.fetch(wanted)), None)
    if token is None or token.revoked_at is not None or not tokens.digests_match(token.digest, wanted):
        raise InvalidCredential("The SCIM token is not valid, or it has been revoked.")
    ends = token.ends_at()
    if ends is not None and ends <= timezone.now():
        if token.retire_at is not None and token.retire_at == ends:
            raise InvalidCredential("The SCIM token was replaced by a rotation and its deadline has passed.")
        raise InvalidCredential("The SCIM token has expired.")
    _token_touch(token, request_id=request_id)
    return token


def token_authenticate(raw: str, *, request_id: str = "") -> SCIMToken | SCIMAccessToken | None:
    """``credential_authenticate``, with None for any credential that does not authenticate."""
    try:
        return credential_authenticate(raw, request_id=request_id)
    except InvalidCredential:
        return None


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


def credential_expiry_warning(credential, *, now=None) -> tuple | None:
    """``(when, message)`` when a token or client secret stops working within
    ``TOKEN_EXPIRY_WARNING`` seconds (for an OAuth access token, short-lived by design: its
    client secret), else None. The SCIM views put it in response headers; the settings page
    shows the same."""
    now = now or timezone.now()
    if isinstance(credential, SCIMAccessToken):
        credential = credential.secret
    kind = "OAuth client secret" if isinstance(credential, SCIMOAuthSecret) else "SCIM token"
    when, what = credential.ends_at(), f"The {kind} {credential.hint}"
    if when is None or when - now > timedelta(seconds=app_settings.TOKEN_EXPIRY_WARNING):
        return None
    return when, f"{what} stops working at {when:%Y-%m-%d %H:%M} UTC; replace it before then."
