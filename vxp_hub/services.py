"""The hub's writes: keyword-only ``<entity>_<action>`` functions, each one transaction."""

from django.db import transaction

from scim_provisioning.activity import event_record
from teams import services as team_services
from teams.models import Team

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
    """Set the profile of SCIM users in no mapped team, and give it to them at once."""
    if profile is not None and profile.organisation_id != organisation.pk:
        raise ValueError("The profile belongs to another organisation.")
    organisation.default_scim_profile = profile
    organisation.save(update_fields=["default_scim_profile"])
    team_services.profiles_recompute(organisation=organisation)


@transaction.atomic
def team_map_profile(*, team: Team, profile: UserProfile | None, actor: User | None = None) -> Team:
    """Map ``team`` to ``profile`` (``None``: unmap it), recompute its members' profiles and,
    when the mapping changed, record ``team.profile_mapped`` in the SCIM activity log.

    Raises ``teams.services.ProfileNotInOrganisation`` (a ValueError) for another
    organisation's profile.
    """
    before = team.profile
    team = team_services.team_set_profile(team=team, profile=profile, actor=actor)
    if (before.pk if before else None) != (profile.pk if profile else None):
        event_record(
            organisation=team.organisation,
            action="team.profile_mapped",
            actor=actor,
            resource_type="Group",
            resource_id=str(team.scim_id),
            resource_display=team.name,
            detail=f"{before.name if before else 'No profile'} → {profile.name if profile else 'No profile'}",
        )
    return team
