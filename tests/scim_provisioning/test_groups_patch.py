"""PATCH /Groups/{id}: member semantics, renames, the response, and refusals that change
nothing (RFC 7644 §3.5.2; scim-clients.md §7 items 10–14)."""

import uuid

import pytest
from django.utils import timezone

from scim_provisioning.models import SCIMUser
from tests import factories
from vxp_hub.models import Role, User

from .group_helpers import GROUP, assert_error, member, member_ids, patch_body, snapshot, make_user


@pytest.fixture
def users(organisation):
    return [make_user(organisation, username=f"p{i}@acme.example") for i in range(4)]


@pytest.fixture
def team(organisation, users):
    """A SCIM team with users[0] and users[1]."""
    team = factories.TeamFactory(organisation=organisation, name="Platform", scim_managed=True)
    for user in users[:2]:
        factories.TeamMembershipFactory(team=team, user=user)
    return team


def _ids(*users) -> set[str]:
    return {str(u.scim_link.scim_id) for u in users}


def test_add_merges_and_deduplicates(scim, team, users):
    response = scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "add", "path": "members", "value": [member(users[1]), member(users[2]), member(users[2])]},
        {"op": "add", "path": "members", "value": [member(users[2])]},
    ))
    assert response.status_code == 204
    assert member_ids(team) == _ids(*users[:3])


def test_add_accepts_a_single_member_object(scim, team, users):
    response = scim.patch(f"Groups/{team.scim_id}", patch_body({"op": "add", "path": "members", "value": member(users[3])}))
    assert response.status_code == 204
    assert member_ids(team) == _ids(users[0], users[1], users[3])


def test_remove_by_value_list_removes_only_those(scim, team, users):
    response = scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "remove", "path": "members", "value": [member(users[0]), member(users[2])]},  # users[2]: not a member
    ))
    assert response.status_code == 204
    assert member_ids(team) == _ids(users[1])


def test_remove_by_filter_with_or_removes_each(scim, team, users):
    path = f'members[value eq "{users[0].scim_link.scim_id}" or value eq "{users[1].scim_link.scim_id}"]'
    assert scim.patch(f"Groups/{team.scim_id}", patch_body({"op": "remove", "path": path})).status_code == 204
    assert member_ids(team) == set()


def test_remove_members_without_value_empties_the_group(scim, team):
    assert scim.patch(f"Groups/{team.scim_id}", patch_body({"op": "remove", "path": "members"})).status_code == 204
    assert member_ids(team) == set()


@pytest.mark.parametrize("value", [[], None])
def test_replace_members_with_nothing_empties_the_group(scim, team, value):
    response = scim.patch(f"Groups/{team.scim_id}", patch_body({"op": "replace", "path": "members", "value": value}))
    assert response.status_code == 204
    assert member_ids(team) == set()


def test_operations_apply_in_order(scim, team, users):
    response = scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "replace", "path": "members", "value": [member(users[2])]},
        {"op": "add", "path": "members", "value": [member(users[3])]},
        {"op": "remove", "path": f'members[value eq "{users[2].scim_link.scim_id}"]'},
        {"op": "add", "path": "members", "value": [member(users[0])]},
        {"op": "remove", "path": "members", "value": [member(users[0])]},
    ))
    assert response.status_code == 204
    assert member_ids(team) == _ids(users[3])


def test_pathless_replace_without_members_leaves_members(scim, team, users):
    response = scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "replace", "value": {"displayName": "Platform team", "externalId": "okta-1",
                                    "schemas": [GROUP], "meta": {"resourceType": "Group"}}},
    ))
    assert response.status_code == 204
    team.refresh_from_db()
    assert (team.name, team.external_id) == ("Platform team", "okta-1")
    assert member_ids(team) == _ids(*users[:2])


def test_pathless_add_and_replace_of_members(scim, team, users):
    assert scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "add", "value": {"members": [member(users[2])]}},
    )).status_code == 204
    assert member_ids(team) == _ids(*users[:3])
    assert scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "replace", "value": {"members": [member(users[3])]}},
    )).status_code == 204
    assert member_ids(team) == _ids(users[3])


def test_external_id_replace_and_remove(scim, team):
    assert scim.patch(f"Groups/{team.scim_id}", patch_body({"op": "replace", "path": "externalId", "value": "ext-9"})).status_code == 204
    team.refresh_from_db()
    assert team.external_id == "ext-9"
    assert scim.patch(f"Groups/{team.scim_id}", patch_body({"op": "remove", "path": "externalId"})).status_code == 204
    team.refresh_from_db()
    assert team.external_id == ""


