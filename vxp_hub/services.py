"""The hub's writes: keyword-only ``<entity>_<action>`` functions, each one transaction."""

from django.db import transaction

from .models import Organisation, Role, User, UserEmail, UserProfile

SEED_PROFILES = ("Viewer", "Contributor", "Editor", "Manager")  # lowest rank first


@transaction.atomic
def organisation_create(*, name: str, slug: str, seed_profiles: bool = True) -> Organisation:
    """A new organisation, with the four seed profiles ranked Viewer < … < Manager."""
    organisation = Organisation.objects.create(name=name, slug=slug)
    if seed_profiles:
        UserProfile.objects.bulk_create(
            UserProfile(organisation=organisation, name=profile, rank=(i + 1) * 10)
            for i, profile in enumerate(SEED_PROFILES)
        )
    return organisation


@transaction.atomic
def user_create(
    *,
    organisation: Organisation,
    username: str,
    password: str | None = None,
    given_name: str = "",
    family_name: str = "",
    email: str | None = None,
    role: str = Role.MEMBER,
    profile: UserProfile | None = None,
) -> User:
    """A user created by hand (not through SCIM). ``email`` defaults to the username."""
    user = User.objects.create_user(
        username=username,
        organisation=organisation,
        password=password,
        given_name=given_name,
        family_name=family_name,
        role=role,
        profile=profile,
    )
    UserEmail.objects.create(user=user, value=email or username, type="work", primary=True)
    return user


@transaction.atomic
def organisation_set_default_scim_profile(*, organisation: Organisation, profile: UserProfile | None) -> None:
    if profile is not None and profile.organisation_id != organisation.pk:
        raise ValueError("The profile belongs to another organisation.")
    organisation.default_scim_profile = profile
    organisation.save(update_fields=["default_scim_profile"])
