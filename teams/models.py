"""Teams: named groups of users in one organisation, optionally mapped to a user profile.

A team pushed by an identity provider (Okta Group Push, Entra group provisioning) is a SCIM
group; ``scim_managed`` marks it, and its name and members are then read-only in the UI.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone


# Placeholder targets when a setting is missing: the app still imports, and ``manage.py check``
# reports the missing setting by name with an example (``teams.E001``/``E002``, teams/checks.py).
UNSET_ORGANISATION_MODEL = "teams.TEAMS_ORGANISATION_MODEL_is_not_set"
UNSET_PROFILE_MODEL = "teams.TEAMS_PROFILE_MODEL_is_not_set"


def _model_setting(name: str, unset: str) -> str:
    return getattr(settings, name, None) or unset


# The host's tenant and profile models, by "app_label.Model" (see README, "Installing").
ORGANISATION_MODEL = _model_setting("TEAMS_ORGANISATION_MODEL", UNSET_ORGANISATION_MODEL)
PROFILE_MODEL = _model_setting("TEAMS_PROFILE_MODEL", UNSET_PROFILE_MODEL)


class Team(models.Model):
    organisation = models.ForeignKey(ORGANISATION_MODEL, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=255)
    profile = models.ForeignKey(
        PROFILE_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="teams"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams", blank=True
    )

    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(max_length=255, blank=True, default="")
    scim_managed = models.BooleanField(default=False)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation_id", "id"]
        constraints = [
            models.UniqueConstraint(Upper("name"), "organisation", name="team_name_ci_per_org"),
        ]
        indexes = [
            models.Index(fields=["organisation", "external_id"], name="team_org_external_id"),
            models.Index(fields=["organisation", "scim_managed"], name="team_org_scim_managed"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_membership_unique"),
        ]
        indexes = [
            models.Index(fields=["user", "team"], name="team_membership_user_team"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.team_id}"
