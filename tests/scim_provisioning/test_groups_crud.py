"""POST, PUT, GET and DELETE /Groups, and the activity log of group writes."""

import uuid

import pytest

from scim_provisioning.models import SCIMEvent
from teams.models import Team, TeamMembership
from tests import factories
from vxp_hub.models import User

from .group_helpers import (
    ENTRA_GROUP, GROUP, assert_error, events, make_user, member, member_ids, patch_body, snapshot, team_from,
)


@pytest.fixture
def users(organisation):
    return [make_user(organisation, username=f"c{i}@acme.example") for i in range(3)]


# --- POST -----------------------------------------------------------------------------------


def test_post_honours_members_and_external_id(scim, users):
    response = scim.post("Groups", {
        "schemas": [GROUP, ENTRA_GROUP], "displayName": "Finance", "externalId": "okta-00g1",
        "members": [member(users[0], type="User", **{"$ref": None}), member(users[1], display="x"), member(users[1])],
        "id": "ignored", "meta": {"resourceType": "Group"},
    })
    assert response.status_code == 201, response.content
    body = response.json()
    team = team_from(response)
    assert body["id"] != "ignored"
    assert (team.name, team.external_id, team.scim_managed) == ("Finance", "okta-00g1", True)
    assert member_ids(team) == {str(users[0].scim_link.scim_id), str(users[1].scim_link.scim_id)}
    assert sorted(body["members"], key=lambda m: m["display"]) == sorted([
        {"value": str(u.scim_link.scim_id), "display": u.username, "$ref": f"http://testserver/scim/v2/Users/{u.scim_link.scim_id}", "type": "User"}
        for u in users[:2]
    ], key=lambda m: m["display"])
    assert scim.get(f"Groups/{body['id']}").json() == body


def test_post_without_members(scim):
    response = scim.post("Groups", {"displayName": "Solo"})
    assert response.status_code == 201
    assert response.json()["members"] == []
    assert "externalId" not in response.json()


LONG = "x" * 256


@pytest.mark.parametrize("body", [
    {},
    {"displayName": ""},
    {"displayName": "   "},
    {"displayName": None},
    {"displayName": 5},
    {"displayName": ["Team"]},
    {"displayName": LONG},
    {"displayName": "bad\u0085name"},
    {"displayName": "Team", "externalId": 5},
    {"displayName": "Team", "externalId": LONG},
    {"displayName": "Team", "members": "all"},
    {"displayName": "Team", "members": [{"value": str(uuid.uuid4())}]},
    {"displayName": "Team", "members": [{"value": "not-an-id"}]},
    {"displayName": "Team", "members": [{"value": "x", "type": "Group"}]},
])
def test_post_refuses_invalid_input_and_creates_nothing(scim, organisation, body):
    assert_error(scim.post("Groups", body), 400, "invalidValue")
    assert not Team.objects.filter(organisation=organisation).exists()


def test_post_refuses_another_organisations_user_like_an_unknown_one(scim, organisation, other_organisation):
    foreign = make_user(other_organisation)
    unknown = uuid.uuid4()
    details = set()
    for value in (foreign.scim_link.scim_id, unknown):
        body = assert_error(scim.post("Groups", {"displayName": "Team", "members": [{"value": str(value)}]}), 400, "invalidValue")
        details.add(body["detail"].replace(str(value), "<id>"))
    assert len(details) == 1
    assert not Team.objects.filter(organisation=organisation).exists()


@pytest.mark.parametrize("raw", [b"", b"null", b"[1]", b"{", b"\xff"])
def test_post_refuses_malformed_bodies(scim, organisation, raw):
    assert_error(scim.post("Groups", raw), 400)
    assert not Team.objects.filter(organisation=organisation).exists()


def test_post_duplicate_display_name_is_a_conflict(scim, organisation, other_scim):
    factories.TeamFactory(organisation=organisation, name="Support")  # made by hand
    body = assert_error(scim.post("Groups", {"displayName": "SUPPORT", "members": []}), 409, "uniqueness")
    assert body["detail"] == "A group with this displayName already exists in the organisation."
    assert Team.objects.filter(organisation=organisation).count() == 1
    # Names are unique per organisation only.
    assert other_scim.post("Groups", {"displayName": "Support"}).status_code == 201