def test_add_display_name_is_a_rename(scim, team):
    assert scim.patch(f"Groups/{team.scim_id}", patch_body({"op": "Add", "path": "displayName", "value": "Core"})).status_code == 204
    team.refresh_from_db()
    assert team.name == "Core"


def test_case_only_rename_of_the_same_group(scim, team):
    assert scim.patch(f"Groups/{team.scim_id}", patch_body({"op": "replace", "path": "displayName", "value": "PLATFORM"})).status_code == 204
    team.refresh_from_db()
    assert team.name == "PLATFORM"


def test_a_change_bumps_last_modified(scim, team, users):
    before = scim.get(f"Groups/{team.scim_id}").json()["meta"]["lastModified"]
    scim.patch(f"Groups/{team.scim_id}", patch_body({"op": "add", "path": "members", "value": [member(users[2])]}))
    assert scim.get(f"Groups/{team.scim_id}").json()["meta"]["lastModified"] > before


# --- the response ---------------------------------------------------------------------------


def test_patch_answers_204_without_a_body(scim, team, users):
    response = scim.patch(f"Groups/{team.scim_id}", patch_body({"op": "add", "path": "members", "value": [member(users[2])]}))
    assert response.status_code == 204
    assert response.content == b""


def test_patch_answers_200_with_the_attributes_asked_for(scim, team, users):
    response = scim.patch(f"Groups/{team.scim_id}?attributes=displayName", patch_body(
        {"op": "replace", "path": "displayName", "value": "Renamed"},
        {"op": "add", "path": "members", "value": [member(users[2])]},
    ))
    assert response.status_code == 200
    body = response.json()
    assert body["displayName"] == "Renamed"
    assert body["id"] == str(team.scim_id)
    assert "members" not in body

    response = scim.patch(f"Groups/{team.scim_id}?attributes=members", patch_body(
        {"op": "remove", "path": f'members[value eq "{users[0].scim_link.scim_id}"]'},
    ))
    assert response.status_code == 200
    assert {m["value"] for m in response.json()["members"]} == _ids(users[1], users[2])

    response = scim.patch(f"Groups/{team.scim_id}?excludedAttributes=members", patch_body())
    assert response.status_code == 200
    assert "members" not in response.json()
    assert response.json()["displayName"] == "Renamed"


# --- member values that are not users of this organisation ---------------------------------


def _not_a_user(kind, other_organisation):
    if kind == "unknown":
        return str(uuid.uuid4())
    if kind == "malformed":
        return "00919288221112222"
    if kind == "other organisation":
        return str(make_user(other_organisation).scim_link.scim_id)
    raise AssertionError(kind)


KINDS = ["unknown", "malformed", "other organisation"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("operations", [
    lambda bad, good: [{"op": "add", "path": "members", "value": [{"value": bad}]}],
    lambda bad, good: [{"op": "add", "path": "members", "value": [member(good), {"value": bad}]}],
    lambda bad, good: [{"op": "add", "path": "members", "value": [member(good)]},
                       {"op": "replace", "path": "displayName", "value": "Renamed"},
                       {"op": "remove", "path": f'members[value eq "{bad}"]'}],
    lambda bad, good: [{"op": "replace", "path": "members", "value": [member(good), {"value": bad}]}],
    lambda bad, good: [{"op": "remove", "path": "members", "value": [{"value": bad}]}],
    lambda bad, good: [{"op": "add", "path": "members", "value": [{"value": bad}]},
                       {"op": "remove", "path": f'members[value eq "{bad}"]'}],
], ids=["add", "add-with-valid", "valid-ops-then-filter-remove", "replace", "remove-list", "add-then-remove"])
def test_a_member_that_is_not_a_user_of_the_organisation_changes_nothing(
    scim, organisation, other_organisation, team, users, kind, operations
):
    bad = _not_a_user(kind, other_organisation)
    before = snapshot(team)
    response = scim.patch(f"Groups/{team.scim_id}", patch_body(*operations(bad, users[3])))
    body = assert_error(response, 400, "invalidValue")
    # The same answer whatever the reason: nothing tells another organisation's ids apart.
    assert body["detail"] == f"Member '{bad}' is not a user of this organisation; no change was made."
    assert snapshot(team) == before


def test_non_string_member_value_is_invalid(scim, team):
    before = snapshot(team)
    assert_error(scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "add", "path": "members", "value": [{"value": 42}]},
    )), 400, "invalidValue")
    assert snapshot(team) == before


