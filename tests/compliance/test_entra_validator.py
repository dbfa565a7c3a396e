"""Microsoft Entra ID's provisioning traffic and the SCIM Validator's scenarios
(scim-clients.md §4.1 Test Connection, §4.3 Users, §4.4 Groups, §4.9 validator and reference
Postman tests), over real HTTP.

Entra form-encodes queries (``filter=displayName+eq+%22TEST%22``), sends bodies as
``application/scim+json``, capitalises PATCH ops without its ``aadOptscim062020`` flag and
sends ``active`` as the string ``"False"``; with the flag it sends RFC forms. Both dialects
are replayed. Tenant URLs often carry ``?aadOptscim062020``, which must be ignored.
"""

import json
import secrets
import uuid

import pytest

from . import target
from .http import (
    ENTERPRISE_URN,
    GROUP_URN,
    LIST_URN,
    PATCH_URN,
    USER_URN,
    expect,
    expect_error,
    expect_list,
)

pytestmark = target.marks

MS_GROUP_URN = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
FLAG = "aadOptscim062020"


def entra_user(**overrides) -> dict:
    """Entra's create body (§4.3)."""
    user_name = f"Test_User_{uuid.uuid4()}"
    body = {
        "schemas": [USER_URN, ENTERPRISE_URN],
        "externalId": str(uuid.uuid4()),
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": f"{user_name}@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
    }
    body.update(overrides)
    return body


def patch(client, path: str, *operations, flag: bool = False):
    return client.patch(path, {"schemas": [PATCH_URN], "Operations": list(operations)},
                        query=FLAG if flag else None)


def create_user(entra, **overrides) -> dict:
    return expect(entra.post("Users", entra_user(**overrides)), 201)


def get_user(entra, user_id: str) -> dict:
    return expect(entra.get(f"Users/{user_id}"), 200)


def email(local: str, domain: str) -> str:
    """An address unique to the test (an external target's tenant persists; a host may key its
    logins on e-mail addresses)."""
    return f"{local}.{secrets.token_hex(3)}@{domain}"


def user_ids(entra, query: str) -> list[str]:
    """The ids of every user matching ``query``, page after page (one page on a fresh tenant)."""
    ids, start, total = [], 1, None
    while total is None or start <= total:
        body = expect_list(entra.get("Users", params={"filter": query, "startIndex": start}))
        total = body["totalResults"]
        ids.extend(u["id"] for u in body["Resources"])
        if not body["Resources"]:
            break
        start += len(body["Resources"])
    return ids


def work_email(user: dict) -> str | None:
    return next((e["value"] for e in user.get("emails", []) if e.get("type") == "work"), None)


# --- §4.1 Test Connection ----------------------------------------------------------------------

def test_connection_user_query_with_random_guid(entra):
    body = expect_list(entra.get("Users", params={"filter": f'userName eq "{uuid.uuid4()}"'}), total=0)
    assert body["Resources"] == [] and body["startIndex"] == 1 and body["schemas"] == [LIST_URN]


def test_connection_group_query(entra):
    params = {"excludedAttributes": "members", "filter": f'displayName eq "{uuid.uuid4()}"'}
    assert expect_list(entra.get("Groups", params=params), total=0)["Resources"] == []


def test_connection_schemas(entra):
    expect_list(entra.get("Schemas"))


def test_tenant_url_flag_is_ignored(entra):
    """Admins paste the tenant URL with ``?aadOptscim062020``; it reaches every request."""
    expect_list(entra.get("Users", params={FLAG: "", "filter": 'userName eq "nobody"'}), total=0)
    expect_list(entra.get("Users", query=f"{FLAG}&filter=userName+eq+%22nobody%22"), total=0)


def test_bare_token_without_bearer_is_accepted(entra):
    """Okta custom-header setups send the raw token (catalogue #23); accepted for everyone."""
    from .http import BARE_TOKEN

    expect_list(entra.get("Users", auth=BARE_TOKEN))


@pytest.mark.parametrize("value", ["non-token", "Bearer wrong", "Basic dXNlcjpwYXNz", ""])
def test_bad_credentials_are_401_with_www_authenticate(entra, value):
    from .http import NO_AUTH

    response = entra.get("Users", auth=value if value else NO_AUTH)
    expect_error(response, 401)
    assert response.headers.get("www-authenticate", "").startswith("Bearer"), response.describe()


