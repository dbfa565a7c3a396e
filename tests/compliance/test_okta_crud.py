"""Okta's traffic as its provisioning client sends it (``User-Agent: Okta SCIM Client 1.0.0``):

- the SCIM 2.0 CRUD test (scim-clients.md §3.3): create, read, update the first name,
  deactivate, reactivate, unassign, each followed by the read Okta checks;
- the user lifecycle (§3.4): lookup-then-create or link, import paging, profile PUT, PATCH
  (de)activation, AIW PUTs;
- Group Push (§3.5): lookup, create, member PATCHes, rename, "Push now", AIW PUT, link, unlink.

Okta's own client percent-encodes queries (``%20``); bodies go as
``application/scim+json; charset=utf-8``.
"""

import secrets

import pytest

from . import target
from .http import GROUP_URN, PATCH_URN, USER_URN, expect, expect_error, expect_list

pytestmark = target.marks


def okta_user(login: str, *, given="Test", family="User", external_id=None) -> dict:
    """Okta's create body (§3.4b): password placeholder and read-only ``groups`` included."""
    return {
        "schemas": [USER_URN],
        "userName": login,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": True, "value": login, "type": "work"}],
        "displayName": f"{given} {family}",
        "locale": "en-US",
        "externalId": external_id or f"00u{secrets.token_hex(8)}",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


def lookup(okta, attribute: str, value: str):
    return okta.get("Users", params={"filter": f'{attribute} eq "{value}"', "startIndex": 1, "count": 100},
                    encoding="percent")


def set_active(okta, user_id: str, active: bool):
    """OIN (de)activation: a path-less replace (§3.4e)."""
    return okta.patch(f"Users/{user_id}", {"schemas": [PATCH_URN],
                                           "Operations": [{"op": "replace", "value": {"active": active}}]})


def expect_patch_ok(response) -> dict | None:
    """Okta accepts 200 + resource or 204 (§3.6)."""
    assert response.status in (200, 204), response.describe()
    return expect(response, response.status)


def login() -> str:
    # ``.example``, not Okta's ``.local``: scim2-tester (email-validator) rejects special-use
    # domains in every user it lists, and on a shared tenant it lists these too.
    return f"test.user.{secrets.token_hex(4)}@okta.example"


def okta_id() -> str:
    """An Okta user id (``00u`` and 17 characters), unique to the test."""
    return f"00u{secrets.token_hex(9)[:17]}"


def group_name(base: str = "Test SCIMv2") -> str:
    """Okta's group names, unique to the test (an external target's tenant persists)."""
    return f"{base} {secrets.token_hex(3)}"


# --- §3.3 the CRUD test ------------------------------------------------------------------------

def test_crud_create_then_filter_matches_okta_profile(okta):
    email = login()
    expect_list(lookup(okta, "userName", email), total=0)
    expect(okta.post("Users", okta_user(email, given="Ada", family="Lovelace")), 201)
    found = expect_list(lookup(okta, "userName", email), total=1)["Resources"][0]
    assert found["userName"] == email
    assert found["emails"][0]["value"] == email
    assert found["name"]["familyName"] == "Lovelace"
    assert found["name"]["givenName"] == "Ada"


def test_crud_update_first_name(okta):
    created = expect(okta.post("Users", okta_user(login())), 201)
    current = expect(okta.get(f"Users/{created['id']}"), 200)
    current["name"]["givenName"] = "Another"
    expect(okta.put(f"Users/{created['id']}", current), 200)
    assert expect(okta.get(f"Users/{created['id']}"), 200)["name"]["givenName"] == "Another"


def test_crud_deactivate_reactivate_unassign(okta):
    user_id = expect(okta.post("Users", okta_user(login())), 201)["id"]

    expect_patch_ok(set_active(okta, user_id, False))
    assert expect(okta.get(f"Users/{user_id}"), 200)["active"] is False  # soft delete: still readable

    expect_patch_ok(set_active(okta, user_id, True))
    assert expect(okta.get(f"Users/{user_id}"), 200)["active"] is True

    expect_patch_ok(set_active(okta, user_id, False))  # unassign the app
    assert expect(okta.get(f"Users/{user_id}"), 200)["active"] is False


# --- §3.4 user lifecycle -----------------------------------------------------------------------

def test_assignment_links_an_existing_user(okta, tenant):
    """Lookup finds the user (case-insensitively): Okta links instead of creating."""
    token = secrets.token_hex(4)
    existing = tenant.user(f"linked.user.{token}@okta.example", "Linked", "User", by_hand=True)
    found = expect_list(lookup(okta, "userName", f"Linked.User.{token}@okta.example"), total=1)["Resources"][0]
    assert found["id"] == existing


def test_create_response_is_the_full_user_without_password(okta):
    email = login()
    external_id = okta_id()
    response = okta.post("Users", okta_user(email, external_id=external_id))
    user = expect(response, 201)
    assert user["id"] and user["userName"] == email and user["active"] is True
    assert user["externalId"] == external_id
    assert "password" not in user
    assert user["meta"]["resourceType"] == "User" and user["meta"]["location"].endswith(user["id"])
    assert response.headers.get("location") == user["meta"]["location"]


def test_lookup_by_external_id_and_email(okta):
    email = login()
    external_id = okta_id()
    created = expect(okta.post("Users", okta_user(email, external_id=external_id)), 201)
    by_external = expect_list(lookup(okta, "externalId", external_id), total=1)
    assert by_external["Resources"][0]["id"] == created["id"]
    by_email = expect_list(lookup(okta, "emails.value", email), total=1)
    assert by_email["Resources"][0]["id"] == created["id"]


def test_import_pages_with_count_100_in_a_stable_order(okta, tenant):
    """Import (§3.4c): startIndex += 100 while startIndex <= totalResults; no user missed or
    repeated, deactivated users included with active:false. A shared tenant (external target)
    already holds users: the 131 made here must all be among those paged through."""
    token = secrets.token_hex(3)
    made = {tenant.user(f"import{n:03}.{token}@okta.example", "Import", f"{n:03}") for n in range(130)}
    inactive = expect(okta.post("Users", okta_user(login())), 201)["id"]
    expect_patch_ok(set_active(okta, inactive, False))

    seen, start, total = [], 1, None
    while total is None or start <= total:
        page = expect_list(okta.get("Users", params={"startIndex": start, "count": 100}, encoding="percent"))
        total = page["totalResults"]
        assert page["startIndex"] == start and page["itemsPerPage"] == len(page["Resources"])
        seen.extend(page["Resources"])
        start += 100
    ids = [user["id"] for user in seen]
    assert len(ids) == len(set(ids)) == total
    assert total == 131 or tenant.shared
    assert made | {inactive} <= set(ids)
    assert next(user for user in seen if user["id"] == inactive)["active"] is False


def test_profile_update_put_echoes_what_get_returned(okta):
    """§3.4d: Okta PUTs back the GET body with edits, including id, meta, groups and display."""
    created = expect(okta.post("Users", okta_user(login())), 201)
    body = {
        "schemas": [USER_URN], "id": created["id"], "userName": created["userName"],
        "name": {"givenName": "Another", "middleName": "Excited", "familyName": "User"},
        "emails": [{"primary": True, "value": created["userName"], "type": "work", "display": created["userName"]}],
        "active": True, "groups": [], "meta": {"resourceType": "User"},
    }
    user = expect(okta.put(f"Users/{created['id']}", body), 200)
    assert user["name"]["givenName"] == "Another" and user["active"] is True


def test_aiw_put_deactivates_and_reactivates(okta):
    created = expect(okta.post("Users", okta_user(login())), 201)
    body = expect(okta.get(f"Users/{created['id']}"), 200)
    body["active"] = False
    assert expect(okta.put(f"Users/{created['id']}", body), 200)["active"] is False
    body["active"] = True
    assert expect(okta.put(f"Users/{created['id']}", body), 200)["active"] is True


def test_put_without_active_keeps_active(okta):
    """Catalogue #26: a profile PUT that omits ``active`` is not a deactivation."""
    created = expect(okta.post("Users", okta_user(login())), 201)
    body = expect(okta.get(f"Users/{created['id']}"), 200)
    del body["active"]
    body["name"]["familyName"] = "Changed"
    user = expect(okta.put(f"Users/{created['id']}", body), 200)
    assert user["active"] is True and user["name"]["familyName"] == "Changed"


def test_patch_deactivate_twice_succeeds(okta):
    """Catalogue #16: deactivating an already inactive user must succeed."""
    user_id = expect(okta.post("Users", okta_user(login())), 201)["id"]
    expect_patch_ok(set_active(okta, user_id, False))
    body = expect_patch_ok(set_active(okta, user_id, False))
    if body is not None:
        assert body["active"] is False


@pytest.mark.parametrize("operation", [
    {"op": "replace", "value": {"password": "n3wPassw0rd!"}},
    {"op": "replace", "path": "password", "value": "n3wPassw0rd!"},
], ids=["path-less", "path"])
def test_password_sync_patch_is_accepted_and_never_returned(okta, operation):
    """§3.4e: Okta's password-sync PATCH is undocumented; both forms must be accepted (the value
    is not stored: changePassword is unsupported) and the password never comes back."""
    user_id = expect(okta.post("Users", okta_user(login())), 201)["id"]
    body = expect_patch_ok(okta.patch(f"Users/{user_id}", {"schemas": [PATCH_URN], "Operations": [operation]}))
    assert body is None or "password" not in body
    assert "password" not in expect(okta.get(f"Users/{user_id}"), 200)


# --- §3.5 Group Push ---------------------------------------------------------------------------

def members_of(okta, group_id: str) -> set[str]:
    group = expect(okta.get(f"Groups/{group_id}"), 200)
    return {member["value"] for member in group.get("members", [])}


def new_users(tenant, count: int) -> list[str]:
    """Members for the group scenarios, as SCIM ids: ordinary hub users (so the Group Push checks
    depend on the Groups endpoints only); made through /Users against an external target."""
    return [tenant.user(login()) for _ in range(count)]


def push_group(okta, name: str) -> dict:
    """§3.5b: look the name up, then create the group without members."""
    expect_list(okta.get("Groups", params={"filter": f'displayName eq "{name}"', "startIndex": 1, "count": 100},
                         encoding="percent"), total=0)
    return expect(okta.post("Groups", {"schemas": [GROUP_URN], "displayName": name, "members": []}), 201)


def patch_group(okta, group_id: str, *operations):
    return okta.patch(f"Groups/{group_id}", {"schemas": [PATCH_URN], "Operations": list(operations)})


def test_import_groups(okta, tenant):
    name = group_name("Imported SCIMv2")
    pushed = push_group(okta, name)
    groups, start, total = [], 1, None
    while total is None or start <= total:  # one page on a fresh tenant
        body = expect_list(okta.get("Groups", params={"startIndex": start, "count": 100}, encoding="percent"),
                           total=None if tenant.shared else 1)
        total = body["totalResults"]
        groups.extend(body["Resources"])
        start += 100
    group = next(g for g in groups if g["id"] == pushed["id"])
    assert group["displayName"] == name and group["members"] == []
    assert group["meta"]["resourceType"] == "Group" and group["meta"]["location"]


def test_push_new_group_then_find_it(okta):
    name = group_name()
    group = push_group(okta, name)
    assert group["id"] and group["displayName"] == name and GROUP_URN in group["schemas"]
    found = expect_list(okta.get("Groups", params={"filter": f'displayName eq "{name}"', "startIndex": 1,
                                                   "count": 100}, encoding="percent"), total=1)
    assert found["Resources"][0]["id"] == group["id"]


def test_push_existing_name_is_409(okta):
    name = group_name()
    push_group(okta, name)
    body = expect_error(okta.post("Groups", {"schemas": [GROUP_URN], "displayName": name, "members": []}), 409)
    assert body.get("scimType") == "uniqueness"


def test_membership_patch_remove_by_filter_and_add_without_type(okta, tenant):
    """§3.5c: one PATCH removes one member by filter path and adds one (no ``type``)."""
    a, b, c = new_users(tenant, 3)
    group = push_group(okta, group_name())
    expect_patch_ok(patch_group(okta, group["id"], {"op": "add", "path": "members",
                                                    "value": [{"value": a}, {"value": b}]}))
    expect_patch_ok(patch_group(
        okta, group["id"],
        {"op": "remove", "path": f'members[value eq "{a}"]'},
        {"op": "add", "path": "members", "value": [{"value": c, "display": "test.user@okta.example"}]},
    ))
    assert members_of(okta, group["id"]) == {b, c}


def test_push_now_replaces_members_and_empties_with_empty_list(okta, tenant):
    a, b, c = new_users(tenant, 3)
    group = push_group(okta, group_name())
    expect_patch_ok(patch_group(okta, group["id"], {"op": "add", "path": "members", "value": [{"value": a}]}))
    expect_patch_ok(patch_group(okta, group["id"], {"op": "replace", "path": "members",
                                                    "value": [{"value": b}, {"value": c}]}))
    assert members_of(okta, group["id"]) == {b, c}
    expect_patch_ok(patch_group(okta, group["id"], {"op": "replace", "path": "members", "value": []}))
    assert members_of(okta, group["id"]) == set()


def test_rename_with_id_in_value_keeps_members(okta, tenant):
    """§3.5d: the path-less rename carries ``id``; members stay (catalogue #12, #13)."""
    (a,) = new_users(tenant, 1)
    group = push_group(okta, group_name())
    expect_patch_ok(patch_group(okta, group["id"], {"op": "add", "path": "members", "value": [{"value": a}]}))
    new_name = group_name("Renamed SCIMv2")
    expect_patch_ok(patch_group(okta, group["id"], {"op": "replace",
                                                    "value": {"id": group["id"], "displayName": new_name}}))
    renamed = expect(okta.get(f"Groups/{group['id']}"), 200)
    assert renamed["displayName"] == new_name
    assert {m["value"] for m in renamed["members"]} == {a}


def test_aiw_put_whole_group(okta, tenant):
    """§3.5e: the PUT body's members are the complete set."""
    a, b, c = new_users(tenant, 3)
    group = push_group(okta, group_name())
    expect_patch_ok(patch_group(okta, group["id"], {"op": "add", "path": "members",
                                                    "value": [{"value": a}, {"value": b}]}))
    name = group_name("AIW SCIMv2")
    body = {"schemas": [GROUP_URN], "displayName": name,
            "members": [{"value": b, "display": "b"}, {"value": c, "display": "c"}]}
    group = expect(okta.put(f"Groups/{group['id']}", body), 200)
    assert group["displayName"] == name
    assert {m["value"] for m in group["members"]} == {b, c}


def test_get_one_group_or_404(okta):
    group = push_group(okta, group_name())
    assert expect(okta.get(f"Groups/{group['id']}"), 200)["id"] == group["id"]
    expect_error(okta.get("Groups/010101001010101011001010101011"), 404)


@target.needs_setup_hook
def test_link_a_team_created_by_hand(okta, tenant):
    """§3.5h: Group Linking finds an existing team by name and manages its members."""
    name = group_name("Engineering")
    team_id = tenant.team(name)
    (a,) = new_users(tenant, 1)
    found = expect_list(okta.get("Groups", params={"filter": f'displayName eq "{name}"', "startIndex": 1,
                                                   "count": 100}, encoding="percent"), total=1)
    group_id = found["Resources"][0]["id"]
    assert group_id == team_id
    expect_patch_ok(patch_group(okta, group_id, {"op": "add", "path": "members", "value": [{"value": a}]}))
    assert members_of(okta, group_id) == {a}


def test_unlink_deletes_the_group_not_its_users(okta, tenant):
    """§3.5g: "Delete the group in the target app" → 204; the users stay."""
    (a,) = new_users(tenant, 1)
    group = push_group(okta, group_name())
    expect_patch_ok(patch_group(okta, group["id"], {"op": "add", "path": "members", "value": [{"value": a}]}))
    response = okta.delete(f"Groups/{group['id']}")
    assert response.status == 204 and not response.body, response.describe()
    expect_error(okta.get(f"Groups/{group['id']}"), 404)
    assert expect(okta.get(f"Users/{a}"), 200)["id"] == a
