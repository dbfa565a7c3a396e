"""OAuth 2.0 client credentials (RFC 6749 §4.4) for SCIM: clients, secrets, access tokens.

An organisation's client has a public ``client_id`` and one or more secrets, each stored as a
SHA-256 digest with an expiry (several may be active, so a secret rotates without downtime).
The token endpoint (``views/oauth.py``) trades a client's id and secret for an access token
that lives ``OAUTH_ACCESS_TOKEN_LIFETIME`` seconds and is accepted by every SCIM endpoint like
a static token. Access tokens, like every secret here, are stored only as digests.
"""

import secrets as _secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from . import tokens
from .activity import event_record
from .conf import app_settings
from .models import SCIMAccessToken, SCIMOAuthClient, SCIMOAuthSecret
from .services import InvalidCredential


@dataclass
class OAuthError(Exception):
    """An RFC 6749 §5.2 error: ``error`` code, a description, the HTTP status."""

    error: str
    description: str
    status: int = 400


def _secret_expiry(expires_at, now):
    if expires_at is None:
        return now + timedelta(days=app_settings.OAUTH_SECRET_DEFAULT_DAYS)
    if expires_at <= now:
        raise ValueError("The secret's expiry must be in the future.")
    if expires_at > now + timedelta(days=app_settings.OAUTH_SECRET_MAX_DAYS):
        raise ValueError(f"A client secret may live at most {app_settings.OAUTH_SECRET_MAX_DAYS // 366} years.")
    return expires_at


def _new_secret(*, client, created_by, now, expires_at) -> tuple[SCIMOAuthSecret, str]:
    prefix = app_settings.TOKEN_PREFIX + tokens.CLIENT_SECRET_MARK
    raw = tokens.generate(prefix)
    secret = SCIMOAuthSecret.objects.create(
        client=client, digest=tokens.digest(raw), hint=tokens.hint(raw, prefix), created_at=now,
        created_by=created_by, expires_at=expires_at,
    )
    return secret, raw


@transaction.atomic
def oauth_client_create(*, organisation, created_by=None, secret_expires_at=None) -> tuple[SCIMOAuthClient, SCIMOAuthSecret, str]:
    """A new client with its first secret. Returns ``(client, secret, raw secret)``; the raw
    secret exists only in this return value."""
    now = timezone.now()
    expires_at = _secret_expiry(secret_expires_at, now)
    client = SCIMOAuthClient.objects.create(
        organisation=organisation, client_id=f"{app_settings.TOKEN_PREFIX}client_{_secrets.token_hex(10)}",
        created_at=now, created_by=created_by,
    )
    secret, raw = _new_secret(client=client, created_by=created_by, now=now, expires_at=expires_at)
    event_record(organisation=organisation, action="oauth.client_created", actor=created_by,
                 resource_type="OAuthClient", resource_id=client.client_id,
                 detail=f"First secret {secret.hint}, expires {expires_at:%Y-%m-%d}")
    return client, secret, raw


@transaction.atomic
def oauth_secret_add(*, client: SCIMOAuthClient, created_by=None, expires_at=None) -> tuple[SCIMOAuthSecret, str]:
    """Another secret for ``client``; the existing ones keep working. Returns ``(secret, raw)``."""
    client = SCIMOAuthClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        raise ValueError("This OAuth client is revoked.")
    now = timezone.now()
    secret, raw = _new_secret(client=client, created_by=created_by, now=now, expires_at=_secret_expiry(expires_at, now))
    event_record(organisation=client.organisation, action="oauth.secret_added", actor=created_by,
                 resource_type="OAuthClient", resource_id=client.client_id,
                 detail=f"Secret {secret.hint}, expires {secret.expires_at:%Y-%m-%d}")
    return secret, raw


