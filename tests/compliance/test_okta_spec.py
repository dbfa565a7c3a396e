"""Okta's SCIM 2.0 SPEC test (Runscope/BlazeMeter, May 2024 edition), request by request,
plus the discovery steps of its 2016 edition (scim-clients.md §3.1, §3.2).

Each step is one test. A step that depends on earlier ones replays their requests over HTTP
first, as Okta's runner does, so every step can pass or fail on its own. Okta's runner also
asserts response times (600 ms on ``GET /Groups``, 400 ms on discovery); timings are measured
by ``bench/scim_latency.py``, never asserted here.
"""

import secrets

import pytest

from . import target
from .http import LIST_URN, USER_URN, expect, expect_error, expect_list, okta_user_fields

pytestmark = target.marks

INVALID_USER_EMAIL = "abcdefgh@example.com"
USER_ID_THAT_DOES_NOT_EXIST = "010101001010101011001010101011"


@pytest.fixture
def random_user():
    """Okta's initial script: randomUsername = randomEmail, randomUsernameCaps upper-cased."""
    token = secrets.token_hex(4)
    email = f"Runscope300{token}lab151@example.com"
    return {
        "username": email,
        "email": email,
        "caps": email.upper(),
        "given": f"Given{token}",
        "family": f"Family{token}",
    }


def spec_user_body(random_user) -> dict:
    return {
        "schemas": [USER_URN],
        "userName": random_user["username"],
        "name": {"givenName": random_user["given"], "familyName": random_user["family"]},
        "emails": [{"primary": True, "value": random_user["email"], "type": "work"}],
        "displayName": f"{random_user['given']} {random_user['family']}",
        "active": True,
    }


def filter_user_name(value: str) -> dict:
    # The test file writes the filter unencoded; Runscope form-encodes it on the wire.
    return {"filter": f'userName eq "{value}"'}


# --- "Test API Credentials" (§3.1): must pass on a brand-new tenant -----------------------------

@target.needs_fresh_tenant
def test_credentials_users_on_empty_tenant(runscope):
    body = expect_list(runscope.get("Users", params={"startIndex": 1, "count": 2}), total=0)
    assert body["Resources"] == []


@target.needs_fresh_tenant
def test_credentials_groups_on_empty_tenant(runscope):
    body = expect_list(runscope.get("Groups", params={"startIndex": 1, "count": 100}), total=0)
    assert body["Resources"] == []


# --- the 12 steps -----------------------------------------------------------------------------

def test_step_01_list_one_user(runscope, existing_user):
    body = expect_list(runscope.get("Users", params={"count": 1, "startIndex": 1}))
    assert body["Resources"], "Okta needs at least one user in the directory"
    okta_user_fields(body["Resources"][0], "step 1")


def test_step_02_get_that_user(runscope, existing_user):
    first = expect_list(runscope.get("Users", params={"count": 1, "startIndex": 1}))["Resources"][0]
    user = expect(runscope.get(f"Users/{first['id']}"), 200)
    okta_user_fields(user, "step 2")
    assert user["id"] == first["id"]


def test_step_03_filter_invalid_email_finds_nothing(runscope, existing_user):
    body = expect_list(runscope.get("Users", params=filter_user_name(INVALID_USER_EMAIL)), total=0)
    assert body["schemas"] == [LIST_URN]


def test_step_04_unknown_id_is_404(runscope):
    expect_error(runscope.get(f"Users/{USER_ID_THAT_DOES_NOT_EXIST}"), 404)


def test_step_05_filter_random_email_finds_nothing(runscope, random_user):
    expect_list(runscope.get("Users", params=filter_user_name(random_user["email"])), total=0)


def test_step_06_create_user(runscope, random_user):
    response = runscope.post("Users", spec_user_body(random_user))  # Content-Type: application/json
    user = expect(response, 201)
    assert user["active"] is True
    assert user["id"]
    assert user["userName"] == random_user["username"]
    assert user["name"]["givenName"] == random_user["given"]
    assert user["name"]["familyName"] == random_user["family"]
    assert USER_URN in user["schemas"]


def test_step_07_get_created_user(runscope, random_user):
    created = expect(runscope.post("Users", spec_user_body(random_user)), 201)
    user = expect(runscope.get(f"Users/{created['id']}"), 200)
    assert user["userName"] == random_user["username"]
    assert user["name"]["givenName"] == random_user["given"]
    assert user["name"]["familyName"] == random_user["family"]


def test_step_08_duplicate_user_is_409(runscope, random_user):
    expect(runscope.post("Users", spec_user_body(random_user)), 201)
    again = spec_user_body(random_user)
    again["emails"][0]["value"] = random_user["username"]
    body = expect_error(runscope.post("Users", again), 409)
    assert body.get("scimType") == "uniqueness"


def test_step_09_filter_is_case_insensitive(runscope, random_user):
    created = expect(runscope.post("Users", spec_user_body(random_user)), 201)
    body = expect_list(runscope.get("Users", params=filter_user_name(random_user["caps"])), total=1)
    assert body["Resources"][0]["id"] == created["id"]


def test_step_10_list_groups_without_paging(runscope):
    body = expect_list(runscope.get("Groups"))
    if body["totalResults"] >= 1:
        assert isinstance(body["Resources"], list)


def test_step_11_wrong_credentials_are_401(runscope, random_user):
    response = runscope.get("Users", params=filter_user_name(random_user["caps"]), auth="non-token")
    expect_error(response, 401)


def test_step_12_numeric_unknown_id_is_404(runscope):
    expect_error(runscope.get("Users/00919288221112222"), 404)


# --- 2016 edition: discovery ------------------------------------------------------------------

def test_2016_service_provider_config(runscope):
    config = expect(runscope.get("ServiceProviderConfig"), 200)
    for feature in ("patch", "bulk", "filter", "changePassword", "sort", "etag"):
        assert isinstance(config.get(feature), dict), f"{feature} missing: {config}"
    scheme = config["authenticationSchemes"][0]
    assert scheme.get("type") and scheme.get("description")
    assert config["filter"].get("maxResults") is not None
    assert config["bulk"].get("maxOperations") is not None
    assert config["bulk"].get("maxPayloadSize") is not None


@pytest.mark.parametrize("endpoint", ["ResourceTypes", "Schemas"])
def test_2016_discovery_lists(runscope, endpoint):
    body = expect_list(runscope.get(endpoint))
    assert body["totalResults"] >= 1 and body["Resources"]


@pytest.mark.parametrize("endpoint", ["ServiceProviderConfig", "ResourceTypes", "Schemas"])
def test_2016_post_to_discovery_is_405(runscope, endpoint):
    expect_error(runscope.post(endpoint, {"schemas": [USER_URN]}), 405)
