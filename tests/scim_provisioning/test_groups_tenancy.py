"""Another organisation's groups answer exactly like groups that do not exist (SPEC §2)."""

import uuid
from urllib.parse import quote

import pytest

from teams.models import Team
from tests import factories

from .group_helpers import GROUP, assert_error, events, make_user, member, member_ids, patch_body, snapshot

SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture
def a_user(organisation):
    return make_user(organisation, username="shared@example.com")


@pytest.fixture
def a_group(organisation, a_user):
    """Organisation A's SCIM group, with a member and an externalId."""
    team = factories.TeamFactory(organisation=organisation, name="Secret Project", external_id="a-ext-1", scim_managed=True)
    factories.TeamMembershipFactory(team=team, user=a_user)
    return team


@pytest.fixture
def b_user(other_organisation):
    return make_user(other_organisation, username="shared@example.com")


def _normalised(response, *ids) -> tuple:
    """Status and body with the requested id masked, for comparing two answers."""
    text = response.content.decode()
    for value in ids:
        text = text.replace(str(value), "<id>")
    return response.status_code, response["Content-Type"], text


REQUESTS = {
    "get": lambda c, gid, user: c.get(f"Groups/{gid}"),
    "get-excluded": lambda c, gid, user: c.get(f"Groups/{gid}?excludedAttributes=members"),
    "put": lambda c, gid, user: c.put(f"Groups/{gid}", {"schemas": [GROUP], "displayName": "Taken over",
                                                       "members": [member(user)]}),
    "patch-add": lambda c, gid, user: c.patch(f"Groups/{gid}", patch_body(
        {"op": "add", "path": "members", "value": [member(user)]})),
    "patch-rename": lambda c, gid, user: c.patch(f"Groups/{gid}", patch_body(
        {"op": "replace", "value": {"id": str(gid), "displayName": "Taken over"}})),
    "patch-remove": lambda c, gid, user: c.patch(f"Groups/{gid}", patch_body({"op": "remove", "path": "members"})),
    "patch-empty": lambda c, gid, user: c.patch(f"Groups/{gid}?attributes=members", patch_body()),
    "delete": lambda c, gid, user: c.delete(f"Groups/{gid}"),
    "post-on-id": lambda c, gid, user: c.post(f"Groups/{gid}", {"displayName": "x"}),
}


@pytest.mark.parametrize("request_name", list(REQUESTS))
def test_every_method_on_another_organisations_group_answers_like_a_missing_one(
    other_scim, organisation, a_group, b_user, request_name
):
    send = REQUESTS[request_name]
    before = snapshot(a_group)
    missing = uuid.uuid4()
    foreign = send(other_scim, a_group.scim_id, b_user)
    unknown = send(other_scim, missing, b_user)
    assert foreign.status_code in (404, 405)
    assert _normalised(foreign, a_group.scim_id) == _normalised(unknown, missing)
    assert snapshot(a_group) == before
    assert events(organisation) == []  # A's activity log never shows B's attempts


def _filters(a_group, a_user):
    return {
        "displayName": f'displayName eq "{a_group.name}"',
        "id": f'id eq "{a_group.scim_id}"',
        "members.value": f'members.value eq "{a_user.scim_link.scim_id}"',
        "externalId": f'externalId eq "{a_group.external_id}"',
        "combined": f'displayName eq "{a_group.name}" and members.value eq "{a_user.scim_link.scim_id}"',
    }


@pytest.mark.parametrize("attribute", ["displayName", "id", "members.value", "externalId", "combined"])
def test_filters_and_search_never_find_another_organisations_group(scim, other_scim, a_group, a_user, attribute):
    flt = _filters(a_group, a_user)[attribute]
    # Organisation A finds it, so the filter itself is right.
    assert scim.get(f"Groups?filter={quote(flt)}").json()["totalResults"] == 1

    nowhere = {
        "displayName": 'displayName eq "No such group"',
        "id": f'id eq "{uuid.uuid4()}"',
        "members.value": f'members.value eq "{uuid.uuid4()}"',
        "externalId": 'externalId eq "no-such-ext"',
        "combined": 'displayName eq "No such group"',
    }[attribute]
    for query in ("", "&excludedAttributes=members"):
        foreign = other_scim.get(f"Groups?filter={quote(flt)}{query}")
        unknown = other_scim.get(f"Groups?filter={quote(nowhere)}{query}")
        assert foreign.status_code == 200
        assert foreign.json() == unknown.json() == {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": [],
        }
    foreign = other_scim.post("Groups/.search", {"schemas": [SEARCH_REQUEST], "filter": flt})
    unknown = other_scim.post("Groups/.search", {"schemas": [SEARCH_REQUEST], "filter": nowhere})
    assert foreign.status_code == 200
    assert foreign.json() == unknown.json()
    assert foreign.json()["totalResults"] == 0


def test_lists_show_only_the_organisations_own_groups(scim, other_scim, a_group, other_organisation):
    b_group = factories.TeamFactory(organisation=other_organisation, name="Secret Project")
    assert [g["id"] for g in other_scim.get("Groups").json()["Resources"]] == [str(b_group.scim_id)]
    assert [g["id"] for g in scim.get("Groups").json()["Resources"]] == [str(a_group.scim_id)]


def test_another_organisations_user_cannot_join_like_an_unknown_user(scim, other_scim, a_group, a_user, b_user):
    before = snapshot(a_group)
    missing = uuid.uuid4()
    foreign = scim.patch(f"Groups/{a_group.scim_id}", patch_body({"op": "add", "path": "members", "value": [member(b_user)]}))
    unknown = scim.patch(f"Groups/{a_group.scim_id}", patch_body({"op": "add", "path": "members", "value": [{"value": str(missing)}]}))
    assert_error(foreign, 400, "invalidValue")
    assert _normalised(foreign, b_user.scim_link.scim_id) == _normalised(unknown, missing)
    assert snapshot(a_group) == before

    # And B cannot put A's user into its own group.
    b_gid = other_scim.post("Groups", {"displayName": "B team"}).json()["id"]
    foreign = other_scim.patch(f"Groups/{b_gid}", patch_body({"op": "add", "path": "members", "value": [member(a_user)]}))
    assert_error(foreign, 400, "invalidValue")
    assert member_ids(Team.objects.get(scim_id=b_gid)) == set()


def test_same_display_name_in_two_organisations(scim, other_scim, a_group):
    response = other_scim.post("Groups", {"displayName": a_group.name, "members": []})
    assert response.status_code == 201
    assert response.json()["id"] != str(a_group.scim_id)
    assert Team.objects.filter(name=a_group.name).count() == 2