def test_lower_case_users_path(entra):
    """Microsoft's reference Postman collection requests ``/users`` (§1.2)."""
    created = create_user(entra)
    expect_list(entra.get("users", params={"filter": f'userName eq "{created["userName"]}"'}), total=1)
    assert expect(entra.get(f"users/{created['id']}"), 200)["id"] == created["id"]


# --- §4.3 Users ------------------------------------------------------------------------------

@pytest.mark.parametrize("attribute", ["userName", "externalId", 'emails[type eq "work"].value'])
def test_lookup_by_matching_attribute(entra, attribute):
    created = create_user(entra)
    value = {"userName": created["userName"], "externalId": created["externalId"]}.get(attribute) \
        or work_email(created)
    found = expect_list(entra.get("Users", params={"filter": f'{attribute} eq "{value}"'}), total=1)
    assert found["Resources"][0]["id"] == created["id"]


def test_lookup_user_name_case_insensitive(entra):
    created = create_user(entra)
    found = expect_list(entra.get("Users", params={"filter": f'userName eq "{created["userName"].upper()}"'}), total=1)
    assert found["Resources"][0]["id"] == created["id"]


def test_create_user(entra):
    body = entra_user()
    user = expect(entra.post("Users", body), 201)
    assert user["id"] and user["userName"] == body["userName"] and user["active"] is True
    assert user["externalId"] == body["externalId"]
    assert work_email(user) == body["emails"][0]["value"]
    assert user["name"]["givenName"] == "givenName" and user["name"]["familyName"] == "familyName"


