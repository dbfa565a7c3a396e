"""The hub's writes: keyword-only ``<entity>_<action>`` functions, each one transaction."""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction

from scim_provisioning import users as scim_users
from scim_provisioning.activity import event_record
from teams import services as team_services
from teams.models import Team, TeamMembership
from teams.preview import ProfileImpact, profile_impact

from .models import Organisation, Role, User, UserProfile
from .wording import changed_count_sentence, changed_sentence

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
    """A user created by hand (not through SCIM), and its SCIM user so that SCIM can read it.
    ``email`` defaults to the username."""
    user = User.objects.create_user(
        username=username,
        organisation=organisation,
        password=password,
        email=email or username,
        given_name=given_name,
        family_name=family_name,
        role=role,
        profile=profile,
    )
    # Visible to SCIM (an identity provider's import can match it), not managed by it.
    scim_users.user_link(
        organisation=organisation, user=user, user_name=username, given_name=given_name, family_name=family_name,
        active=user.is_active, emails=[{"value": user.email, "type": "work", "primary": True}],
    )
    return user


@transaction.atomic
def organisation_set_default_scim_profile(
    *, organisation: Organisation, profile: UserProfile | None, actor: User | None = None
) -> ProfileImpact:
    """Set the profile of SCIM users in no mapped team, and give it to them at once. When it
    changed, record ``organisation.default_profile_changed`` (old → new, how many users
    changed). Returns the effect (``teams.preview``), computed under the lock the write takes,
    so it is what the write did."""
    if profile is not None and profile.organisation_id != organisation.pk:
        raise ValueError("The profile belongs to another organisation.")
    team_services.profiles_lock(organisation=organisation)
    before = Organisation.objects.select_related("default_scim_profile").get(pk=organisation.pk).default_scim_profile
    impact = profile_impact(organisation=organisation, default_profile=profile)
    organisation.default_scim_profile = profile
    organisation.save(update_fields=["default_scim_profile"])
    team_services.profiles_recompute(organisation=organisation)
    if (before.pk if before else None) != (profile.pk if profile else None):
        event_record(
            organisation=organisation,
            action="organisation.default_profile_changed",
            actor=actor,
            resource_type="Organisation",
            resource_display=organisation.name,
            detail=f"{_profile_name(before)} → {_profile_name(profile)}; {changed_sentence(impact)}",
        )
    return impact


@transaction.atomic
def team_map_profile(*, team: Team, profile: UserProfile | None, actor: User | None = None) -> ProfileImpact:
    """Map ``team`` to ``profile`` (``None``: unmap it), recompute its members' profiles and,
    when the mapping changed, record ``team.profile_mapped`` (old → new, how many users
    changed) in the SCIM activity log. Returns the effect (``teams.preview``), computed under
    the lock the write takes, so it is what the write did.

    Raises ``teams.services.ProfileNotInOrganisation`` (a ValueError) for another
    organisation's profile.
    """
    team_services.profiles_lock(organisation=team.organisation)
    before = Team.objects.select_related("profile").get(pk=team.pk).profile
    if profile is not None and profile.organisation_id != team.organisation_id:
        raise team_services.ProfileNotInOrganisation("The profile belongs to another organisation.")
    impact = profile_impact(organisation=team.organisation, team=team, team_profile=profile)
    team = team_services.team_set_profile(team=team, profile=profile, actor=actor)
    if (before.pk if before else None) != (profile.pk if profile else None):
        event_record(
            organisation=team.organisation,
            action="team.profile_mapped",
            actor=actor,
            resource_type="Group",
            resource_id=str(team.scim_id),
            resource_display=team.name,
            detail=f"{_profile_name(before)} → {_profile_name(profile)}; {changed_sentence(impact)}",
        )
    return impact


def _profile_name(profile: UserProfile | None) -> str:
    return profile.name if profile else "No profile"


# --- other changes that move profiles, made on the settings pages or in the Django admin -----
# Each is recorded in the SCIM activity log with how many users' profiles it changed, measured
# (the profiles of the users it can reach, read before and after, under the write's lock).


def _live_profiles(*, organisation_id, user_ids=None) -> dict[int, int | None]:
    """user id -> profile id of the organisation's users the team rule governs (SCIM-managed,
    unprotected, not deprovisioned), optionally only ``user_ids`` (a list or an id queryset)."""
    users = User.objects.filter(
        organisation_id=organisation_id, pk__in=scim_users.managed_user_ids(organisation_id)
    ).exclude(role__in=list(User.PROTECTED_ROLES))
    if user_ids is not None:
        users = users.filter(pk__in=user_ids)
    return dict(users.order_by().values_list("pk", "profile_id"))


def _changed(before: Mapping[int, int | None], after: Mapping[int, int | None]) -> int:
    return sum(1 for pk, profile_id in before.items() if after.get(pk, profile_id) != profile_id)


@transaction.atomic
def team_member_add(*, team: Team, user: User, actor: User | None = None) -> int:
    """Add ``user`` to a team made by hand; record ``team.member_added``. Returns how many
    users' profiles changed (0 or 1)."""
    team_services.profiles_lock(organisation=team.organisation)
    before = _live_profiles(organisation_id=team.organisation_id, user_ids=[user.pk])
    team_services.team_members_add(team=team, user_ids=[user.pk])
    changed = _changed(before, _live_profiles(organisation_id=team.organisation_id, user_ids=[user.pk]))
    event_record(organisation=team.organisation, action="team.member_added", actor=actor, resource_type="Group",
                 resource_id=str(team.scim_id), resource_display=team.name,
                 detail=f"{user.username} added; {changed_count_sentence(changed)}")
    return changed