def test_a_user_deleted_through_scim_can_leave_but_not_join(scim, organisation, team, users):
    SCIMUser.objects.filter(user__in=[users[1], users[2]], organisation=organisation).update(deleted_at=timezone.now())
    before = snapshot(team)
    assert_error(scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "add", "path": "members", "value": [member(users[2])]},
    )), 400, "invalidValue")
    assert snapshot(team) == before
    assert scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "remove", "path": f'members[value eq "{users[1].scim_link.scim_id}"]'},
    )).status_code == 204
    assert member_ids(team) == _ids(users[0])


def test_too_many_member_values_in_one_request(scim, team):
    from scim_provisioning.adapters.groups import GroupAdapter

    before = snapshot(team)
    values = [{"value": str(uuid.uuid4())} for _ in range(GroupAdapter.max_member_values + 1)]
    assert_error(scim.patch(f"Groups/{team.scim_id}", patch_body({"op": "add", "path": "members", "value": values})),
                 400, "tooMany")
    assert snapshot(team) == before


# --- other refusals -------------------------------------------------------------------------


def test_pathless_replace_with_another_id_is_a_mutability_error(scim, team, users):
    before = snapshot(team)
    response = scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "add", "path": "members", "value": [member(users[2])]},
        {"op": "replace", "value": {"id": str(uuid.uuid4()), "displayName": "Hijack"}},
    ))
    assert_error(response, 400, "mutability")
    assert snapshot(team) == before


def test_rename_to_another_groups_name_is_a_conflict(scim, organisation, team, users):
    factories.TeamFactory(organisation=organisation, name="Design")
    before = snapshot(team)
    response = scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "add", "path": "members", "value": [member(users[2])]},
        {"op": "replace", "path": "displayName", "value": "DESIGN"},
    ))
    assert_error(response, 409, "uniqueness")
    assert snapshot(team) == before


LONG = "x" * 256


@pytest.mark.parametrize("operations, status, scim_type", [
    ([{"op": "bogus", "path": "members", "value": []}], 400, "invalidSyntax"),
    ([{"path": "members", "value": []}], 400, "invalidSyntax"),
    ([{"op": 7, "path": "members", "value": []}], 400, "invalidSyntax"),
    ([{"op": "add", "path": ["members"], "value": []}], 400, "invalidPath"),
    ([{"op": "remove"}], 400, "noTarget"),
    ([{"op": "replace", "path": "title", "value": "x"}], 400, "invalidPath"),
    ([{"op": "replace", "path": "members.value", "value": "x"}], 400, "invalidPath"),
    ([{"op": "remove", "path": 'members[display eq "x"]'}], 400, "invalidPath"),
    ([{"op": "remove", "path": 'members[value ne "x"]'}], 400, "invalidPath"),
    ([{"op": "remove", "path": 'members[value eq "x" and value eq "y"]'}], 400, "invalidPath"),
    ([{"op": "remove", "path": 'members[not (value eq "x")]'}], 400, "invalidPath"),
    ([{"op": "remove", "path": 'members[value eq "x"].display'}], 400, "invalidPath"),
    ([{"op": "add", "path": 'members[value eq "x"]', "value": []}], 400, "invalidPath"),
    ([{"op": "remove", "path": 'displayName eq "x" or members'}], 400, "invalidPath"),
    ([{"op": "remove", "path": "members[value eq"}], 400, "invalidPath"),
    ([{"op": "remove", "path": "]]]"}], 400, "invalidPath"),
    ([{"op": "replace", "path": "urn:example:other:2.0:Group:displayName", "value": "x"}], 400, "invalidPath"),
    ([{"op": "replace", "value": {"unknownThing": 1}}], 400, "invalidPath"),
    ([{"op": "replace", "value": {"": 1}}], 400, "invalidPath"),
    ([{"op": "replace", "value": "Renamed"}], 400, "invalidValue"),
    ([{"op": "replace", "value": ["Renamed"]}], 400, "invalidValue"),
    ([{"op": "replace", "path": "displayName", "value": ""}], 400, "invalidValue"),
    ([{"op": "replace", "path": "displayName", "value": "   "}], 400, "invalidValue"),
    ([{"op": "replace", "path": "displayName", "value": None}], 400, "invalidValue"),
    ([{"op": "replace", "path": "displayName", "value": 12}], 400, "invalidValue"),
    ([{"op": "replace", "path": "displayName", "value": {"value": "x"}}], 400, "invalidValue"),
    ([{"op": "replace", "path": "displayName", "value": LONG}], 400, "invalidValue"),
    ([{"op": "replace", "path": "displayName", "value": "bad\u0085name"}], 400, "invalidValue"),
    ([{"op": "remove", "path": "displayName"}], 400, "invalidValue"),
    ([{"op": "replace", "path": "externalId", "value": LONG}], 400, "invalidValue"),
    ([{"op": "replace", "path": "externalId", "value": 5}], 400, "invalidValue"),
    ([{"op": "remove", "path": "id"}], 400, "mutability"),
    ([{"op": "add", "path": "members", "value": "abc"}], 400, "invalidValue"),
    ([{"op": "add", "path": "members", "value": ["abc"]}], 400, "invalidValue"),
    ([{"op": "add", "path": "members", "value": [{"display": "no value"}]}], 400, "invalidValue"),
    ([{"op": "add", "path": "members", "value": [{"value": "x", "type": "Group"}]}], 400, "invalidValue"),
    ([{"op": "add", "path": "members", "value": None}], 400, "invalidValue"),
])
def test_bad_operations_answer_4xx_and_change_nothing(scim, team, users, operations, status, scim_type):
    before = snapshot(team)
    ops = [{"op": "add", "path": "members", "value": [member(users[2])]}, *operations]
    assert_error(scim.patch(f"Groups/{team.scim_id}", patch_body(*ops)), status, scim_type)
    assert snapshot(team) == before


