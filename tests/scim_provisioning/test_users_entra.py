"""What Microsoft Entra ID sends (docs/scim-clients.md §4.3): creation with the enterprise
schema and nulls, PATCH only (capitalised ops, filtered e-mail paths, manager as a string,
"True"/"False" strings, multi-attribute path-less replace with URN keys, empty Operations),
and the hard DELETE."""

import pytest

from scim_provisioning.models import SCIMUser
from vxp_hub.models import User

from .users import ENTERPRISE, USER, assert_error, patch_body


@pytest.fixture
def entra_user(scim, organisation):
    response = scim.post("Users", {
        "schemas": [USER, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_00aa00aa@testuser.com",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": "Test_User_00aa00aa@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        "addresses": None, "phoneNumbers": None, "title": None,
        ENTERPRISE: {"department": None, "manager": None, "employeeNumber": "E-1"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0User": {"department": "malformed URN"},
    })
    assert response.status_code == 201, response.content
    return response.json()


def test_entra_create_ignores_nulls_roles_and_unknown_urns(entra_user):
    assert entra_user["userName"] == "Test_User_00aa00aa@testuser.com"
    assert entra_user["externalId"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    assert entra_user["name"]["givenName"] == "givenName"
    assert "title" not in entra_user
    assert entra_user[ENTERPRISE] == {"employeeNumber": "E-1"}
    assert ENTERPRISE in entra_user["schemas"]
    user = User.objects.get(scim_links__scim_id=entra_user["id"])
    assert user.role == "member" and user.department == ""


def test_entra_lookup_by_username_and_external_id(scim, entra_user):
    for filter_ in ('userName eq "Test_User_00aa00aa@testuser.com"',
                    'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"',
                    'emails[type eq "work"].value eq "test_user_00aa00aa@testuser.com"'):
        body = scim.get("Users", {"filter": filter_}).json()
        assert body["totalResults"] == 1 and body["Resources"][0]["id"] == entra_user["id"]


def test_entra_replace_work_email_and_family_name(scim, entra_user):
    response = scim.patch(f"Users/{entra_user['id']}", patch_body(
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updatedEmail@microsoft.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
    ))
    assert response.status_code == 200
    body = response.json()
    assert body["emails"] == [{"value": "updatedEmail@microsoft.com", "primary": True, "type": "work"}]
    assert body["name"]["familyName"] == "updatedFamilyName"
    assert body["name"]["givenName"] == "givenName"
    assert scim.get(f"Users/{entra_user['id']}").json() == body


def test_entra_add_sets_single_valued_attributes(scim, entra_user):
    response = scim.patch(f"Users/{entra_user['id']}", patch_body(
        {"op": "Add", "path": "externalId", "value": "new-external-id"},
        {"op": "Add", "path": "displayName", "value": "Display Name"},
        {"op": "Add", "path": "title", "value": "Engineer"},
        {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Research"},
    ))
    assert response.status_code == 200
    body = response.json()
    assert (body["externalId"], body["displayName"], body["title"]) == ("new-external-id", "Display Name", "Engineer")
    assert body[ENTERPRISE]["department"] == "Research"


def test_entra_add_work_email_creates_it_when_missing(scim, organisation):
    user_id = scim.post("Users", {"userName": "no.email@testuser.com"}).json()["id"]
    response = scim.patch(f"Users/{user_id}", patch_body(
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "created@testuser.com"},
    ))
    assert response.status_code == 200
    assert response.json()["emails"] == [{"value": "created@testuser.com", "primary": True, "type": "work"}]


def test_entra_manager_set_as_string_and_removed(scim, entra_user, member):
    user_id = entra_user["id"]
    response = scim.patch(f"Users/{user_id}", patch_body(
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": str(member.scim_link.scim_id)},
    ))
    assert response.status_code == 200
    manager = response.json()[ENTERPRISE]["manager"]
    assert manager["value"] == str(member.scim_link.scim_id)  # returned as {"value": …}, never a string
    assert manager["$ref"].endswith(f"/Users/{member.scim_link.scim_id}")

    response = scim.patch(f"Users/{user_id}", patch_body({"op": "Remove", "path": f"{ENTERPRISE}:manager"}))
    assert response.status_code == 200
    assert "manager" not in response.json()[ENTERPRISE]


def test_entra_manager_removed_by_value_filter(scim, entra_user, member, administrator):
    user_id = entra_user["id"]
    scim.patch(f"Users/{user_id}", patch_body({"op": "Add", "path": "manager", "value": str(member.scim_link.scim_id)}))
    # A filter naming someone else removes nothing.
    response = scim.patch(f"Users/{user_id}", patch_body(
        {"op": "remove", "path": f'manager[value eq "{administrator.scim_link.scim_id}"]'}))
    assert response.json()[ENTERPRISE]["manager"]["value"] == str(member.scim_link.scim_id)
    response = scim.patch(f"Users/{user_id}", patch_body({"op": "remove", "path": f'manager[value eq "{member.scim_link.scim_id}"]'}))
    assert response.status_code == 200
    assert "manager" not in response.json()[ENTERPRISE]
    assert SCIMUser.objects.get(scim_id=user_id).manager is None


def test_entra_manager_in_older_list_form(scim, entra_user, member):
    response = scim.patch(f"Users/{entra_user['id']}", patch_body(
        {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": [{"$ref": None, "value": str(member.scim_link.scim_id)}]}))
    assert response.status_code == 200
    assert response.json()[ENTERPRISE]["manager"]["value"] == str(member.scim_link.scim_id)


@pytest.mark.parametrize(("disable", "enable"), [("False", "True"), (False, True), ("false", "TRUE")])
def test_entra_disable_and_enable(scim, entra_user, disable, enable):
    user_id = entra_user["id"]
    response = scim.patch(f"Users/{user_id}", patch_body({"op": "Replace", "path": "active", "value": disable}))
    assert response.status_code == 200 and response.json()["active"] is False
    # The validator re-reads the user: still there, inactive.
    assert scim.get(f"Users/{user_id}").json()["active"] is False
    response = scim.patch(f"Users/{user_id}", patch_body({"op": "Replace", "path": "active", "value": enable}))
    assert response.status_code == 200 and response.json()["active"] is True


def test_entra_multi_attribute_replace_with_urn_keys(scim, entra_user):
    response = scim.patch(f"Users/{entra_user['id']}", patch_body({"op": "replace", "value": {
        "displayName": "Bjfe", "name.givenName": "Kkom", "name.familyName": "Unua",
        f"{ENTERPRISE}:employeeNumber": "Aklq",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName": "renamed@testuser.com",
    }}))
    assert response.status_code == 200
    body = response.json()
    assert body["displayName"] == "Bjfe"
    assert body["name"]["givenName"] == "Kkom" and body["name"]["familyName"] == "Unua"
    assert body[ENTERPRISE]["employeeNumber"] == "Aklq"
    assert body["userName"] == "renamed@testuser.com"


def test_entra_empty_operations_is_a_no_op(scim, entra_user):
    before = User.objects.get(scim_links__scim_id=entra_user["id"]).updated_at
    response = scim.patch(f"Users/{entra_user['id']}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                                        "Operations": []})
    assert response.status_code == 200
    assert response.json()["id"] == entra_user["id"]
    assert User.objects.get(scim_links__scim_id=entra_user["id"]).updated_at == before


def test_entra_hard_delete_then_404(scim, entra_user):
    response = scim.delete(f"Users/{entra_user['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_error(scim.get(f"Users/{entra_user['id']}"), 404)
    assert scim.get("Users", {"filter": 'userName eq "Test_User_00aa00aa@testuser.com"'}).json()["totalResults"] == 0
    assert_error(scim.delete(f"Users/{entra_user['id']}"), 404)