def test_create_user_with_nulls_and_malformed_extension_urn(entra):
    """Microsoft's older sample (§4.3): null attributes and ``…enterprise:2.0User`` are ignored."""
    body = entra_user(addresses=None, phoneNumbers=None, title=None, department=None, manager=None)
    body["schemas"] = [USER_URN, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"]
    user = expect(entra.post("Users", body), 201)
    assert user["userName"] == body["userName"]


def test_create_with_enterprise_extension_returns_manager_as_complex(entra):
    manager = create_user(entra)
    user = create_user(entra, **{ENTERPRISE_URN: {"department": "Sales", "employeeNumber": "42",
                                                   "manager": {"value": manager["id"]}}})
    block = get_user(entra, user["id"])[ENTERPRISE_URN]
    assert block["department"] == "Sales" and block["employeeNumber"] == "42"
    assert block["manager"]["value"] == manager["id"]  # complex, never a bare string (§2.3)


def test_get_user_and_unknown_id(entra):
    created = create_user(entra)
    assert get_user(entra, created["id"])["id"] == created["id"]
    expect_error(entra.get(f"Users/{uuid.uuid4()}"), 404)


@pytest.mark.parametrize("flag", [False, True], ids=["no-flag", "aadOptscim062020"])
def test_patch_replace_work_email_and_family_name(entra, flag):
    created = create_user(entra)
    op = "replace" if flag else "Replace"
    updated = email("updatedEmail", "microsoft.com")
    response = patch(entra, f"Users/{created['id']}",
                     {"op": op, "path": 'emails[type eq "work"].value', "value": updated},
                     {"op": op, "path": "name.familyName", "value": "updatedFamilyName"}, flag=flag)
    user = expect(response, 200)  # the validator expects 200 + the User (§4.9)
    assert work_email(user) == updated
    assert user["name"]["familyName"] == "updatedFamilyName"
    assert get_user(entra, created["id"])["name"]["familyName"] == "updatedFamilyName"


@pytest.mark.parametrize("path,value", [
    ("userName", "renamed_{token}@contoso.example"),
    ("displayName", "New Display"),
    ("name.givenName", "NewGiven"),
    ("name.formatted", "Formatted Name"),  # stored as sent, never derived (Entra maps it by default)
    ("externalId", "ext-{token}"),
    ("title", "Engineer"),
    (f"{ENTERPRISE_URN}:department", "Finance"),
    (f"{ENTERPRISE_URN}:employeeNumber", "E-1001"),
])
def test_patch_replace_mapped_attribute(entra, path, value):
    """Paths of Entra's default attribute mappings (§4.3)."""
    created = create_user(entra)
    value = value.format(token=secrets.token_hex(3))
    user = expect(patch(entra, f"Users/{created['id']}", {"op": "Replace", "path": path, "value": value}), 200)
    user = get_user(entra, created["id"])
    if path.startswith(ENTERPRISE_URN):
        actual = user[ENTERPRISE_URN][path.rsplit(":", 1)[1]]
    elif "." in path:
        first, second = path.split(".")
        actual = user[first][second]
    else:
        actual = user[path]
    assert actual == value


def test_patch_add_single_valued_attribute_sets_it(entra):
    created = create_user(entra)
    expect(patch(entra, f"Users/{created['id']}", {"op": "Add", "path": "title", "value": "Babs"}), 200)
    assert get_user(entra, created["id"])["title"] == "Babs"


def test_patch_add_work_email_creates_it(entra):
    """Validator "Patch User - Add Attributes": adding ``emails[type eq "work"].value`` to a user
    without a work e-mail creates ``{"type": "work", "value": …}`` (§4.3, catalogue #8)."""
    home, work = email("home", "contoso.example"), email("work", "contoso.example")
    created = create_user(entra, emails=[{"primary": True, "type": "home", "value": home}])
    user = expect(patch(entra, f"Users/{created['id']}",
                        {"op": "Add", "path": 'emails[type eq "work"].value', "value": work}), 200)
    assert work_email(user) == work
    assert work_email(get_user(entra, created["id"])) == work


def test_patch_manager_set_as_string_and_removed(entra):
    manager = create_user(entra)
    user = create_user(entra)
    path = f"{ENTERPRISE_URN}:manager"
    expect(patch(entra, f"Users/{user['id']}", {"op": "Add", "path": path, "value": manager["id"]}), 200)
    assert get_user(entra, user["id"])[ENTERPRISE_URN]["manager"]["value"] == manager["id"]
    expect(patch(entra, f"Users/{user['id']}", {"op": "Remove", "path": path}), 200)
    assert "manager" not in get_user(entra, user["id"]).get(ENTERPRISE_URN, {})


def test_patch_multi_replace_path_less_with_flag(entra):
    """With the flag, one path-less replace whose keys are paths (§4.6)."""
    created = create_user(entra)
    value = {"displayName": "Bjfe", "name.givenName": "Kkom", "name.familyName": "Unua",
             f"{ENTERPRISE_URN}:employeeNumber": "Aklq"}
    expect(patch(entra, f"Users/{created['id']}", {"op": "replace", "value": value}, flag=True), 200)
    user = get_user(entra, created["id"])
    assert (user["displayName"], user["name"]["givenName"], user["name"]["familyName"]) == ("Bjfe", "Kkom", "Unua")
    assert user[ENTERPRISE_URN]["employeeNumber"] == "Aklq"


@pytest.mark.parametrize("flag,off,on", [(False, "False", "True"), (True, False, True)],
                         ids=["string-no-flag", "boolean-aadOptscim062020"])
def test_disable_and_enable(entra, flag, off, on):
    """Disable keeps the user readable with ``active: false`` (soft delete, §4.2, §4.9)."""
    created = create_user(entra)
    op = "replace" if flag else "Replace"
    user = expect(patch(entra, f"Users/{created['id']}", {"op": op, "path": "active", "value": off}, flag=flag), 200)
    assert user["active"] is False
    assert get_user(entra, created["id"])["active"] is False
    found = expect_list(entra.get("Users", params={"filter": f'userName eq "{created["userName"]}"'}), total=1)
    assert found["Resources"][0]["active"] is False
    expect(patch(entra, f"Users/{created['id']}", {"op": op, "path": "active", "value": on}, flag=flag), 200)
    assert get_user(entra, created["id"])["active"] is True


def test_hard_delete(entra):
    created = create_user(entra)
    response = entra.delete(f"Users/{created['id']}")
    assert response.status == 204 and not response.body, response.describe()
    expect_error(entra.get(f"Users/{created['id']}"), 404)


# --- §4.4 Groups -------------------------------------------------------------------------------

def create_group(entra, name: str | None = None) -> dict:
    body = {"schemas": [GROUP_URN, MS_GROUP_URN], "externalId": str(uuid.uuid4()),
            "displayName": name or f"Group {secrets.token_hex(4)}", "meta": {"resourceType": "Group"}}
    group = expect(entra.post("Groups", body), 201)
    assert group["displayName"] == body["displayName"] and group.get("members", []) == []
    return group


def new_user_id(tenant) -> str:
    """A group member: an ordinary hub user, so the group scenarios depend on /Groups only (made
    through /Users against an external target)."""
    return tenant.user(f"member.{secrets.token_hex(4)}@contoso.example")


def member_ids(entra, group_id: str) -> set[str]:
    return {m["value"] for m in expect(entra.get(f"Groups/{group_id}"), 200).get("members", [])}


def test_group_lookup_excludes_members(entra, tenant):
    name = f"displayName{secrets.token_hex(3)}"
    group = create_group(entra, name)
    expect(patch(entra, f"Groups/{group['id']}", {"op": "Add", "path": "members",
                                                   "value": [{"$ref": None, "value": new_user_id(tenant)}]}), 204)
    params = {"excludedAttributes": "members", "filter": f'displayName eq "{name}"'}
    found = expect_list(entra.get("Groups", params=params), total=1)["Resources"][0]
    assert found["id"] == group["id"] and "members" not in found
    single = expect(entra.get(f"Groups/{group['id']}", params={"excludedAttributes": "members"}), 200)
    assert "members" not in single


def test_group_patch_display_name_is_204(entra):
    group = create_group(entra)
    response = patch(entra, f"Groups/{group['id']}",
                     {"op": "Replace", "path": "displayName", "value": f"{uuid.uuid4()}updatedDisplayName"})
    assert response.status == 204 and not response.body, response.describe()
    assert expect(entra.get(f"Groups/{group['id']}"), 200)["displayName"].endswith("updatedDisplayName")


def test_group_add_and_remove_members_by_value_array(entra, tenant):
    """Without the flag, removal names the members in ``value``; only those go (catalogue #10)."""
    group = create_group(entra)
    a, b, c = (new_user_id(tenant) for _ in range(3))
    expect(patch(entra, f"Groups/{group['id']}", {"op": "Add", "path": "members",
                                                   "value": [{"$ref": None, "value": x} for x in (a, b, c)]}), 204)
    assert member_ids(entra, group["id"]) == {a, b, c}
    expect(patch(entra, f"Groups/{group['id']}", {"op": "Add", "path": "members",
                                                   "value": [{"$ref": None, "value": a}]}), 204)  # dedup
    assert member_ids(entra, group["id"]) == {a, b, c}
    expect(patch(entra, f"Groups/{group['id']}", {"op": "Remove", "path": "members",
                                                   "value": [{"$ref": None, "value": a}]}), 204)
    assert member_ids(entra, group["id"]) == {b, c}


def test_group_remove_member_by_filter_with_flag(entra, tenant):
    group = create_group(entra)
    a, b = (new_user_id(tenant) for _ in range(2))
    expect(patch(entra, f"Groups/{group['id']}", {"op": "add", "path": "members",
                                                   "value": [{"value": a}, {"value": b}]}, flag=True), 204)
    expect(patch(entra, f"Groups/{group['id']}", {"op": "remove", "path": f'members[value eq "{a}"]'}, flag=True), 204)
    assert member_ids(entra, group["id"]) == {b}


def test_group_display_name_unique(entra):
    token = secrets.token_hex(3)
    create_group(entra, f"Unique Name {token}")
    body = {"schemas": [GROUP_URN], "displayName": f"unique name {token}"}
    assert expect_error(entra.post("Groups", body), 409).get("scimType") == "uniqueness"


def test_group_delete(entra):
    group = create_group(entra)
    response = entra.delete(f"Groups/{group['id']}")
    assert response.status == 204 and not response.body, response.describe()
    expect_error(entra.get(f"Groups/{group['id']}"), 404)


# --- §4.9 validator and reference Postman tests -------------------------------------------------

def test_patch_with_empty_operations_is_a_no_op(entra):
    created = create_user(entra)
    response = entra.patch(f"Users/{created['id']}", {"schemas": [PATCH_URN], "Operations": []})
    assert response.status in (200, 204), response.describe()
    assert get_user(entra, created["id"])["userName"] == created["userName"]


def test_post_with_string_active(entra):
    user = expect(entra.post("Users", entra_user(active="True")), 201)
    assert user["active"] is True


def test_post_without_user_name_is_400(entra):
    body = entra_user()
    del body["userName"]
    expect_error(entra.post("Users", body), 400)


def test_post_malformed_json_is_400(entra):
    expect_error(entra.post("Users", b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": '), 400)


def test_duplicate_post_is_409_with_detail(entra):
    body = entra_user()
    expect(entra.post("Users", body), 201)
    body["externalId"] = str(uuid.uuid4())
    expect_error(entra.post("Users", body), 409)


def test_put_with_misspelled_attribute_ignores_it(entra):
    created = create_user(entra)
    body = get_user(entra, created["id"])
    body["adreses"] = [{"type": "work", "streetAddress": "1 Main St"}]
    body["displayName"] = "Put Display"
    user = expect(entra.put(f"Users/{created['id']}", body), 200)
    assert user["displayName"] == "Put Display" and "adreses" not in user


def test_list_with_count_two(entra, tenant):
    for _ in range(3):
        create_user(entra)
    body = expect_list(entra.get("Users", params={"startIndex": 1, "count": 2}), total=None if tenant.shared else 3)
    assert body["totalResults"] >= 3
    assert body["itemsPerPage"] == 2 and len(body["Resources"]) == 2


@pytest.mark.parametrize("attributes", ["userName,emails", 'emails[type eq "work"]'])
def test_attributes_projection(entra, attributes):
    created = create_user(entra)
    user = expect(entra.get(f"Users/{created['id']}", params={"attributes": attributes}), 200)
    assert user["id"] == created["id"] and work_email(user) == work_email(created)
    assert "name" not in user and "active" not in user


def test_filters_case_insensitive_names_and_operators(entra):
    """``DisplayName``, ``name.FamilyName``, ``emails.Value`` and ``EQ`` (§2.5)."""
    family = f"Employee{secrets.token_hex(3)}"
    created = create_user(entra, name={"givenName": "Emp", "familyName": family},
                          emails=[{"primary": True, "type": "work", "value": email("emp", "example.com")}])
    query = f'name.FamilyName EQ "{family}" and (emails.Value co "example.com" or emails.Value co "example.org")'
    found = expect_list(entra.get("Users", params={"filter": query}), total=1)
    assert found["Resources"][0]["id"] == created["id"]


@pytest.mark.parametrize("query", ['userName sw "Test_User_"', "meta.created gt \"2015-10-10T14:38:21.86-07:00\""])
def test_other_filter_operators(entra, query):
    created = create_user(entra)
    assert created["id"] in user_ids(entra, query)


def test_group_remove_members_without_value_empties_group(entra, tenant):
    group = create_group(entra)
    a = new_user_id(tenant)
    expect(patch(entra, f"Groups/{group['id']}", {"op": "Add", "path": "members", "value": [{"value": a}]}), 204)
    expect(patch(entra, f"Groups/{group['id']}", {"op": "Remove", "path": "members"}), 204)
    assert member_ids(entra, group["id"]) == set()


def test_replace_user_name_and_active_returns_user(entra):
    created = create_user(entra)
    new_name = f"replaced_{secrets.token_hex(3)}@contoso.example"
    user = expect(patch(entra, f"Users/{created['id']}",
                        {"op": "Replace", "path": "userName", "value": new_name},
                        {"op": "Replace", "path": "active", "value": False}), 200)
    assert user["userName"] == new_name and user["active"] is False


def test_unknown_filter_attribute_is_400_invalid_filter(entra):
    body = expect_error(entra.get("Users", params={"filter": 'nosuchattribute eq "x"'}), 400)
    assert body.get("scimType") == "invalidFilter"


def test_every_error_is_scim_json(entra):
    """Errors keep ``application/scim+json`` (Entra's validator fails without it)."""
    response = entra.request("GET", "Users", auth="Bearer nope")
    assert response.content_type.startswith("application/scim+json"), response.describe()
    assert json.loads(response.body)["status"] == "401"
