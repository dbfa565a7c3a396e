"""teams.services on the real database: the profile rule's scenarios, membership
validation, names, and the query budgets that keep big teams cheap."""

import pytest
from django.db import transaction
from django.utils import timezone

from scim_provisioning.models import SCIMUser
from teams import services
from teams.models import Team, TeamMembership
from tests.factories import TeamFactory, UserFactory, bulk_memberships, bulk_users
from vxp_hub.models import Role, User
from vxp_hub.services import organisation_set_default_scim_profile


@pytest.fixture
def scim_user(organisation):
    return UserFactory(organisation=organisation, scim_managed=True, username="scim@acme.example")


def state(user):
    user.refresh_from_db()
    return (user.profile.name if user.profile else None, user.profile_team.name if user.profile_team else None)


# --- the rule's scenarios, through the services ---------------------------------------------


def test_user_in_two_mapped_teams_gets_the_higher_rank(organisation, profiles, scim_user):
    services.team_create(organisation=organisation, name="Sales", profile=profiles["Contributor"], member_ids=[scim_user.pk])
    services.team_create(organisation=organisation, name="Marketing", profile=profiles["Editor"], member_ids=[scim_user.pk])
    assert state(scim_user) == ("Editor", "Marketing")


def test_leaving_the_higher_team_drops_to_the_lower(organisation, profiles, scim_user):
    services.team_create(organisation=organisation, name="Sales", profile=profiles["Contributor"], member_ids=[scim_user.pk])
    marketing = services.team_create(organisation=organisation, name="Marketing", profile=profiles["Editor"])
    services.team_members_add(team=marketing, user_ids=[scim_user.pk])
    assert state(scim_user) == ("Editor", "Marketing")
    services.team_members_remove(team=marketing, user_ids=[scim_user.pk])
    assert state(scim_user) == ("Contributor", "Sales")


def test_unmapped_falls_back_to_the_organisation_default(organisation, profiles, scim_user):
    organisation_set_default_scim_profile(organisation=organisation, profile=profiles["Viewer"])
    assert state(scim_user) == ("Viewer", None)  # the default applies at once
    team = services.team_create(organisation=organisation, name="Design", member_ids=[scim_user.pk])
    assert state(scim_user) == ("Viewer", None)  # an unmapped team changes nothing
    services.team_set_profile(team=team, profile=profiles["Manager"])
    assert state(scim_user) == ("Manager", "Design")
    services.team_set_profile(team=team, profile=None)
    assert state(scim_user) == ("Viewer", None)


def test_default_none_means_no_access(organisation, profiles, scim_user):
    team = services.team_create(organisation=organisation, name="Design", profile=profiles["Editor"], member_ids=[scim_user.pk])
    services.team_members_set(team=team, user_ids=[])
    assert state(scim_user) == (None, None)


def test_owner_in_a_mapped_team_keeps_everything(organisation, profiles):
    owner = UserFactory(organisation=organisation, role=Role.OWNER, scim_managed=True, profile=profiles["Viewer"])
    team = services.team_create(organisation=organisation, name="Design", profile=profiles["Manager"], member_ids=[owner.pk])
    organisation_set_default_scim_profile(organisation=organisation, profile=profiles["Editor"])
    services.team_delete(team=team)
    owner.refresh_from_db()
    assert (owner.role, owner.profile, owner.profile_team) == (Role.OWNER, profiles["Viewer"], None)


def test_user_not_managed_by_scim_is_unchanged(organisation, profiles, member):
    User.objects.filter(pk=member.pk).update(profile=profiles["Contributor"])
    services.team_create(organisation=organisation, name="Design", profile=profiles["Manager"], member_ids=[member.pk])
    organisation_set_default_scim_profile(organisation=organisation, profile=None)
    assert state(member) == ("Contributor", None)


def test_rank_change_moves_the_user_to_the_new_best_team(organisation, profiles, scim_user):
    services.team_create(organisation=organisation, name="Sales", profile=profiles["Contributor"], member_ids=[scim_user.pk])
    services.team_create(organisation=organisation, name="Marketing", profile=profiles["Editor"], member_ids=[scim_user.pk])
    services.profile_set_rank(profile=profiles["Contributor"], rank=99)
    assert state(scim_user) == ("Contributor", "Sales")


def test_equal_ranks_pick_the_oldest_team(organisation, profiles, scim_user):
    first = services.team_create(organisation=organisation, name="First", profile=profiles["Editor"])
    second = services.team_create(organisation=organisation, name="Second", profile=profiles["Editor"])
    services.team_members_add(team=second, user_ids=[scim_user.pk])
    services.team_members_add(team=first, user_ids=[scim_user.pk])
    assert first.pk < second.pk and state(scim_user) == ("Editor", "First")


