"""X-Request-Id: every SCIM response carries one (the client's own when well-formed, else a
new UUID4 in hex), and the activity-log lines the request wrote store the same id, so a
customer can send support a request id instead of a token."""

import re

import pytest

from scim_provisioning.models import SCIMEvent
from scim_provisioning.services import token_generate
from tests.conftest import SCIMClient

from .test_write_rendering import UnrenderableUserAdapter  # noqa: F401 (the adapter path below)
from .users import USER, patch_body

NEW_ID = re.compile(r"[0-9a-f]{32}")


def new_user(name="ann@example.com"):
    return {"schemas": [USER], "userName": name, "name": {"givenName": "Ann", "familyName": "Lee"}}


@pytest.mark.parametrize("request_of, status", [
    (lambda scim, anon: scim.get("Users"), 200),
    (lambda scim, anon: scim.post("Users", new_user()), 201),
    (lambda scim, anon: scim.post("Users", b"{not json"), 400),
    (lambda scim, anon: anon.get("Users"), 401),
    (lambda scim, anon: scim.get("Users/00000000-0000-4000-8000-000000000000"), 404),
    (lambda scim, anon: scim.get("NoSuchEndpoint"), 404),
    (lambda scim, anon: scim.get("ServiceProviderConfig"), 200),
    (lambda scim, anon: scim.delete("Users"), 405),
])
def test_every_response_has_a_new_request_id(scim, client, request_of, status):
    response = request_of(scim, SCIMClient(client, None))
    assert response.status_code == status, response.content
    assert NEW_ID.fullmatch(response["X-Request-Id"]), response.get("X-Request-Id")


def test_each_request_gets_its_own_id(scim):
    ids = {scim.get("Users")["X-Request-Id"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize("given", ["okta-7f3a.c1:2", "a" * 64, "0123456789abcdef0123456789abcdef"])
def test_a_well_formed_id_from_the_client_is_echoed_and_logged(scim, organisation, given):
    response = scim.post("Users", new_user(), HTTP_X_REQUEST_ID=given)
    assert response.status_code == 201
    assert response["X-Request-Id"] == given
    event = SCIMEvent.objects.get(organisation=organisation, action="user.create")
    assert event.request_id == given


@pytest.mark.parametrize("given", ["", "a" * 65, "has space", "semi;colon", "<script>", "ünïcode", "a\tb"])
def test_a_malformed_id_from_the_client_is_replaced(scim, organisation, given):
    response = scim.post("Users", new_user(), HTTP_X_REQUEST_ID=given)
    assert response.status_code == 201
    answered = response["X-Request-Id"]
    assert NEW_ID.fullmatch(answered) and answered != given
    assert SCIMEvent.objects.get(organisation=organisation, action="user.create").request_id == answered


def test_every_write_logs_the_id_it_answered(scim, organisation):
    created = scim.post("Users", new_user())
    user_id = created.json()["id"]
    patched = scim.patch(f"Users/{user_id}", patch_body({"op": "replace", "path": "title", "value": "CTO"}))
    deleted = scim.delete(f"Users/{user_id}")
    group = scim.post("Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Ops"})
    by_action = dict(SCIMEvent.objects.filter(organisation=organisation).values_list("action", "request_id"))
    assert by_action["user.create"] == created["X-Request-Id"]
    assert by_action["user.patch"] == patched["X-Request-Id"]
    assert by_action["user.delete"] == deleted["X-Request-Id"]
    assert by_action["group.create"] == group["X-Request-Id"]


def test_a_failed_write_logs_the_id_too(scim, organisation):
    scim.post("Users", new_user())
    conflict = scim.post("Users", new_user())
    assert conflict.status_code == 409
    event = SCIMEvent.objects.get(organisation=organisation, action="user.create", outcome=SCIMEvent.Outcome.FAILURE)
    assert event.request_id == conflict["X-Request-Id"]


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_error_has_a_request_id_in_the_answer_and_the_log(scim, organisation, settings):
    settings.SCIM_PROVISIONING = {
        **settings.SCIM_PROVISIONING,
        "USER_ADAPTER": "tests.scim_provisioning.test_write_rendering.UnrenderableUserAdapter",
    }
    response = scim.post("Users", new_user(), HTTP_X_REQUEST_ID="support-case-42")
    assert response.status_code == 500
    assert response["X-Request-Id"] == "support-case-42"
    event = SCIMEvent.objects.get(organisation=organisation, action="user.create")
    assert (event.outcome, event.status_code, event.request_id) == ("failure", 500, "support-case-42")


def test_the_first_use_of_a_token_is_logged_with_the_request_id(client, organisation):
    _, raw = token_generate(organisation=organisation)
    response = SCIMClient(client, raw).get("Users", HTTP_X_REQUEST_ID="entra-test-connection")
    assert response.status_code == 200
    event = SCIMEvent.objects.get(organisation=organisation, action="token.first_use")
    assert event.request_id == "entra-test-connection"


def test_reads_write_no_line_but_still_answer_an_id(scim, organisation):
    scim.get("Users")  # the token's first use is logged once
    before = SCIMEvent.objects.filter(organisation=organisation).count()
    assert NEW_ID.fullmatch(scim.get("Groups")["X-Request-Id"])
    assert SCIMEvent.objects.filter(organisation=organisation).count() == before


# --- the OAuth token endpoint answers and logs a request id too --------------------------------


def test_the_oauth_token_endpoint_answers_and_logs_the_request_id(client, organisation):
    import base64
    from urllib.parse import quote_plus

    from scim_provisioning.oauth import oauth_client_create

    oauth_client, _, secret = oauth_client_create(organisation=organisation)

    def basic(password):
        raw = f"{quote_plus(oauth_client.client_id)}:{quote_plus(password)}".encode()
        return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw).decode()}

    form = "application/x-www-form-urlencoded"
    issued = client.post("/scim/oauth/token", "grant_type=client_credentials", content_type=form,
                         HTTP_X_REQUEST_ID="entra-oauth-1", **basic(secret))
    assert issued.status_code == 200 and issued["X-Request-Id"] == "entra-oauth-1"
    assert SCIMEvent.objects.get(action="oauth.token_issued").request_id == "entra-oauth-1"

    refused = client.post("/scim/oauth/token", "grant_type=client_credentials", content_type=form, **basic(secret + "x"))
    assert refused.status_code == 401 and NEW_ID.fullmatch(refused["X-Request-Id"])
    assert SCIMEvent.objects.get(action="oauth.token_refused").request_id == refused["X-Request-Id"]
    assert NEW_ID.fullmatch(client.get("/scim/oauth/token")["X-Request-Id"])  # 405