@transaction.atomic
def oauth_secret_revoke(*, secret: SCIMOAuthSecret, revoked_by=None) -> None:
    """Revoke one secret now; the access tokens it obtained stop working with it."""
    updated = SCIMOAuthSecret.objects.filter(pk=secret.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if updated:
        event_record(organisation=secret.client.organisation, action="oauth.secret_revoked", actor=revoked_by,
                     resource_type="OAuthClient", resource_id=secret.client.client_id, detail=f"Secret {secret.hint}")


@transaction.atomic
def oauth_client_revoke(*, client: SCIMOAuthClient, revoked_by=None) -> None:
    """Revoke the client: none of its secrets or access tokens work any more."""
    updated = SCIMOAuthClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if updated:
        event_record(organisation=client.organisation, action="oauth.client_revoked", actor=revoked_by,
                     resource_type="OAuthClient", resource_id=client.client_id)


def oauth_clients(*, organisation) -> list[SCIMOAuthClient]:
    """The organisation's clients that are not revoked, each with ``active_secrets`` (not
    revoked, newest first; expired ones included, shown as expired)."""
    clients = list(SCIMOAuthClient.objects.filter(organisation=organisation, revoked_at__isnull=True))
    by_client: dict[int, list] = {c.pk: [] for c in clients}
    for secret in SCIMOAuthSecret.objects.filter(client__in=clients, revoked_at__isnull=True):
        by_client[secret.client_id].append(secret)
    for client in clients:
        client.active_secrets = by_client[client.pk]
    return clients


def oauth_token_issue(*, client_id: str, client_secret: str, request_id: str = "") -> tuple[SCIMAccessToken, str]:
    """The client-credentials grant: check the client and secret, issue an access token.

    Returns ``(access token, raw)``. Raises ``OAuthError("invalid_client", …, 401)`` for an
    unknown or revoked client and a wrong, revoked or expired secret (the description says
    which, except that an unknown client and a wrong secret read alike). Refusals of a known
    client go to its organisation's activity log; unknown clients have no organisation.
    """
    refused = OAuthError("invalid_client", "Client authentication failed.", 401)
    client = SCIMOAuthClient.objects.select_related("organisation").filter(client_id=client_id[:64]).first()
    if client is None:
        raise refused
    organisation = client.organisation

    def refuse(reason: str, description: str):
        event_record(organisation=organisation, action="oauth.token_refused", status_code=401,
                     outcome="failure", resource_type="OAuthClient", resource_id=client.client_id, detail=reason,
                     request_id=request_id)
        return OAuthError("invalid_client", description, 401)

    if client.revoked_at is not None:
        raise refuse("The client is revoked", "The client is revoked.")
    prefix = app_settings.TOKEN_PREFIX + tokens.CLIENT_SECRET_MARK
    secret = None
    if tokens.is_well_formed(client_secret, prefix):
        wanted = tokens.digest(client_secret)
        secret = SCIMOAuthSecret.objects.filter(client=client, digest=wanted, revoked_at__isnull=True).first()
        if secret is not None and not tokens.digests_match(secret.digest, wanted):
            secret = None
    if secret is None:
        raise refuse("Wrong or revoked client secret", "Client authentication failed.")
    now = timezone.now()
    if secret.expires_at <= now:
        raise refuse(f"Client secret {secret.hint} expired on {secret.expires_at:%Y-%m-%d}",
                     "The client secret has expired.")
    # Refusals above are logged outside any transaction (they must stay logged); the
    # issuance below commits as one.
    with transaction.atomic():
        return _access_token_create(organisation=organisation, client=client, secret=secret, now=now,
                                    request_id=request_id)


def _access_token_create(*, organisation, client, secret, now, request_id="") -> tuple[SCIMAccessToken, str]:
    # Housekeeping, bounded by one client's tokens: expired access tokens are useless.
    SCIMAccessToken.objects.filter(client=client, expires_at__lte=now).delete()
    access_prefix = app_settings.TOKEN_PREFIX + tokens.ACCESS_TOKEN_MARK
    raw = tokens.generate(access_prefix)
    access = SCIMAccessToken.objects.create(
        organisation=organisation, client=client, secret=secret, digest=tokens.digest(raw),
        hint=f"{secret.hint} (OAuth)"[:32], created_at=now,
        expires_at=now + timedelta(seconds=app_settings.OAUTH_ACCESS_TOKEN_LIFETIME),
    )
    SCIMOAuthSecret.objects.filter(pk=secret.pk).update(last_used_at=now)
    event_record(organisation=organisation, action="oauth.token_issued", resource_type="OAuthClient",
                 resource_id=client.client_id, detail=f"Access token from secret {secret.hint}", request_id=request_id)
    return access, raw


def access_token_authenticate(raw: str) -> SCIMAccessToken:
    """The live access token ``raw`` names (well-formed already), or ``InvalidCredential``."""
    wanted = tokens.digest(raw)
    access = (
        SCIMAccessToken.objects.select_related("organisation", "organisation__scim_settings", "client", "secret")
        .filter(digest=wanted)
        .first()
    )
    if access is None or not tokens.digests_match(access.digest, wanted):
        raise InvalidCredential("The access token is not valid.")
    now = timezone.now()
    if access.expires_at <= now:
        raise InvalidCredential("The access token has expired; request a new one from the token endpoint.")
    if access.client.revoked_at is not None or access.secret.revoked_at is not None:
        raise InvalidCredential("The access token was revoked with its client or secret.")
    if access.secret.expires_at <= now:
        raise InvalidCredential("The client secret that obtained this access token has expired.")
    return access