# --- PUT ------------------------------------------------------------------------------------


@pytest.fixture
def team(organisation, users):
    team = factories.TeamFactory(organisation=organisation, name="Data", external_id="ext-1", scim_managed=True)
    factories.TeamMembershipFactory(team=team, user=users[0])
    return team


def test_put_without_members_keeps_them(scim, team, users):
    """Decision: an omitted (or null) members attribute is not asserted by the client."""
    for body in ({"displayName": "Data 2"}, {"displayName": "Data 3", "members": None}):
        response = scim.put(f"Groups/{team.scim_id}", {"schemas": [GROUP], **body})
        assert response.status_code == 200
        assert [m["value"] for m in response.json()["members"]] == [str(users[0].scim_link.scim_id)]
    team.refresh_from_db()
    assert (team.name, team.external_id) == ("Data 3", "ext-1")


def test_put_sets_external_id_and_accepts_its_own_id(scim, team, users):
    response = scim.put(f"Groups/{team.scim_id}", {
        "schemas": [GROUP], "id": str(team.scim_id), "displayName": "Data", "externalId": "ext-2",
        "members": [member(users[1]), member(users[2])], "meta": {"resourceType": "Group"},
    })
    assert response.status_code == 200
    assert response.json()["externalId"] == "ext-2"
    assert member_ids(team) == {str(users[1].scim_link.scim_id), str(users[2].scim_link.scim_id)}


def test_put_makes_a_hand_made_team_scim_managed(scim, organisation, users):
    team = factories.TeamFactory(organisation=organisation, name="Legal")
    assert scim.put(f"Groups/{team.scim_id}", {"displayName": "Legal", "members": []}).status_code == 200
    team.refresh_from_db()
    assert team.scim_managed


@pytest.mark.parametrize("body, status, scim_type", [
    ({"members": []}, 400, "invalidValue"),
    ({"displayName": "", "members": []}, 400, "invalidValue"),
    ({"displayName": LONG, "members": []}, 400, "invalidValue"),
    ({"displayName": "Data 2", "id": str(uuid.uuid4())}, 400, "mutability"),
    ({"displayName": "Data 2", "id": 7}, 400, "mutability"),
    ({"displayName": "Data 2", "members": "nope"}, 400, "invalidValue"),
    ({"displayName": "Data 2", "members": [{"value": str(uuid.uuid4())}]}, 400, "invalidValue"),
    ({"displayName": "Data 2", "externalId": ["x"]}, 400, "invalidValue"),
])
def test_put_refusals_change_nothing(scim, team, body, status, scim_type):
    before = snapshot(team)
    assert_error(scim.put(f"Groups/{team.scim_id}", {"schemas": [GROUP], **body}), status, scim_type)
    assert snapshot(team) == before


def test_put_rename_to_a_taken_name_is_a_conflict(scim, organisation, team, users):
    factories.TeamFactory(organisation=organisation, name="Research")
    before = snapshot(team)
    assert_error(scim.put(f"Groups/{team.scim_id}", {"displayName": "research", "members": [member(users[2])]}),
                 409, "uniqueness")
    assert snapshot(team) == before


# --- GET / DELETE ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["Groups/{missing}", "Groups/00919288221112222", "Groups/010101001010101011001010101011"])
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_unknown_ids_are_scim_404s(scim, method, path):
    path = path.format(missing=uuid.uuid4())
    if method in ("put", "patch"):
        response = getattr(scim, method)(path, patch_body() if method == "patch" else {"displayName": "X"})
    else:
        response = getattr(scim, method)(path)
    assert_error(response, 404)


