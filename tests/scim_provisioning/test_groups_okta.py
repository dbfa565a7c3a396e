"""Okta Group Push, as Okta sends it (scim-clients.md §3.5 b–h), through HTTP."""

from urllib.parse import quote

import pytest

from teams.models import Team
from tests import factories
from vxp_hub.models import User

from .group_helpers import GROUP, LIST_RESPONSE, assert_error, events, member, member_ids, patch_body, team_from, make_user


@pytest.fixture
def alice(organisation):
    return make_user(organisation, username="alice@acme.example")


@pytest.fixture
def bob(organisation):
    return make_user(organisation, username="bob@acme.example")


@pytest.fixture
def carol(organisation):
    return make_user(organisation, username="carol@acme.example")


def _lookup(scim, name):
    flt = quote(f'displayName eq "{name}"')
    return scim.get(f"Groups?filter={flt}&startIndex=1&count=100")


def test_group_push_sequence(scim, organisation, alice, bob, carol):
    # b) Okta looks the name up first (0 results), then creates the group, empty.
    response = _lookup(scim, "Test SCIMv2")
    assert response.status_code == 200
    body = response.json()
    assert body["schemas"] == [LIST_RESPONSE]
    assert (body["totalResults"], body["Resources"]) == (0, [])

    response = scim.post("Groups", {"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []},
                         content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    gid = created["id"]
    assert created["displayName"] == "Test SCIMv2"
    assert created["members"] == []
    assert created["schemas"] == [GROUP]
    assert created["meta"]["resourceType"] == "Group"
    assert response["Location"] == created["meta"]["location"] == f"http://testserver/scim/v2/Groups/{gid}"
    team = team_from(response)
    assert team.scim_managed

    # The lookup now finds it (Okta would refuse to push the name twice).
    assert _lookup(scim, "Test SCIMv2").json()["totalResults"] == 1

    # c) Membership: members without "type", with "display".
    response = scim.patch(f"Groups/{gid}", patch_body(
        {"op": "add", "path": "members", "value": [member(alice, display=alice.username), member(bob, display=bob.username)]},
    ))
    assert response.status_code == 204
    assert response.content == b""
    assert member_ids(team) == {str(alice.scim_link.scim_id), str(bob.scim_link.scim_id)}

    # One request: remove by filter, add another.
    response = scim.patch(f"Groups/{gid}", patch_body(
        {"op": "remove", "path": f'members[value eq "{alice.scim_link.scim_id}"]'},
        {"op": "add", "path": "members", "value": [member(carol, display=carol.username)]},
    ))
    assert response.status_code == 204
    assert member_ids(team) == {str(bob.scim_link.scim_id), str(carol.scim_link.scim_id)}

    # d) Rename, sent on every sync as a path-less replace carrying the id: members stay.
    for name in ("Test SCIMv2", "Test SCIMv2 (renamed)"):
        response = scim.patch(f"Groups/{gid}", patch_body({"op": "replace", "value": {"id": gid, "displayName": name}}))
        assert response.status_code == 204
        team.refresh_from_db()
        assert team.name == name
        assert member_ids(team) == {str(bob.scim_link.scim_id), str(carol.scim_link.scim_id)}

    # "Push now": full replace, then an empty group.
    response = scim.patch(f"Groups/{gid}", patch_body({"op": "replace", "path": "members", "value": [member(alice)]}))
    assert response.status_code == 204
    assert member_ids(team) == {str(alice.scim_link.scim_id)}
    response = scim.patch(f"Groups/{gid}", patch_body({"op": "replace", "path": "members", "value": []}))
    assert response.status_code == 204
    assert member_ids(team) == set()

    # f) Okta checks the group still exists.
    response = scim.get(f"Groups/{gid}")
    assert response.status_code == 200
    assert response.json()["displayName"] == "Test SCIMv2 (renamed)"
    assert response.json()["members"] == []

    # g) Unlink, deleting the group in the app: the team goes, its users stay.
    response = scim.delete(f"Groups/{gid}")
    assert response.status_code == 204
    assert response.content == b""
    assert_error(scim.get(f"Groups/{gid}"), 404)
    assert not Team.objects.filter(scim_id=gid).exists()
    assert User.objects.filter(pk__in=[alice.pk, bob.pk, carol.pk]).count() == 3

    assert [(e.action, e.outcome, e.status_code) for e in events(organisation)] == [
        ("group.create", "success", 201),
        *[("group.patch", "success", 204)] * 6,
        ("group.delete", "success", 204),
    ]


def test_okta_aiw_put_replaces_name_and_the_complete_member_set(scim, alice, bob, carol):
    gid = scim.post("Groups", {"schemas": [GROUP], "displayName": "AIW", "members": [member(alice)]}).json()["id"]
    team = Team.objects.get(scim_id=gid)

    response = scim.put(f"Groups/{gid}", {
        "schemas": [GROUP], "displayName": "AIW renamed",
        "members": [member(bob, display=bob.username), member(carol, display=carol.username)],
    })
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["displayName"] == "AIW renamed"
    assert {m["value"] for m in body["members"]} == {str(bob.scim_link.scim_id), str(carol.scim_link.scim_id)}
    assert all(m["type"] == "User" for m in body["members"])
    assert member_ids(team) == {str(bob.scim_link.scim_id), str(carol.scim_link.scim_id)}

    # members: [] is the complete (empty) set.
    response = scim.put(f"Groups/{gid}", {"schemas": [GROUP], "displayName": "AIW renamed", "members": []})
    assert response.status_code == 200
    assert response.json()["members"] == []
    assert member_ids(team) == set()


def test_okta_links_a_hand_made_team_found_by_display_name(scim, organisation, alice, bob):
    team = factories.TeamFactory(organisation=organisation, name="Marketing")
    factories.TeamMembershipFactory(team=team, user=alice)

    # Import / lookup (case-insensitive) finds the hand-made team; reading does not link it.
    response = _lookup(scim, "marketing")
    assert response.json()["totalResults"] == 1
    found = response.json()["Resources"][0]
    assert found["id"] == str(team.scim_id)
    assert found["members"][0]["value"] == str(alice.scim_link.scim_id)
    team.refresh_from_db()
    assert not team.scim_managed

    # Creating it instead would clash with the hand-made name.
    assert_error(scim.post("Groups", {"schemas": [GROUP], "displayName": "MARKETING", "members": []}), 409, "uniqueness")

    # Linked: Okta's first PATCH (its usual rename + membership push) makes it SCIM-managed.
    response = scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "replace", "value": {"id": str(team.scim_id), "displayName": "Marketing"}},
        {"op": "add", "path": "members", "value": [member(bob)]},
    ))
    assert response.status_code == 204
    team.refresh_from_db()
    assert team.scim_managed
    assert team.name == "Marketing"
    assert member_ids(team) == {str(alice.scim_link.scim_id), str(bob.scim_link.scim_id)}


def test_okta_import_pages_groups_with_their_members(scim, organisation, alice, bob):
    teams = [factories.TeamFactory(organisation=organisation, name=f"Team {i:02}") for i in range(3)]
    for team in teams:
        factories.TeamMembershipFactory(team=team, user=alice)
    factories.TeamMembershipFactory(team=teams[1], user=bob)

    first = scim.get("Groups?startIndex=1&count=2").json()
    second = scim.get("Groups?startIndex=3&count=2").json()
    assert first["totalResults"] == second["totalResults"] == 3
    assert (first["itemsPerPage"], second["itemsPerPage"]) == (2, 1)
    listed = first["Resources"] + second["Resources"]
    assert [g["id"] for g in listed] == [str(t.scim_id) for t in teams]
    assert [len(g["members"]) for g in listed] == [1, 2, 1]
