"""SCIM tokens (stored as digests only) and the SCIM activity log.

The tenant model is the host's, named by ``settings.SCIM_PROVISIONING_ORGANISATION_MODEL``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .conf import organisation_model_name


class SCIMToken(models.Model):
    """A bearer token of one organisation. At most one is active (not revoked) at a time.

    Create tokens with ``scim_provisioning.services.token_generate``: it returns the raw
    token once and stores only ``digest`` (SHA-256, hex) and ``hint``.
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
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "SCIM token"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(revoked_at__isnull=True), name="scim_one_active_token_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.hint

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


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
