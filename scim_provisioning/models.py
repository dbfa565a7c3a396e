"""SCIM users (what the identity provider said, linked to the host's users), SCIM tokens
(stored as digests only) and the SCIM activity log.

The tenant model is the host's, named by ``settings.SCIM_PROVISIONING_ORGANISATION_MODEL``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from .conf import organisation_model_name


class SCIMUser(models.Model):
    """One SCIM User: one person of the host (``AUTH_USER_MODEL``) in one tenant, and what
    the identity provider said about them, kept as it was provisioned (the way an OAuth app
    keeps a provider's account data beside any user model).

    SCIM reads come from these rows only: the host's user model needs no SCIM field. The
    backend (``SCIMBackend``) mirrors what the host models (names, e-mail, active) onto the
    host's user on every write. ``scim_id`` is the stable, opaque SCIM ``id`` (never a primary
    key). ``managed`` turns true when SCIM creates or first changes the user; a host's own
    users are linked unmanaged (``services.user_link``) so that SCIM can read (import) them.
    ``deleted_at`` marks a user deleted through SCIM: hidden from SCIM, the host's account
    deactivated and kept; a later create of the same userName brings the same row back.
    """

    organisation = models.ForeignKey(
        organisation_model_name(), on_delete=models.CASCADE, related_name="scim_users"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_links")
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(max_length=255, blank=True, default="")
    user_name = models.CharField(max_length=255)
    given_name = models.CharField(max_length=255, blank=True)
    family_name = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=255, blank=True)
    locale = models.CharField(max_length=64, blank=True)
    # Enterprise extension (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User).
    employee_number = models.CharField(max_length=255, blank=True)
    cost_center = models.CharField(max_length=255, blank=True)
    enterprise_organization = models.CharField(max_length=255, blank=True)
    division = models.CharField(max_length=255, blank=True)
    department = models.CharField(max_length=255, blank=True)
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    # The other RFC 7643 §4.1 core attributes (nickName, phoneNumbers, addresses,
    # name.formatted…) in SCIM shape, as validated by ``adapters.attributes``. Kept, returned,
    # never interpreted: ``roles`` here is nobody's role.
    attributes = models.JSONField(default=dict, blank=True)
    # SCIM ``active``: what SCIM reads and filters on. The backend mirrors it onto the host.
    active = models.BooleanField(default=True)
    managed = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "SCIM user"
        ordering = ["organisation_id", "id"]
        constraints = [
            models.UniqueConstraint(Upper("user_name"), "organisation", name="scim_user_name_ci_per_org"),
            models.UniqueConstraint(fields=["organisation", "user"], name="scim_user_once_per_org"),
        ]
        indexes = [
            models.Index(fields=["organisation", "external_id"], name="scim_user_org_external_id"),
            models.Index(fields=["organisation", "managed"], name="scim_user_org_managed"),
            # The visible users of a tenant in id order: list pages, deep ones index-only.
            models.Index(fields=["organisation", "id"], condition=Q(deleted_at__isnull=True),
                         name="scim_user_org_visible"),
        ]

    def __str__(self) -> str:
        return self.user_name


class SCIMUserCount(models.Model):
    """How many visible (not SCIM-deleted) SCIM users an organisation has, kept by PostgreSQL
    row triggers on ``SCIMUser`` (migration 0006), so that a list's ``totalResults`` needs no
    COUNT over the organisation's rows. Spread over ``SHARDS`` rows per organisation, chosen by
    the writing backend's pid, so concurrent creates do not queue on one counter row; the total
    is their sum. Empty on other databases (the list counts there: SQLite's COUNT is an index
    scan in the same process)."""

    SHARDS = 16

    organisation = models.ForeignKey(organisation_model_name(), on_delete=models.CASCADE, related_name="+")
    shard = models.PositiveSmallIntegerField()
    visible = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "SCIM user count"
        constraints = [models.UniqueConstraint(fields=["organisation", "shard"], name="scim_user_count_shard")]


class SCIMUserEmail(models.Model):
    """One entry of a SCIM user's multi-valued ``emails``, in SCIM order (``position``)."""

    scim_user = models.ForeignKey(SCIMUser, on_delete=models.CASCADE, related_name="emails")
    value = models.CharField(max_length=254)
    type = models.CharField(max_length=32, blank=True)
    display = models.CharField(max_length=255, blank=True)
    primary = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "SCIM user e-mail"
        ordering = ["scim_user_id", "position", "id"]
        indexes = [models.Index(Upper("value"), name="scim_user_email_value_upper")]

    def __str__(self) -> str:
        return self.value


class TokenQuerySet(models.QuerySet):
    def usable(self, *, now=None):
        """Tokens that authenticate now: not revoked, not expired, not retired by a rotation."""
        now = now or timezone.now()
        return self.filter(
            Q(revoked_at__isnull=True),
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            Q(retire_at__isnull=True) | Q(retire_at__gt=now),
        )