def test_team_delete_keeps_the_users_and_recomputes_them(organisation, profiles, scim_user):
    services.team_create(organisation=organisation, name="Sales", profile=profiles["Viewer"], member_ids=[scim_user.pk])
    marketing = services.team_create(organisation=organisation, name="Marketing", profile=profiles["Manager"], member_ids=[scim_user.pk])
    services.team_delete(team=marketing)
    assert not Team.objects.filter(name="Marketing").exists()
    assert User.objects.filter(pk=scim_user.pk).exists()
    assert state(scim_user) == ("Viewer", "Sales")


def test_members_set_adds_missing_and_removes_others(organisation, profiles):
    a, b, c = (UserFactory(organisation=organisation, scim_managed=True) for _ in range(3))
    team = services.team_create(organisation=organisation, name="Ops", profile=profiles["Editor"], member_ids=[a.pk, b.pk])
    services.team_members_set(team=team, user_ids=[b.pk, c.pk, c.pk])
    assert set(team.members.values_list("pk", flat=True)) == {b.pk, c.pk}
    assert [state(u) for u in (a, b, c)] == [(None, None), ("Editor", "Ops"), ("Editor", "Ops")]


def test_members_add_ignores_duplicates_and_existing_members(organisation, scim_user):
    team = services.team_create(organisation=organisation, name="Ops", member_ids=[scim_user.pk])
    other = UserFactory(organisation=organisation)
    services.team_members_add(team=team, user_ids=[scim_user.pk, other.pk, other.pk])
    assert TeamMembership.objects.filter(team=team).count() == 2


def test_recompute_ignores_other_organisations_users(organisation, other_organisation, profiles):
    stranger = UserFactory(organisation=other_organisation, scim_managed=True)
    organisation.default_scim_profile = profiles["Viewer"]
    organisation.save()
    assert services.profiles_recompute(organisation=organisation, user_ids=[stranger.pk]) == 0
    assert state(stranger) == (None, None)


# --- validation: all or nothing -------------------------------------------------------------


def test_member_of_another_organisation_is_refused_and_nothing_applied(organisation, other_organisation, profiles, scim_user):
    stranger = UserFactory(organisation=other_organisation)
    team = services.team_create(organisation=organisation, name="Ops", profile=profiles["Editor"])
    with pytest.raises(services.MemberNotInOrganisation) as excinfo:
        services.team_members_add(team=team, user_ids=[scim_user.pk, stranger.pk])
    assert excinfo.value.user_ids == (stranger.pk,)
    assert isinstance(excinfo.value, ValueError)
    assert not TeamMembership.objects.exists()
    assert state(scim_user) == (None, None)

    with pytest.raises(services.MemberNotInOrganisation):
        services.team_members_set(team=team, user_ids=[scim_user.pk, stranger.pk])
    with pytest.raises(services.MemberNotInOrganisation):
        services.team_create(organisation=organisation, name="Other", member_ids=[stranger.pk])
    assert not TeamMembership.objects.exists()
    assert not Team.objects.filter(name="Other").exists()


def test_remove_refuses_another_organisations_user_and_removes_no_one(organisation, other_organisation, scim_user):
    stranger = UserFactory(organisation=other_organisation)
    team = services.team_create(organisation=organisation, name="Ops", member_ids=[scim_user.pk])
    with pytest.raises(services.MemberNotInOrganisation):
        services.team_members_remove(team=team, user_ids=[scim_user.pk, stranger.pk])
    assert team.members.count() == 1


def test_scim_deleted_user_cannot_be_added_but_can_be_removed(organisation, scim_user):
    team = services.team_create(organisation=organisation, name="Ops", member_ids=[scim_user.pk])
    gone = UserFactory(organisation=organisation, scim_managed=True, scim_deleted_at=timezone.now())
    with pytest.raises(services.MemberNotInOrganisation) as excinfo:
        services.team_members_add(team=team, user_ids=[gone.pk])
    assert excinfo.value.user_ids == (gone.pk,)
    TeamMembership.objects.create(team=team, user=gone)  # e.g. deleted after joining
    services.team_members_remove(team=team, user_ids=[gone.pk])
    assert list(team.members.all()) == [scim_user]


@pytest.mark.parametrize("bad", [10**9, "1", 1.0, None, True, -1, 2**64])
def test_ids_that_are_not_users_are_refused(organisation, scim_user, bad):
    team = services.team_create(organisation=organisation, name="Ops")
    with pytest.raises(services.MemberNotInOrganisation) as excinfo:
        services.team_members_add(team=team, user_ids=[scim_user.pk, bad])
    assert excinfo.value.user_ids == (bad,)
    assert not TeamMembership.objects.exists()


