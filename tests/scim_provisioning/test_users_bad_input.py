"""Bad input to POST, PUT and PATCH /Users: always a 4xx SCIM error, and nothing changes."""

import pytest

from .users import ENTERPRISE, USER, assert_error, organisation_state, patch_body

GOOD = {"schemas": [USER], "userName": "new.user@example.com", "name": {"givenName": "New", "familyName": "User"},
        "emails": [{"value": "new.user@example.com", "type": "work", "primary": True}]}

RAW_BODIES = {
    "malformed JSON": (b'{"userName": "x"', "invalidSyntax"),
    "non-UTF-8": (b'{"userName": "caf\xe9@example.com"}', "invalidSyntax"),
    "array body": (b'[{"userName": "x@example.com"}]', "invalidSyntax"),
    "string body": (b'"x@example.com"', "invalidSyntax"),
    "empty body": (b"", "invalidSyntax"),
    "NaN": (b'{"userName": "x@example.com", "active": NaN}', "invalidSyntax"),
    "huge float": (b'{"userName": "x@example.com", "title": 1e999}', "invalidValue"),
    "deep nesting": (b'{"userName": "x@example.com", "name": ' + b'{"a": ' * 40 + b"1" + b"}" * 41, "invalidSyntax"),
}

WRONG_VALUES = {
    "userName number": {"userName": 123},
    "userName huge number": {"userName": 10**40},
    "userName list": {"userName": ["a@example.com"]},
    "userName 151 characters": {"userName": "u" * 151},
    "userName with NUL": {"userName": "nul\u0000@example.com"},
    "userName with a control character": {"userName": "bell\u0007@example.com"},
    "name number": {"name": 5},
    "givenName number": {"name": {"givenName": 5}},
    "familyName too long": {"name": {"familyName": "f" * 151}},
    "formatted number": {"name": {"formatted": 5}},
    "displayName list": {"displayName": ["x"]},
    "displayName too long": {"displayName": "d" * 256},
    "title object": {"title": {"x": 1}},
    "locale too long": {"locale": "l" * 65},
    "externalId number": {"externalId": 5},
    "externalId too long": {"externalId": "e" * 256},
    "active maybe": {"active": "maybe"},
    "active number": {"active": 1},
    "emails string": {"emails": "x@example.com"},
    "emails of numbers": {"emails": [5]},
    "email value number": {"emails": [{"value": 5}]},
    "email without value": {"emails": [{"type": "work"}]},
    "email not an address": {"emails": [{"value": "not an e-mail"}]},
    "email too long": {"emails": [{"value": "e" * 250 + "@example.com"}]},
    "email type too long": {"emails": [{"value": "a@example.com", "type": "t" * 33}]},
    "email primary maybe": {"emails": [{"value": "a@example.com", "primary": "maybe"}]},
    "enterprise string": {ENTERPRISE: "Sales"},
    "department number": {ENTERPRISE: {"department": 5}},
    "employeeNumber too long": {ENTERPRISE: {"employeeNumber": "9" * 256}},
    "manager number": {ENTERPRISE: {"manager": 5}},
    "manager unknown": {ENTERPRISE: {"manager": {"value": "00000000-0000-0000-0000-000000000000"}}},
    "two managers": {ENTERPRISE: {"manager": [{"value": "a"}, {"value": "b"}]}},
}

BAD_OPERATIONS = {
    "unknown op": ({"op": "merge", "path": "title", "value": "x"}, 400, "invalidSyntax"),
    "op missing": ({"path": "title", "value": "x"}, 400, "invalidSyntax"),
    "op number": ({"op": 1, "path": "title", "value": "x"}, 400, "invalidSyntax"),
    "unknown path": ({"op": "replace", "path": "favouriteColour", "value": "x"}, 400, "invalidPath"),
    "unknown sub-attribute": ({"op": "replace", "path": "name.nickname", "value": "x"}, 400, "invalidPath"),
    "unknown enterprise attribute": ({"op": "replace", "path": f"{ENTERPRISE}:salary", "value": "1"}, 400, "invalidPath"),
    "unknown schema URN": ({"op": "replace", "path": "urn:example:ext:1.0:User:x", "value": "1"}, 400, "invalidPath"),
    "path syntax": ({"op": "replace", "path": "emails[type eq", "value": "x"}, 400, "invalidPath"),
    "path number": ({"op": "replace", "path": 5, "value": "x"}, 400, "invalidPath"),
    "filter not eq": ({"op": "replace", "path": 'emails[type ne "work"].value', "value": "a@example.com"}, 400, "invalidPath"),
    "filter with and": ({"op": "remove", "path": 'emails[type eq "work" and primary eq true]'}, 400, "invalidPath"),
    "filter on a simple attribute": ({"op": "replace", "path": 'title[value eq "x"]', "value": "y"}, 400, "invalidPath"),
    "emails.value without filter": ({"op": "replace", "path": "emails.value", "value": "a@example.com"}, 400, "invalidPath"),
    "remove without path": ({"op": "remove"}, 400, "noTarget"),
    "remove without path, with value": ({"op": "remove", "value": {"title": "x"}}, 400, "noTarget"),
    "path-less string value": ({"op": "replace", "value": "x"}, 400, "invalidValue"),
    "path-less list value": ({"op": "add", "value": [{"title": "x"}]}, 400, "invalidValue"),
    "remove userName": ({"op": "remove", "path": "userName"}, 400, "invalidValue"),
    "remove active": ({"op": "remove", "path": "active"}, 400, "invalidValue"),
    "userName number": ({"op": "replace", "path": "userName", "value": 5}, 400, "invalidValue"),
    "userName empty": ({"op": "replace", "value": {"userName": ""}}, 400, "invalidValue"),
    "userName too long": ({"op": "replace", "path": "userName", "value": "u" * 151}, 400, "invalidValue"),
    "active maybe": ({"op": "replace", "path": "active", "value": "maybe"}, 400, "invalidValue"),
    "active null": ({"op": "replace", "path": "active", "value": None}, 400, "invalidValue"),
    "name not an object": ({"op": "replace", "path": "name", "value": "Ada"}, 400, "invalidValue"),
    "emails not a list": ({"op": "replace", "path": "emails", "value": "a@example.com"}, 400, "invalidValue"),
    "work email not an address": ({"op": "add", "path": 'emails[type eq "work"].value', "value": "nope"}, 400, "invalidValue"),
    "primary of a missing e-mail": ({"op": "replace", "path": 'emails[type eq "other"].primary', "value": True}, 400, "noTarget"),
    "duplicate e-mail types": ({"op": "replace", "path": 'emails[type eq "work"].type', "value": "home"}, None, None),
    "manager unknown": ({"op": "add", "path": f"{ENTERPRISE}:manager", "value": "nobody"}, 400, "invalidValue"),
    "manager filter on add": ({"op": "add", "path": 'manager[value eq "x"]', "value": "x"}, 400, "invalidPath"),
    "department too long": ({"op": "replace", "value": {f"{ENTERPRISE}:department": "d" * 256}}, 400, "invalidValue"),
}