class SCIMToken(models.Model):
    """A bearer token of one organisation.

    Normally one token is active (not revoked). During a rotation two are: the older keeps
    working until the rotation is completed (it is revoked), cancelled (the newer is revoked)
    or its ``retire_at`` passes. ``expires_at`` is the lifetime chosen when it was issued.

    Create tokens with ``scim_provisioning.services.token_generate`` or ``token_rotate``: they
    return the raw token once and store only ``digest`` (SHA-256, hex) and ``hint``.
    """

    organisation = models.ForeignKey(
        organisation_model_name(), on_delete=models.CASCADE, related_name="scim_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Set on the older token when a rotation starts with a deadline: it stops working then.
    retire_at = models.DateTimeField(null=True, blank=True)
    # The id of the form submission that issued it (settings page), so a double-submitted
    # "Regenerate" is recognised as the same click, never as a stale page.
    issue_key = models.CharField(max_length=64, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TokenQuerySet.as_manager()

    class Meta:
        verbose_name = "SCIM token"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "revoked_at"], name="scim_token_org_revoked"),
        ]

    def __str__(self) -> str:
        return self.hint

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def ends_at(self):
        """When it stops working by itself (expiry or a rotation's deadline), or None."""
        ends = [t for t in (self.expires_at, self.retire_at) if t is not None]
        return min(ends) if ends else None


class SCIMOAuthClient(models.Model):
    """An OAuth 2.0 client (RFC 6749 §4.4, client credentials) of one organisation.

    The identity provider exchanges ``client_id`` and one of the client's secrets at the token
    endpoint for a short-lived access token (``SCIMAccessToken``), accepted like a SCIM token.
    """

    organisation = models.ForeignKey(
        organisation_model_name(), on_delete=models.CASCADE, related_name="scim_oauth_clients"
    )
    client_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "SCIM OAuth client"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.client_id


class SCIMOAuthSecret(models.Model):
    """A client secret: stored as a digest, several active at once, each with an expiry."""

    client = models.ForeignKey(SCIMOAuthClient, on_delete=models.CASCADE, related_name="secrets")
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "SCIM OAuth client secret"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.hint

    def ends_at(self):
        return self.expires_at


class SCIMAccessToken(models.Model):
    """A short-lived access token issued by the token endpoint; only its digest is stored."""

    organisation = models.ForeignKey(
        organisation_model_name(), on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(SCIMOAuthClient, on_delete=models.CASCADE, related_name="access_tokens")
    secret = models.ForeignKey(SCIMOAuthSecret, on_delete=models.CASCADE, related_name="access_tokens")
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "SCIM OAuth access token"
        indexes = [models.Index(fields=["client", "expires_at"], name="scim_access_client_expiry")]

    def __str__(self) -> str:
        return self.hint

    def ends_at(self):
        return self.expires_at


class SCIMOrganisationSettings(models.Model):
    """An organisation's SCIM safety rails. No row means the defaults."""

    organisation = models.OneToOneField(
        organisation_model_name(), on_delete=models.CASCADE, related_name="scim_settings"
    )
    # Off: SCIM sees only groups it created, and a displayName equal to a hand-made group's
    # answers 409. On (the default, as before this setting existed): the identity provider may
    # link (take over) a group created by hand.
    link_manual_groups = models.BooleanField(default=True)
    # On: a userName must be an address at one of ``user_domains`` (else 400, logged).
    restrict_user_domains = models.BooleanField(default=False)
    user_domains = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "SCIM settings"
        verbose_name_plural = "SCIM settings"

    def __str__(self) -> str:
        return f"SCIM settings of {self.organisation}"


class SCIMEvent(models.Model):
    """One line of an organisation's SCIM activity log: a SCIM write or a token event.

    Never holds a raw token, a password or a request body.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"

    organisation = models.ForeignKey(
        organisation_model_name(), on_delete=models.CASCADE, related_name="scim_events"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # e.g. "token.generated", "token.revoked", "token.first_use", "user.create", "group.patch",
    # and the host's own ("team.profile_mapped", "organisation.default_profile_changed", …;
    # the hub labels them in vxp_hub/wording.py).
    action = models.CharField(max_length=64)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    token = models.ForeignKey(SCIMToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    token_hint = models.CharField(max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resource_type = models.CharField(max_length=32, blank=True)
    resource_id = models.CharField(max_length=64, blank=True)
    resource_display = models.CharField(max_length=255, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    # The X-Request-Id answered to the client (its own, when it sent a well-formed one), so an
    # administrator can match a line here to the identity provider's log and the server log.
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "SCIM event"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at", "-id"], name="scim_event_org_newest"),
            models.Index(fields=["organisation", "outcome", "-created_at"], name="scim_event_org_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"
