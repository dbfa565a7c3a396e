"""One person, two tenants: each tenant's SCIM user of the same host user is its own, and no
filter or read of one tenant reaches the other's (a membership host's shape; the hub's users
belong to one organisation, so the second link is made directly here)."""

import pytest

from scim_provisioning.users import user_link
from teams.models import TeamMembership
from tests.factories import TeamFactory, UserFactory


@pytest.fixture
def shared(organisation, other_organisation):
    """A user linked in both tenants, in a group of each."""
    person = UserFactory(organisation=organisation, username="pat@example.com")
    theirs = user_link(organisation=other_organisation, user=person, user_name="pat@other.example",
                       managed=True, emails=[{"value": "pat@other.example", "primary": True}])
    ours_team = TeamFactory(organisation=organisation, name="Ours", scim_managed=True)
    their_team = TeamFactory(organisation=other_organisation, name="Theirs", scim_managed=True)
    TeamMembership.objects.create(team=ours_team, user=person)
    TeamMembership.objects.create(team=their_team, user=person)
    return person, theirs, ours_team, their_team


def test_each_tenant_reads_only_its_own_scim_user_and_groups(scim, other_scim, shared):
    person, theirs, ours_team, their_team = shared
    ours = scim.get(f"Users/{person.scim_link.scim_id}").json()
    assert ours["userName"] == "pat@example.com"
    assert [g["value"] for g in ours["groups"]] == [str(ours_team.scim_id)]
    assert scim.get(f"Users/{theirs.scim_id}").status_code == 404

    other = other_scim.get(f"Users/{theirs.scim_id}").json()
    assert other["userName"] == "pat@other.example" and other["emails"][0]["value"] == "pat@other.example"
    assert [g["value"] for g in other["groups"]] == [str(their_team.scim_id)]
    group = other_scim.get(f"Groups/{their_team.scim_id}").json()
    assert [(m["value"], m["display"]) for m in group["members"]] == [(str(theirs.scim_id), "pat@other.example")]


@pytest.mark.parametrize("filter_", [
    'groups.value eq "{their_team}"',
    'groups eq "{their_team}"',
])
def test_a_users_filter_does_not_reach_another_tenants_groups(scim, shared, filter_):
    _, _, _, their_team = shared
    body = scim.get("Users", {"filter": filter_.format(their_team=their_team.scim_id)}).json()
    assert body["totalResults"] == 0


@pytest.mark.parametrize("filter_", ['members.value eq "{theirs}"', 'members.display eq "pat@other.example"'])
def test_a_groups_filter_does_not_reach_another_tenants_scim_users(scim, shared, filter_):
    _, theirs, _, _ = shared
    body = scim.get("Groups", {"filter": filter_.format(theirs=theirs.scim_id)}).json()
    assert body["totalResults"] == 0


def test_ne_is_not_widened_by_another_tenants_rows(scim, shared):
    person, theirs, ours_team, _ = shared
    body = scim.get("Groups", {"filter": f'members.value ne "{person.scim_link.scim_id}"'}).json()
    assert str(ours_team.scim_id) not in [g["id"] for g in body["Resources"]]
