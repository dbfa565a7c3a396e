"""The RFC 7643 §4.1 core User attributes the hub does not model (phoneNumbers, addresses,
name.formatted, nickName, roles…): kept as sent, returned, changed by POST, PUT and PATCH
(scim_provisioning.adapters.attributes), and never the hub's role."""

import pytest

from scim_provisioning.models import SCIMUser
from vxp_hub.models import User

from .users import USER, assert_error, patch_body, user_state

# What Entra sends with its default attribute mappings (and a few of the other attributes).
ENTRA_USER = {
    "schemas": [USER],
    "userName": "ada@contoso.example",
    "externalId": "ada",
    "active": True,
    "displayName": "Ada Lovelace",
    "name": {"formatted": "Lady Ada Lovelace", "givenName": "Ada", "familyName": "Lovelace", "middleName": "King",
             "honorificPrefix": "Lady", "honorificSuffix": "Countess"},
    "emails": [{"primary": True, "type": "work", "value": "ada@contoso.example", "display": "Ada at work"}],
    "phoneNumbers": [{"type": "mobile", "value": "+44 20 7946 0000"},
                     {"type": "fax", "value": "+44 20 7946 0001", "primary": False}],
    "addresses": [{"type": "work", "formatted": "1 Analytical Row\nLondon", "streetAddress": "1 Analytical Row",
                   "locality": "London", "region": "Greater London", "postalCode": "W1 1AA", "country": "GB",
                   "primary": True}],
    "nickName": "Enchantress", "preferredLanguage": "en-GB", "userType": "Employee", "timezone": "Europe/London",
    "profileUrl": "https://example.com/ada",
    "ims": [{"type": "xmpp", "value": "ada@jabber.example"}],
    "photos": [{"type": "photo", "value": "https://example.com/ada.jpg"}],
    "entitlements": [{"value": "analytics"}],
    "roles": [{"value": "owner", "display": "Owner", "primary": True}],
    "x509Certificates": [{"value": "MIIDQTCCAqqgAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}],
}
STORED = ("nickName", "preferredLanguage", "userType", "timezone", "profileUrl", "phoneNumbers", "addresses", "ims",
          "photos", "entitlements", "roles", "x509Certificates")


def _create(scim, **overrides) -> dict:
    response = scim.post("Users", {**ENTRA_USER, **overrides})
    assert response.status_code == 201, response.content
    return response.json()


def _patch(scim, user_id, *operations) -> dict:
    response = scim.patch(f"Users/{user_id}", patch_body(*operations))
    assert response.status_code == 200, response.content
    body = response.json()
    assert scim.get(f"Users/{user_id}").json() == body  # what PATCH answers is what is stored
    return body


# --- POST, GET, list, PUT -------------------------------------------------------------------
def test_post_round_trips_every_attribute_exactly(scim, organisation):
    created = _create(scim)
    for attr in STORED:
        assert created[attr] == ENTRA_USER[attr], attr
    assert created["name"] == ENTRA_USER["name"]
    assert created["emails"] == ENTRA_USER["emails"]
    fetched = scim.get(f"Users/{created['id']}").json()
    assert fetched == created
    listed = scim.get("Users", {"filter": 'userName eq "ada@contoso.example"'}).json()["Resources"]
    assert listed == [created]


def test_post_keeps_the_sent_order_and_drops_unknown_sub_attributes_and_empty_values(scim, organisation):
    created = _create(scim, phoneNumbers=[
        {"Type": "work", "Value": "1", "colour": "red"}, {"type": "mobile", "value": ""}, {"value": "2", "display": None},
    ], nickName="", userType=None)
    assert created["phoneNumbers"] == [{"type": "work", "value": "1"}, {"value": "2"}]
    assert "nickName" not in created and "userType" not in created


def test_name_formatted_is_stored_as_sent_and_never_derived(scim, organisation):
    created = _create(scim, name={"givenName": "Ada", "familyName": "Lovelace"})
    assert created["name"] == {"givenName": "Ada", "familyName": "Lovelace"}  # no formatted made up
    body = _patch(scim, created["id"], {"op": "Replace", "path": "name.formatted", "value": "A. Lovelace"})
    assert body["name"] == {"givenName": "Ada", "familyName": "Lovelace", "formatted": "A. Lovelace"}
    body = _patch(scim, created["id"], {"op": "replace", "path": "name.givenName", "value": "Augusta"})
    assert body["name"]["formatted"] == "A. Lovelace"


def test_put_replaces_and_clears_what_it_does_not_carry(scim, organisation):
    created = _create(scim)
    response = scim.put(f"Users/{created['id']}", {
        "schemas": [USER], "userName": "ada@contoso.example", "name": {"givenName": "Ada"},
        "phoneNumbers": [{"type": "work", "value": "+1 555 0100"}],
    })
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phoneNumbers"] == [{"type": "work", "value": "+1 555 0100"}]
    assert body["name"] == {"givenName": "Ada"}
    assert body["emails"] == []
    for attr in STORED:
        if attr != "phoneNumbers":
            assert attr not in body, attr
    assert SCIMUser.objects.get(scim_id=created["id"]).attributes == {
        "phoneNumbers": [{"type": "work", "value": "+1 555 0100"}]}
    assert scim.get(f"Users/{created['id']}").json() == body


# --- PATCH: Entra's paths -------------------------------------------------------------------
def test_patch_mobile_phone_is_created_when_missing_then_replaced_then_removed(scim, organisation):
    created = _create(scim, phoneNumbers=[{"type": "fax", "value": "0001"}])
    path = 'phoneNumbers[type eq "mobile"].value'
    body = _patch(scim, created["id"], {"op": "Add", "path": path, "value": "0100"})
    assert body["phoneNumbers"] == [{"type": "fax", "value": "0001"}, {"type": "mobile", "value": "0100"}]
    body = _patch(scim, created["id"], {"op": "Replace", "path": path, "value": "0200"})
    assert body["phoneNumbers"] == [{"type": "fax", "value": "0001"}, {"type": "mobile", "value": "0200"}]
    body = _patch(scim, created["id"], {"op": "Remove", "path": path})
    assert body["phoneNumbers"] == [{"type": "fax", "value": "0001"}]
    body = _patch(scim, created["id"], {"op": "Remove", "path": 'phoneNumbers[type eq "fax"]'})
    assert "phoneNumbers" not in body


def test_patch_replace_on_a_missing_entry_creates_it(scim, organisation):
    created = _create(scim, phoneNumbers=None)
    body = _patch(scim, created["id"], {"op": "Replace", "path": 'phoneNumbers[type eq "mobile"].value', "value": "1"})
    assert body["phoneNumbers"] == [{"type": "mobile", "value": "1"}]


def test_patch_work_address_sub_attributes(scim, organisation):
    created = _create(scim, addresses=None)
    body = _patch(
        scim, created["id"],
        {"op": "Add", "path": 'addresses[type eq "work"].streetAddress', "value": "1 Main St"},
        {"op": "Add", "path": 'addresses[type eq "work"].postalCode', "value": "12345"},
        {"op": "Add", "path": 'addresses[type eq "work"].country', "value": "US"},
    )
    assert body["addresses"] == [{"type": "work", "streetAddress": "1 Main St", "postalCode": "12345", "country": "US"}]
    body = _patch(scim, created["id"],
                  {"op": "Replace", "path": 'addresses[type eq "work"].streetAddress', "value": "2 Main St"},
                  {"op": "Remove", "path": 'addresses[type eq "work"].postalCode'})
    assert body["addresses"] == [{"type": "work", "streetAddress": "2 Main St", "country": "US"}]
    body = _patch(scim, created["id"], {"op": "Replace", "path": 'addresses[type eq "WORK"]',
                                        "value": {"locality": "Springfield", "unknown": "x"}})
    assert body["addresses"] == [{"type": "work", "streetAddress": "2 Main St", "country": "US",
                                  "locality": "Springfield"}]


def test_patch_removing_the_last_content_of_an_entry_removes_the_entry(scim, organisation):
    created = _create(scim, phoneNumbers=[{"type": "mobile", "value": "1", "primary": True}])
    body = _patch(scim, created["id"], {"op": "Remove", "path": 'phoneNumbers[type eq "mobile"].value'})
    assert "phoneNumbers" not in body


def test_patch_simple_paths(scim, organisation):
    created = _create(scim)
    body = _patch(scim, created["id"],
                  {"op": "Replace", "path": "nickName", "value": "Ada"},
                  {"op": "Add", "path": "name.middleName", "value": "Byron"},
                  {"op": "Remove", "path": "userType"},
                  {"op": "Remove", "path": "name.honorificSuffix"},
                  {"op": "Replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:timezone",
                   "value": "Europe/Paris"})
    assert body["nickName"] == "Ada" and body["timezone"] == "Europe/Paris" and "userType" not in body
    assert body["name"] == {"givenName": "Ada", "familyName": "Lovelace", "formatted": "Lady Ada Lovelace",
                            "middleName": "Byron", "honorificPrefix": "Lady"}


def test_patch_without_a_path(scim, organisation):
    created = _create(scim)
    body = _patch(scim, created["id"], {"op": "replace", "value": {
        "nickName": "Countess", "name": {"formatted": "Ada King"},
        "phoneNumbers": [{"type": "work", "value": "9"}], "urn:ietf:params:scim:schemas:core:2.0:User:userType": "Staff",
    }})
    assert body["nickName"] == "Countess" and body["userType"] == "Staff"
    assert body["phoneNumbers"] == [{"type": "work", "value": "9"}]
    assert body["name"]["formatted"] == "Ada King" and body["name"]["middleName"] == "King"  # others kept
    body = _patch(scim, created["id"], {"op": "add", "value": {"ims": [{"type": "skype", "value": "ada.l"}]}})
    assert body["ims"] == [{"type": "xmpp", "value": "ada@jabber.example"}, {"type": "skype", "value": "ada.l"}]


def test_patch_whole_multi_valued_attribute(scim, organisation):
    created = _create(scim, phoneNumbers=[{"type": "work", "value": "1", "primary": True}])
    body = _patch(scim, created["id"], {"op": "add", "path": "phoneNumbers", "value": [
        {"type": "work", "value": "1", "primary": True}, {"type": "home", "value": "2"}]})
    assert body["phoneNumbers"] == [{"type": "work", "value": "1", "primary": True}, {"type": "home", "value": "2"}]
    body = _patch(scim, created["id"], {"op": "add", "path": "phoneNumbers",
                                        "value": [{"type": "mobile", "value": "3", "primary": True}]})
    assert body["phoneNumbers"] == [{"type": "work", "value": "1", "primary": False}, {"type": "home", "value": "2"},
                                    {"type": "mobile", "value": "3", "primary": True}]
    body = _patch(scim, created["id"], {"op": "replace", "path": "phoneNumbers", "value": [{"value": "4"}]})
    assert body["phoneNumbers"] == [{"value": "4"}]
    body = _patch(scim, created["id"], {"op": "remove", "path": "phoneNumbers"})
    assert "phoneNumbers" not in body


def test_patch_primary_filter_and_value_filter(scim, organisation):
    created = _create(scim, phoneNumbers=[{"type": "work", "value": "1", "primary": True}, {"value": "2"}])
    body = _patch(scim, created["id"], {"op": "replace", "path": "phoneNumbers[primary eq true].display",
                                        "value": "Desk"})
    assert body["phoneNumbers"][0] == {"type": "work", "value": "1", "primary": True, "display": "Desk"}
    body = _patch(scim, created["id"], {"op": "replace", "path": 'phoneNumbers[value eq "2"].primary', "value": "True"})
    assert body["phoneNumbers"] == [{"type": "work", "value": "1", "primary": False, "display": "Desk"},
                                    {"value": "2", "primary": True}]


def test_email_display_is_stored_and_patched(scim, organisation):
    created = _create(scim)
    body = _patch(scim, created["id"], {"op": "replace", "path": 'emails[type eq "work"].display', "value": "Ada"})
    assert body["emails"] == [{"value": "ada@contoso.example", "primary": True, "type": "work", "display": "Ada"}]
    body = _patch(scim, created["id"], {"op": "remove", "path": 'emails[type eq "work"].display'})
    assert body["emails"] == [{"value": "ada@contoso.example", "primary": True, "type": "work"}]


@pytest.mark.parametrize("path", [
    'phoneNumbers[colour eq "red"].value', 'phoneNumbers[type eq "work"].colour', "phoneNumbers.value",
    "nickName.first", 'nickName[type eq "x"]', 'name[type eq "x"].formatted',
])
def test_patch_paths_naming_no_sub_attribute_are_refused(scim, organisation, path):
    created = _create(scim)
    before = user_state(User.objects.get(scim_links__scim_id=created["id"]))
    assert_error(scim.patch(f"Users/{created['id']}", patch_body({"op": "add", "path": path, "value": "1"})),
                 400, "invalidPath")
    assert user_state(User.objects.get(scim_links__scim_id=created["id"])) == before


# --- wrong types, sizes: 400 and nothing changed ------------------------------------------------
WRONG = [
    {"nickName": 3},
    {"timezone": ["Europe/London"]},
    {"name": {"formatted": {"x": 1}}},
    {"name": {"middleName": False}},
    {"phoneNumbers": {"type": "work", "value": "1"}},
    {"phoneNumbers": ["+1 555"]},
    {"phoneNumbers": [{"value": 5}]},
    {"addresses": [{"type": "work", "postalCode": 12345}]},
    {"roles": [{"value": "a", "primary": "yes"}]},
    {"entitlements": [{"value": "a", "primary": True}, {"value": "b", "primary": True}]},
    {"emails": [{"value": "a@example.com", "display": 1}]},
    {"nickName": "x" * 2049},
    {"phoneNumbers": [{"value": "1" * 2000, "type": f"t{i}"} for i in range(20)]},  # > 32 KB in all
]


@pytest.mark.parametrize("wrong", WRONG)
def test_post_with_a_wrong_value_creates_nothing(scim, organisation, wrong):
    assert_error(scim.post("Users", {**ENTRA_USER, **wrong}), 400, "invalidValue")
    assert not User.objects.filter(organisation=organisation).exists()


@pytest.mark.parametrize("wrong", WRONG)
def test_put_and_patch_with_a_wrong_value_change_nothing(scim, organisation, wrong):
    created = _create(scim)
    user = User.objects.get(scim_links__scim_id=created["id"])
    before = user_state(user)
    assert_error(scim.put(f"Users/{created['id']}", {**ENTRA_USER, **wrong}), 400, "invalidValue")
    assert_error(scim.patch(f"Users/{created['id']}", patch_body({"op": "replace", "value": wrong})),
                 400, "invalidValue")
    assert user_state(user) == before
    assert scim.get(f"Users/{created['id']}").json() == created


@pytest.mark.parametrize("operation", [
    {"op": "add", "path": 'phoneNumbers[type eq "mobile"].value', "value": 5},
    {"op": "add", "path": 'phoneNumbers[type eq "mobile"].primary', "value": "maybe"},
    {"op": "replace", "path": 'addresses[type eq "work"]', "value": "1 Main St"},
    {"op": "replace", "path": "name.formatted", "value": ["A"]},
    {"op": "add", "path": "roles", "value": [{"value": "a", "primary": True}, {"value": "b", "primary": True}]},
    {"op": "add", "path": "x509Certificates", "value": [{"value": "A" * 16385}]},
])
def test_patch_with_a_wrong_value_in_a_path_changes_nothing(scim, organisation, operation):
    created = _create(scim)
    user = User.objects.get(scim_links__scim_id=created["id"])
    before = user_state(user)
    # A good operation first: the whole PATCH is refused, not just the bad one.
    response = scim.patch(f"Users/{created['id']}", patch_body(
        {"op": "replace", "path": "nickName", "value": "Changed"}, operation))
    assert_error(response, 400, "invalidValue")
    assert user_state(user) == before


def test_patch_growing_the_document_past_the_cap_is_refused(scim, organisation):
    created = _create(scim)
    user = User.objects.get(scim_links__scim_id=created["id"])
    for i in range(15):
        _patch(scim, created["id"], {"op": "add", "path": f'phoneNumbers[type eq "t{i}"].value', "value": "1" * 2000})
    before = user_state(user)
    response = scim.patch(f"Users/{created['id']}", patch_body(
        {"op": "add", "path": 'phoneNumbers[type eq "last"].value', "value": "1" * 2000}))
    assert_error(response, 400, "invalidValue")
    assert user_state(user) == before


# --- SCIM roles are not the hub's role ----------------------------------------------------------
def test_scim_roles_never_change_the_hub_role(scim, organisation, member):
    created = _create(scim)
    assert User.objects.get(scim_links__scim_id=created["id"]).role == "member"
    _patch(scim, created["id"], {"op": "replace", "path": "roles", "value": [{"value": "administrator"}]},
           {"op": "add", "path": 'roles[value eq "owner"].primary', "value": True})
    response = scim.put(f"Users/{created['id']}", {**ENTRA_USER, "roles": [{"value": "owner", "primary": True}]})
    assert response.status_code == 200
    assert response.json()["roles"] == [{"value": "owner", "primary": True}]
    assert User.objects.get(scim_links__scim_id=created["id"]).role == "member"
    body = _patch(scim, str(member.scim_link.scim_id), {"op": "add", "value": {"roles": [{"value": "owner"}]}})
    assert body["roles"] == [{"value": "owner"}]
    member.refresh_from_db()
    assert member.role == "member" and not member.is_protected


def test_protected_users_cannot_get_scim_roles(scim, organisation, administrator):
    response = scim.patch(f"Users/{administrator.scim_link.scim_id}", patch_body(
        {"op": "add", "path": "roles", "value": [{"value": "member"}]}))
    assert_error(response, 403)
    administrator.refresh_from_db()
    assert administrator.scim_link.attributes == {} and administrator.role == "administrator"


# --- discovery -----------------------------------------------------------------------------------
def test_schemas_publish_the_stored_attributes(scim, organisation):
    schema = scim.get(f"Schemas/{USER}").json()
    attributes = {a["name"]: a for a in schema["attributes"]}
    for attr in STORED:
        assert attributes[attr]["mutability"] == "readWrite", attr
    name = {sub["name"]: sub for sub in attributes["name"]["subAttributes"]}
    assert name["formatted"]["mutability"] == "readWrite"
    assert {"middleName", "honorificPrefix", "honorificSuffix"} <= set(name)
    assert "display" in {sub["name"] for sub in attributes["emails"]["subAttributes"]}
    address = {sub["name"]: sub for sub in attributes["addresses"]["subAttributes"]}
    assert address["primary"]["type"] == "boolean"
    assert "password" not in attributes
