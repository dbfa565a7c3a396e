"""People, the workspaces they belong to, and the roles a workspace grants.

A person logs in by e-mail and may belong to several workspaces (``Membership``); what they
may do in a workspace is their membership's ``profile`` (a ``Role`` of that workspace). No
model here has a SCIM field: the SCIM app keeps what the identity provider says in its own
tables, one SCIM user per person and workspace.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class Workspace(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    # The role of provisioned people in no team mapped to a role (None: no access).
    default_scim_profile = models.ForeignKey("Role", null=True, blank=True, on_delete=models.SET_NULL,
                                             related_name="+")

    def __str__(self):
        return self.name


class Role(models.Model):
    organisation = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=100)
    rank = models.IntegerField(default=0, help_text="Between two teams' roles, the higher rank wins.")

    def __str__(self):
        return self.name


class PersonManager(UserManager):
    def create_user(self, email, password=None, **extra):
        return super().create_user(extra.pop("username", email), email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        return super().create_superuser(extra.pop("username", email), email, password, **extra)


class Person(AbstractUser):
    email = models.EmailField(unique=True)
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]
    objects = PersonManager()


class Membership(models.Model):
    """A person in a workspace: their access there, their role there."""

    PROTECTED_ROLES = ("owner", "admin")

    organisation = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, default="member",
                            choices=[("owner", "Owner"), ("admin", "Admin"), ("member", "Member")])
    profile = models.ForeignKey(Role, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    profile_team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_workspace")]

    def __str__(self):
        return f"{self.user} in {self.organisation}"
