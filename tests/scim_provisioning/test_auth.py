"""Every SCIM request is authenticated by the organisation's bearer token, and only by it."""

import json

import pytest

from scim_provisioning.services import token_generate, token_revoke
from tests.conftest import SCIMClient
from tests.factories import UserFactory

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def assert_401(response):
    assert response.status_code == 401
    assert response["Content-Type"] == "application/scim+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = json.loads(response.content)
    assert body["schemas"] == [ERROR]
    assert body["status"] == "401"
    assert body["detail"]


@pytest.mark.parametrize("header", [
    None,
    "non-token",  # Okta's SPEC test, step 11
    "Bearer",
    "Bearer ",
    "Bearer vxpscim_" + "A" * 43,  # our shape, unknown digest
    "Basic dXNlcjpwYXNz",
    "Bearer a b",
    "Bearer " + "x" * 5000,
])
def test_missing_or_wrong_credentials_answer_401(client, organisation, header):
    token_generate(organisation=organisation)
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    assert_401(client.get("/scim/v2/Users", **extra))


def test_bearer_and_bare_token_both_work(client, organisation, scim_token):
    assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {scim_token}").status_code == 200
    assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"bearer {scim_token}").status_code == 200
    assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION=scim_token).status_code == 200  # Okta header mode


def test_regenerate_revokes_the_old_token_at_once(client, organisation):
    _, first = token_generate(organisation=organisation)
    assert SCIMClient(client, first).get("Users").status_code == 200
    _, second = token_generate(organisation=organisation)
    assert_401(SCIMClient(client, first).get("Users"))
    assert SCIMClient(client, second).get("Users").status_code == 200


def test_revoked_token_answers_401(client, organisation, scim_token):
    token_revoke(organisation=organisation)
    assert_401(SCIMClient(client, scim_token).get("Users"))


def test_logged_in_administrator_without_token_gets_401(client, administrator):
    client.force_login(administrator)
    assert client.get("/settings/organisation/general/").status_code == 200
    assert_401(client.get("/scim/v2/Users"))
    assert_401(client.post("/scim/v2/Users", "{}", content_type="application/scim+json"))


def test_unknown_paths_need_authentication_too(client, db):
    assert_401(client.get("/scim/v2/Nothing/here"))


def test_malformed_token_is_refused_without_touching_the_database(client, organisation, django_assert_num_queries):
    token_generate(organisation=organisation)
    with django_assert_num_queries(0):
        assert_401(client.get("/scim/v2/Users", HTTP_AUTHORIZATION="Bearer not-our-token"))


def test_a_token_sees_only_its_own_organisation(scim, other_scim, organisation, other_organisation):
    ours = UserFactory(organisation=organisation, username="shared@example.com")
    theirs = UserFactory(organisation=other_organisation, username="shared@example.com")

    listed = json.loads(scim.get("Users").content)
    assert [r["id"] for r in listed["Resources"]] == [str(ours.scim_link.scim_id)]

    filtered = json.loads(scim.get("Users", {"filter": 'userName eq "shared@example.com"'}).content)
    assert [r["id"] for r in filtered["Resources"]] == [str(ours.scim_link.scim_id)]

    assert scim.get(f"Users/{theirs.scim_link.scim_id}").status_code == 404
    assert other_scim.get(f"Users/{ours.scim_link.scim_id}").status_code == 404
    by_id = json.loads(scim.get("Users", {"filter": f'id eq "{theirs.scim_link.scim_id}"'}).content)
    assert by_id["totalResults"] == 0