def test_delete_removes_the_team_never_its_users(scim, organisation, profiles, users):
    team = factories.TeamFactory(organisation=organisation, name="Mapped", scim_managed=True, profile=profiles["Editor"])
    scim_user = make_user(organisation, scim_managed=True)
    assert scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "add", "path": "members", "value": [member(users[0]), member(scim_user)]},
    )).status_code == 204
    scim_user.refresh_from_db()
    assert scim_user.profile_id == profiles["Editor"].pk

    response = scim.delete(f"Groups/{team.scim_id}")
    assert response.status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()
    assert not TeamMembership.objects.filter(team_id=team.pk).exists()
    assert User.objects.filter(pk__in=[users[0].pk, scim_user.pk]).count() == 2
    scim_user.refresh_from_db()
    assert (scim_user.profile_id, scim_user.profile_team_id) == (None, None)  # recomputed without the team
    assert_error(scim.delete(f"Groups/{team.scim_id}"), 404)


def test_delete_of_a_hand_made_team(scim, organisation, users):
    """Okta's "unlink and delete" also applies to a linked team that SCIM never changed."""
    team = factories.TeamFactory(organisation=organisation, name="Manual")
    factories.TeamMembershipFactory(team=team, user=users[0])
    assert scim.delete(f"Groups/{team.scim_id}").status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()
    assert User.objects.filter(pk=users[0].pk).exists()


# --- activity log ---------------------------------------------------------------------------


def test_group_writes_are_logged_with_their_outcome(scim, organisation, users, scim_token):
    gid = scim.post("Groups", {"displayName": "Logged", "members": [member(users[0])]}).json()["id"]
    scim.put(f"Groups/{gid}", {"displayName": "Logged", "members": []})
    scim.patch(f"Groups/{gid}", patch_body({"op": "replace", "path": "displayName", "value": "Logged 2"}))
    bad_member = str(uuid.uuid4())
    scim.patch(f"Groups/{gid}", patch_body({"op": "add", "path": "members", "value": [{"value": bad_member}]}))
    scim.post("Groups", {"displayName": "logged 2"})
    missing = uuid.uuid4()
    scim.delete(f"Groups/{missing}")
    scim.delete(f"Groups/{gid}")
    scim.get(f"Groups/{gid}")  # reads are not logged

    rows = [(e.action, e.outcome, e.status_code, e.resource_type, e.resource_id, e.resource_display)
            for e in events(organisation)]
    assert rows == [
        ("group.create", "success", 201, "Group", gid, "Logged"),
        ("group.replace", "success", 200, "Group", gid, "Logged"),
        ("group.patch", "success", 204, "Group", gid, "Logged 2"),
        ("group.patch", "failure", 400, "Group", gid, ""),
        ("group.create", "failure", 409, "Group", "", "logged 2"),
        ("group.delete", "failure", 404, "Group", str(missing), ""),
        ("group.delete", "success", 204, "Group", gid, "Logged 2"),
    ]
    failed = events(organisation)[3]
    assert failed.detail == f"Member '{bad_member}' is not a user of this organisation; no change was made."
    token = organisation.scim_tokens.get(revoked_at__isnull=True)
    assert all(e.token_id == token.pk and e.token_hint == token.hint for e in events(organisation))
    assert not SCIMEvent.objects.filter(organisation=organisation, detail__contains=scim_token).exists()


def test_a_user_deleted_through_scim_is_not_listed_as_a_member(scim, organisation):
    from tests.factories import TeamFactory, UserFactory

    team = TeamFactory(organisation=organisation, name="Readers")
    kept, deleted = UserFactory(organisation=organisation), UserFactory(organisation=organisation)
    team.members.add(kept, deleted)
    assert scim.delete(f"Users/{deleted.scim_link.scim_id}").status_code == 204
    members = scim.get(f"Groups/{team.scim_id}").json()["members"]
    assert [m["value"] for m in members] == [str(kept.scim_link.scim_id)]
    listed = scim.get("Groups", {"filter": 'displayName eq "Readers"'}).json()["Resources"][0]["members"]
    assert [m["value"] for m in listed] == [str(kept.scim_link.scim_id)]
    assert team.members.filter(pk=deleted.pk).exists()  # kept: a POST of its userName brings it back