def test_profile_of_another_organisation_is_refused(organisation, other_organisation, profiles):
    foreign = other_organisation.profiles.get(name="Manager")
    team = services.team_create(organisation=organisation, name="Ops", profile=profiles["Viewer"])
    with pytest.raises(services.ProfileNotInOrganisation):
        services.team_set_profile(team=team, profile=foreign)
    with pytest.raises(ValueError):
        services.team_create(organisation=organisation, name="Other", profile=foreign)
    team.refresh_from_db()
    assert team.profile == profiles["Viewer"]


def test_names_are_unique_per_organisation_case_insensitively(organisation, other_organisation):
    services.team_create(organisation=organisation, name="Marketing")
    services.team_create(organisation=other_organisation, name="Marketing")
    with pytest.raises(services.TeamNameTaken):
        services.team_create(organisation=organisation, name="  MARKETING ")
    sales = services.team_create(organisation=organisation, name="Sales")
    with pytest.raises(services.TeamNameTaken):
        services.team_rename(team=sales, name="marketing")
    sales.refresh_from_db()
    assert sales.name == "Sales"
    assert services.team_rename(team=sales, name="SALES").name == "SALES"


@pytest.mark.parametrize("name", ["", "   ", "x" * 256, "bad\x00name", "tab\tname"])
def test_invalid_names_are_refused(organisation, name):
    with pytest.raises(services.InvalidTeamField) as excinfo:
        services.team_create(organisation=organisation, name=name)
    assert excinfo.value.field == "name"
    assert not Team.objects.exists()


def test_rank_must_be_a_small_integer(profiles):
    with pytest.raises(ValueError):
        services.profile_set_rank(profile=profiles["Viewer"], rank=70000)


# --- query budgets --------------------------------------------------------------------------
# Each budget counts every statement, SAVEPOINT/RELEASE included, and holds for any size.


def test_remapping_a_10000_member_team_takes_5_statements(organisation, profiles, django_assert_max_num_queries):
    users = bulk_users(organisation, 10_000, scim_managed=True)
    team = TeamFactory(organisation=organisation, name="Everyone", profile=profiles["Viewer"])
    bulk_memberships(team, users)
    # SAVEPOINT, lock organisation, UPDATE team, UPDATE users, RELEASE
    with django_assert_max_num_queries(5):
        services.team_set_profile(team=team, profile=profiles["Manager"])
    assert User.objects.filter(profile=profiles["Manager"], profile_team=team).count() == 10_000


def test_adding_1000_members_in_one_call_takes_6_statements(organisation, profiles, django_assert_max_num_queries):
    users = bulk_users(organisation, 1_000, scim_managed=True)
    team = TeamFactory(organisation=organisation, name="Everyone", profile=profiles["Editor"])
    bulk_memberships(team, users[:10])  # already members: ignored
    # SAVEPOINT, lock, validate ids, one INSERT, one UPDATE, RELEASE
    with django_assert_max_num_queries(6) as captured:
        services.team_members_add(team=team, user_ids=[u.pk for u in users])
    assert sum(q["sql"].lstrip().upper().startswith("INSERT") for q in captured.captured_queries) == 1
    assert team.members.count() == 1_000
    assert User.objects.filter(profile=profiles["Editor"], profile_team=team).count() == 1_000


def test_members_set_and_delete_of_a_big_team_are_bounded(organisation, profiles, django_assert_max_num_queries):
    users = bulk_users(organisation, 5_000, scim_managed=True)
    team = TeamFactory(organisation=organisation, name="Everyone", profile=profiles["Editor"])
    bulk_memberships(team, users[:4_000])
    # SAVEPOINT, lock, validate, SELECT leavers, DELETE, INSERT, UPDATE, RELEASE
    with django_assert_max_num_queries(8):
        services.team_members_set(team=team, user_ids=[u.pk for u in users[2_000:]])
    assert team.members.count() == 3_000
    assert User.objects.filter(profile_team=team).count() == 3_000
    # SAVEPOINT, lock, unmap, UPDATE users, then Django's delete: memberships,
    # users.profile_team SET NULL, the team; RELEASE
    with django_assert_max_num_queries(8):
        services.team_delete(team=team)
    assert User.objects.filter(profile__isnull=False).count() == 0
    assert User.objects.filter(organisation=organisation).count() == 5_000


def test_profiles_lock_lets_a_caller_write_users_then_recompute(organisation, profiles, scim_user):
    with transaction.atomic():
        services.profiles_lock(organisation=organisation)
        # What a SCIM write does under the lock: its SCIM user, then the hub's user row.
        SCIMUser.objects.filter(user=scim_user, organisation=organisation).update(managed=True)
        User.objects.filter(pk=scim_user.pk).update(given_name="Locked")
        organisation.default_scim_profile = profiles["Viewer"]
        organisation.save()
        assert services.profiles_recompute(organisation=organisation, user_ids=[scim_user.pk]) == 1
    assert state(scim_user) == ("Viewer", None)