@pytest.mark.parametrize("body, scim_type", [
    ({"schemas": [GROUP], "Operations": []}, "invalidSyntax"),
    ({"schemas": "urn:ietf:params:scim:api:messages:2.0:PatchOp", "Operations": []}, "invalidSyntax"),
    ({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}, "invalidSyntax"),
    ({"Operations": {"op": "add"}}, "invalidSyntax"),
    ({"Operations": ["add"]}, "invalidSyntax"),
])
def test_malformed_patch_messages(scim, team, body, scim_type):
    before = snapshot(team)
    assert_error(scim.patch(f"Groups/{team.scim_id}", body), 400, scim_type)
    assert snapshot(team) == before


@pytest.mark.parametrize("raw", [b"{", b"[]", b"\xff\xfe", b'{"Operations": [{"op": "add", "path": "members", "value": "\\u0000"}]}'])
def test_malformed_bodies(scim, team, raw):
    before = snapshot(team)
    assert_error(scim.patch(f"Groups/{team.scim_id}", raw), 400)
    assert snapshot(team) == before


# --- profiles and protected users -----------------------------------------------------------


def test_protected_users_may_be_members_and_keep_role_and_profile(scim, organisation, profiles, owner, administrator):
    team = factories.TeamFactory(organisation=organisation, name="Leads", scim_managed=True, profile=profiles["Manager"])
    User.objects.filter(pk__in=[owner.pk, administrator.pk]).update(profile=profiles["Viewer"])
    scim_user = make_user(organisation, scim_managed=True)

    response = scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "add", "path": "members", "value": [member(owner), member(administrator), member(scim_user)]},
    ))
    assert response.status_code == 204
    assert member_ids(team) == _ids(owner, administrator, scim_user)
    owner.refresh_from_db()
    administrator.refresh_from_db()
    scim_user.refresh_from_db()
    assert (owner.role, owner.profile_id) == (Role.OWNER, profiles["Viewer"].pk)
    assert (administrator.role, administrator.profile_id) == (Role.ADMINISTRATOR, profiles["Viewer"].pk)
    # The team's mapping reaches SCIM-managed members (through teams.services).
    assert (scim_user.role, scim_user.profile_id, scim_user.profile_team_id) == (Role.MEMBER, profiles["Manager"].pk, team.pk)

    response = scim.patch(f"Groups/{team.scim_id}", patch_body({"op": "replace", "path": "members", "value": []}))
    assert response.status_code == 204
    owner.refresh_from_db()
    scim_user.refresh_from_db()
    assert (owner.role, owner.profile_id) == (Role.OWNER, profiles["Viewer"].pk)
    assert (scim_user.profile_id, scim_user.profile_team_id) == (None, None)  # the organisation's default: none