@transaction.atomic
def team_member_remove(*, team: Team, user_id: int, actor: User | None = None) -> int:
    """Remove a user from a team made by hand; record ``team.member_removed``. Raises
    ``teams.services.MemberNotInOrganisation`` for an id that is not the organisation's user."""
    team_services.profiles_lock(organisation=team.organisation)
    before = _live_profiles(organisation_id=team.organisation_id, user_ids=[user_id])
    team_services.team_members_remove(team=team, user_ids=[user_id])
    changed = _changed(before, _live_profiles(organisation_id=team.organisation_id, user_ids=[user_id]))
    username = User.objects.filter(pk=user_id).values_list("username", flat=True).first() or str(user_id)
    event_record(organisation=team.organisation, action="team.member_removed", actor=actor, resource_type="Group",
                 resource_id=str(team.scim_id), resource_display=team.name,
                 detail=f"{username} removed; {changed_count_sentence(changed)}")
    return changed


@transaction.atomic
def team_delete(*, team: Team, actor: User | None = None) -> int:
    """Delete a team (never its users); record ``team.deleted`` with how many members'
    profiles changed."""
    organisation = team.organisation
    team_services.profiles_lock(organisation=organisation)
    members = list(TeamMembership.objects.filter(team_id=team.pk).values_list("user_id", flat=True))
    before = _live_profiles(organisation_id=organisation.pk, user_ids=members)
    scim_id, name = str(team.scim_id), team.name
    team_services.team_delete(team=team)
    changed = _changed(before, _live_profiles(organisation_id=organisation.pk, user_ids=members))
    event_record(organisation=organisation, action="team.deleted", actor=actor, resource_type="Group",
                 resource_id=scim_id, resource_display=name,
                 detail=f"{len(members)} member{'' if len(members) == 1 else 's'}; {changed_count_sentence(changed)}")
    return changed


@transaction.atomic
def profile_set_rank(*, profile: UserProfile, rank: int, actor: User | None = None) -> int:
    """Change a profile's rank (the Django admin); record ``profile.rank_changed``."""
    organisation = profile.organisation
    team_services.profiles_lock(organisation=organisation)
    before = _live_profiles(organisation_id=organisation.pk)
    old_rank = UserProfile.objects.filter(pk=profile.pk).values_list("rank", flat=True).get()
    team_services.profile_set_rank(profile=profile, rank=rank)
    changed = _changed(before, _live_profiles(organisation_id=organisation.pk))
    event_record(organisation=organisation, action="profile.rank_changed", actor=actor, resource_type="Profile",
                 resource_display=profile.name, detail=f"Rank {old_rank} → {rank}; {changed_count_sentence(changed)}")
    return changed


@transaction.atomic
def profile_delete(*, profile: UserProfile, actor: User | None = None) -> int:
    """Delete a profile (the Django admin); record ``profile.deleted``."""
    organisation = profile.organisation
    team_services.profiles_lock(organisation=organisation)
    before = _live_profiles(organisation_id=organisation.pk)
    name = profile.name
    team_services.profile_delete(profile=profile)
    changed = _changed(before, _live_profiles(organisation_id=organisation.pk))
    event_record(organisation=organisation, action="profile.deleted", actor=actor, resource_type="Profile",
                 resource_display=name, detail=changed_count_sentence(changed))
    return changed


# --- SCIM writes ----------------------------------------------------------------------------
# Called by vxp_hub.provisioning.HubSCIMBackend (the SCIM app's hook class) to mirror what the
# identity provider said onto the hub's user; the SCIM state itself is the SCIM app's. They
# never touch a role or a password: a SCIM-created user gets an unusable password and the
# member role, and protected users never get here.


def user_scim_mirror(*, user: User, values: Mapping) -> list[str]:
    """Set ``values`` (field -> value, ``is_active`` among them) on ``user`` and save those
    that changed, in one UPDATE (none when nothing changed); return their names. Deactivation
    ends every session of the user; reactivation restores the account as it was (memberships
    and data are never touched) without bringing old sessions back."""
    _refuse_protected(user)
    changed = [name for name, value in values.items() if name != "is_active" and getattr(user, name) != value]
    for name in changed:
        setattr(user, name, values[name])
    if "is_active" in values:
        changed += _user_set_active(user, values["is_active"])
    if changed:
        user.save(update_fields=[*changed, "updated_at"])
    return changed


def user_scim_deactivate(*, user: User) -> None:
    """The identity provider deleted ``user``: it can no longer sign in and its sessions end.
    Nothing is destroyed (memberships, profile and data stay): a later SCIM create of the same
    userName brings the account back. One UPDATE."""
    user_scim_mirror(user=user, values={"is_active": False})


def _refuse_protected(user: User) -> None:
    # The SCIM adapter answers 403 before calling; this keeps any other caller honest.
    if user.is_protected:
        raise PermissionDenied("Owners and administrators are managed in the hub, not through SCIM.")


def _user_set_active(user: User, active: bool) -> list[str]:
    """(Unsaved.) Deactivation bumps ``session_version``, which is part of the session hash:
    every session of the user ends and reactivation does not revive them."""
    if active == user.is_active:
        return []
    user.is_active = active
    if active:
        return ["is_active"]
    user.session_version += 1
    return ["is_active", "session_version"]