@pytest.fixture
def state(organisation, member, owner):
    """The organisation's users before the request; compare after it."""
    member.scim_link.emails.create(value="home@example.com", type="home", position=1)
    return lambda: organisation_state(organisation)


# --- raw bodies ----------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["post", "put", "patch"])
@pytest.mark.parametrize("name", RAW_BODIES)
def test_unreadable_bodies(scim, member, state, method, name):
    raw, scim_type = RAW_BODIES[name]
    before = state()
    url = "Users" if method == "post" else f"Users/{member.scim_link.scim_id}"
    assert_error(getattr(scim, method)(url, raw), 400, scim_type)
    assert state() == before


# --- wrong values in POST and PUT --------------------------------------------------------
@pytest.mark.parametrize("name", WRONG_VALUES)
def test_post_with_a_wrong_value(scim, state, name):
    before = state()
    assert_error(scim.post("Users", {**GOOD, **WRONG_VALUES[name]}), 400, "invalidValue")
    assert state() == before


@pytest.mark.parametrize("name", WRONG_VALUES)
def test_put_with_a_wrong_value(scim, member, state, name):
    before = state()
    body = {**GOOD, "userName": member.username, **WRONG_VALUES[name]}
    assert_error(scim.put(f"Users/{member.scim_link.scim_id}", body), 400, "invalidValue")
    assert state() == before


@pytest.mark.parametrize("name", WRONG_VALUES)
def test_patch_with_a_wrong_value_in_a_pathless_replace(scim, member, state, name):
    value = {k: v for k, v in WRONG_VALUES[name].items()}
    before = state()
    response = scim.patch(f"Users/{member.scim_link.scim_id}", patch_body(
        {"op": "replace", "path": "title", "value": "Applied first"},
        {"op": "replace", "value": value},
    ))
    assert_error(response, 400, "invalidValue")
    assert state() == before


# --- PATCH operations --------------------------------------------------------------------------
@pytest.mark.parametrize("name", BAD_OPERATIONS)
def test_patch_with_a_bad_operation_applies_nothing(scim, member, state, name):
    operation, status, scim_type = BAD_OPERATIONS[name]
    before = state()
    response = scim.patch(f"Users/{member.scim_link.scim_id}", patch_body(
        {"op": "replace", "path": "displayName", "value": "Applied first"},
        operation,
    ))
    if status is None:  # "duplicate e-mail types": the member already has a home e-mail
        status, scim_type = 400, "invalidValue"
    assert_error(response, status, scim_type)
    assert state() == before


@pytest.mark.parametrize("body", [
    {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]},
    {"Operations": {"op": "replace", "value": {"title": "x"}}},
    {"Operations": [5]},
    {"schemas": "PatchOp", "Operations": []},
    {"schemas": [USER], "Operations": []},
])
def test_patch_with_a_malformed_message(scim, member, state, body):
    before = state()
    assert_error(scim.patch(f"Users/{member.scim_link.scim_id}", body), 400, "invalidSyntax")
    assert state() == before


def test_bad_input_never_answers_500_for_odd_ids(scim, member):
    for url in ("Users/%00", "Users/" + "9" * 300, "Users/..%2F..", "Users/'; DROP TABLE x;--"):
        response = scim.patch(url, patch_body({"op": "replace", "value": {"active": False}}))
        assert response.status_code == 404, url
