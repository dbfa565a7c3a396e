"""Microsoft Entra ID's group dialect (scim-clients.md §4.4, §4.6), through HTTP."""

import pytest

from teams.models import Team
from tests import factories

from .group_helpers import ENTRA_GROUP, GROUP, assert_error, member_ids, patch_body, snapshot, make_user


@pytest.fixture
def users(organisation):
    return [make_user(organisation, username=f"u{i}@acme.example") for i in range(3)]


def _entra_member(user) -> dict:
    return {"$ref": None, "value": str(user.scim_link.scim_id)}


def test_entra_group_provisioning(scim, organisation, users):
    # Matching: form-encoded filter, members excluded. No match is 200 with an empty list.
    response = scim.get('Groups?excludedAttributes=members&filter=displayName+eq+%22Engineering%22')
    assert response.status_code == 200
    assert response.json()["totalResults"] == 0
    assert response.json()["Resources"] == []

    # Create: a second (Microsoft) schema URN, externalId, meta; no members.
    response = scim.post("Groups", {
        "schemas": [GROUP, ENTRA_GROUP],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "Engineering",
        "meta": {"resourceType": "Group"},
    })
    assert response.status_code == 201, response.content
    created = response.json()
    gid = created["id"]
    assert created["externalId"] == "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
    assert created["members"] == []
    team = Team.objects.get(scim_id=gid)
    assert (team.external_id, team.scim_managed) == ("8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", True)

    # Lookups never carry members when excluded (else MultipleEntriesInResponse).
    listed = scim.get('Groups?excludedAttributes=members&filter=displayName+eq+%22Engineering%22').json()
    assert listed["totalResults"] == 1
    assert "members" not in listed["Resources"][0]
    assert scim.get('Groups?filter=externalId+eq+%228aa1a0c0-c4c3-4bc0-b4a5-2ef676900159%22').json()["totalResults"] == 1
    response = scim.get(f"Groups/{gid}?excludedAttributes=members")
    assert response.status_code == 200
    assert "members" not in response.json()
    assert response.json()["displayName"] == "Engineering"

    # Replace displayName with a path, capitalised op.
    response = scim.patch(f"Groups/{gid}", patch_body({"op": "Replace", "path": "displayName", "value": "Engineering EU"}))
    assert response.status_code == 204
    team.refresh_from_db()
    assert team.name == "Engineering EU"

    # Add members: a value array with "$ref": null, several at once.
    response = scim.patch(f"Groups/{gid}", patch_body(
        {"op": "Add", "path": "members", "value": [_entra_member(u) for u in users]},
    ))
    assert response.status_code == 204
    assert member_ids(team) == {str(u.scim_link.scim_id) for u in users}

    # Remove with a value array: only the listed member goes (not all of them).
    response = scim.patch(f"Groups/{gid}", patch_body({"op": "Remove", "path": "members", "value": [_entra_member(users[0])]}))
    assert response.status_code == 204
    assert member_ids(team) == {str(users[1].scim_link.scim_id), str(users[2].scim_link.scim_id)}

    response = scim.delete(f"Groups/{gid}")
    assert response.status_code == 204
    assert_error(scim.get(f"Groups/{gid}?excludedAttributes=members"), 404)
    assert not Team.objects.filter(pk=team.pk).exists()


def test_entra_compliance_flag_dialect(scim, organisation, users):
    """With ?aadOptscim062020: lower-case ops, removal by filter path."""
    team = factories.TeamFactory(organisation=organisation, name="Sales", scim_managed=True)
    for user in users:
        factories.TeamMembershipFactory(team=team, user=user)

    response = scim.patch(f"Groups/{team.scim_id}?aadOptscim062020", patch_body(
        {"op": "remove", "path": f'members[value eq "{users[1].scim_link.scim_id}"]'},
    ))
    assert response.status_code == 204
    assert member_ids(team) == {str(users[0].scim_link.scim_id), str(users[2].scim_link.scim_id)}


def test_attribute_names_and_ops_are_case_insensitive(scim, organisation, users):
    team = factories.TeamFactory(organisation=organisation, name="Ops", scim_managed=True)
    response = scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "ADD", "path": "Members", "value": [{"Value": str(users[0].scim_link.scim_id), "Type": "user"}]},
        {"op": "rePlace", "path": "DISPLAYNAME", "value": "Operations"},
        {"op": "Replace", "path": "urn:ietf:params:scim:schemas:core:2.0:Group:externalId", "value": "ops-1"},
    ))
    assert response.status_code == 204
    team.refresh_from_db()
    assert (team.name, team.external_id) == ("Operations", "ops-1")
    assert member_ids(team) == {str(users[0].scim_link.scim_id)}

    response = scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "REMOVE", "path": f'MEMBERS[VALUE EQ "{users[0].scim_link.scim_id}"]'},
    ))
    assert response.status_code == 204
    assert member_ids(team) == set()


def test_empty_operations_are_a_no_op(scim, organisation, users):
    """The Entra validator sends an empty Operations array; a hand-made team stays unlinked."""
    team = factories.TeamFactory(organisation=organisation, name="Hand made")
    before = snapshot(team)
    response = scim.patch(f"Groups/{team.scim_id}", patch_body())
    assert response.status_code == 204
    assert snapshot(team) == before
