"""The hub's core data: organisations (tenants), their users and their user profiles.

Everything belongs to exactly one organisation. Uniqueness that the product promises
("userName unique per organisation, case-insensitive") is a database constraint, so that
concurrent requests cannot break it and the SCIM layer can rely on IntegrityError.
"""


from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    default_scim_profile = models.ForeignKey(
        "UserProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Profile of SCIM users who belong to no mapped team. Empty means no access.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserProfile(models.Model):
    """An organisation's named set of permissions. A higher ``rank`` grants more.

    Profiles never make anyone an owner or administrator: those are roles (``User.role``).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="profiles")
    name = models.CharField(max_length=100)
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["organisation_id", "rank", "id"]
        constraints = [
            models.UniqueConstraint(Upper("name"), "organisation", name="profile_name_ci_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMINISTRATOR = "administrator", "Administrator"
    MEMBER = "member", "Member"


PROTECTED_ROLES = frozenset({Role.OWNER, Role.ADMINISTRATOR})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username, organisation, password=None, **extra):
        user = self.model(username=username, organisation=organisation, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, username, organisation, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.OWNER)
        if not isinstance(organisation, Organisation):
            organisation = Organisation.objects.get(pk=organisation)
        return self.create_user(username, organisation, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person's account in one organisation.

    Login identity. ``username`` (SCIM ``userName``) is unique *per organisation*,
    case-insensitively, as a database constraint; the same userName may exist in two
    organisations. Django wants ``USERNAME_FIELD`` unique site-wide. Rather than invent a
    second, site-wide login identifier that people would have to learn (and that would have
    to be kept in step with userName), authentication takes the organisation into account:
    ``vxp_hub.auth.OrganisationBackend`` authenticates (organisation slug, username,
    password), and the login form asks for the organisation. ``auth.W004`` (non-unique
    USERNAME_FIELD with a custom backend) is silenced in settings for that reason.

    No SCIM bookkeeping lives here: what the identity provider said (SCIM id, externalId,
    e-mails, attributes, managed/deleted markers) is the SCIM app's ``SCIMUser`` row linked to
    the user (``scim_link``). The hub's backend mirrors names, the primary e-mail and active
    onto these columns (``vxp_hub.provisioning``).

    ``session_version`` is part of the session hash: deactivation bumps it, so every session
    of the user ends and reactivation does not bring an old session back.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="users")
    username = models.CharField(max_length=150)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True, help_text="The primary e-mail address.")
    locale = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=255, blank=True)

    # Enterprise extension (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User).
    employee_number = models.CharField(max_length=255, blank=True)
    cost_center = models.CharField(max_length=255, blank=True)
    enterprise_organization = models.CharField(max_length=255, blank=True)
    division = models.CharField(max_length=255, blank=True)
    department = models.CharField(max_length=255, blank=True)

    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin site.")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    profile = models.ForeignKey(
        UserProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="users"
    )
    # The mapped team the effective profile came from (None: the organisation's default, or
    # not SCIM-managed). Written only by teams.services when profiles are recomputed.
    profile_team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    session_version = models.PositiveIntegerField(default=0)

    date_joined = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["organisation"]
    # Read by the teams app (queries cannot call ``is_protected``); see teams/services.py.
    PROTECTED_ROLES = PROTECTED_ROLES

    class Meta:
        ordering = ["organisation_id", "id"]
        constraints = [
            models.UniqueConstraint(Upper("username"), "organisation", name="user_username_ci_per_org"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def scim_link(self):
        """The user's SCIM user, read now (a hub user belongs to one organisation, so it has at
        most one), or None for a user SCIM has never seen. One query: not for lists (see
        ``selectors.users_with_scim_state``)."""
        return self.scim_links.filter(organisation_id=self.organisation_id).first()

    @property
    def is_protected(self) -> bool:
        """Owners and administrators can never be changed through SCIM."""
        return self.role in self.PROTECTED_ROLES

    def get_full_name(self) -> str:
        full = f"{self.given_name} {self.family_name}".strip()
        return self.display_name or full or self.username

    def get_short_name(self) -> str:
        return self.given_name or self.username

    def _get_session_auth_hash(self, secret=None):
        # Mix the session version into Django's password-based hash: bumping it logs the
        # user out everywhere (deactivation), exactly as a password change does.
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "vxp_hub.models.User.get_session_auth_hash",
            f"{self.password}:{self.session_version}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class SSOConfiguration(models.Model):
    """An organisation's SAML 2.0 single sign-on: its identity provider (Okta, Entra ID…).

    The service provider side (entity ID, ACS URL) is derived from the organisation's slug
    (``vxp_hub.sso``), so nothing about it is stored. ``idp_metadata_xml`` is the identity
    provider's metadata as validated on save (uploaded, or fetched from ``idp_metadata_url``);
    ``idp_entity_id`` is parsed from it, for display and for the activity log.
    """

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="sso")
    idp_metadata_xml = models.TextField(blank=True)
    idp_metadata_url = models.URLField(max_length=1000, blank=True)
    idp_entity_id = models.CharField(max_length=1000, blank=True)
    # Empty: the assertion's NameID is the userName. Otherwise the name of the SAML attribute
    # that carries it (e.g. "email").
    name_id_attribute = models.CharField(max_length=255, blank=True)
    require_sso = models.BooleanField(
        default=False, help_text="Members can no longer sign in with a password (owners and administrators still can)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"SSO of {self.organisation}"

    @property
    def is_configured(self) -> bool:
        return bool(self.idp_metadata_xml and self.idp_entity_id)


class SeenSAMLAssertion(models.Model):
    """An assertion the hub accepted, remembered until it expires so that it is never accepted
    twice (a replay). The unique constraint makes the check race-free."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    assertion_id = models.CharField(max_length=255)
    not_on_or_after = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "assertion_id"], name="seen_assertion_once_per_org"),
        ]
        indexes = [models.Index(fields=["not_on_or_after"], name="seen_assertion_expiry")]
