"""OAuth 2.0 client credentials (RFC 6749 §4.4) end to end through HTTP: the token endpoint at
/scim/oauth/token, its errors (§5.2), and access tokens accepted by SCIM like a static token."""

import base64
import logging
from datetime import timedelta
from urllib.parse import quote_plus

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from scim_provisioning.models import SCIMAccessToken, SCIMEvent, SCIMOAuthSecret
from scim_provisioning.oauth import oauth_client_create, oauth_secret_add
from tests.conftest import SCIMClient
from tests.vxp_hub.test_token_plaintext import rows_containing

TOKEN_URL = "/scim/oauth/token"
FORM = "application/x-www-form-urlencoded"
USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "new@acme.example"}


def basic(client_id, secret):
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw).decode()}


def token_request(client, body: str = "grant_type=client_credentials", **extra):
    return client.post(TOKEN_URL, body, content_type=FORM, **extra)


@pytest.fixture
def credentials(organisation):
    client, _, raw = oauth_client_create(organisation=organisation)
    return client.client_id, raw


def test_basic_auth_gives_a_bearer_token_that_scim_accepts(client, credentials, organisation):
    response = token_request(client, **basic(*credentials))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    scim = SCIMClient(client, body["access_token"])
    assert scim.get("Users").status_code == 200
    created = scim.post("Users", USER)
    assert created.status_code == 201
    event = SCIMEvent.objects.get(action="user.create")
    assert event.token is None and event.token_hint.endswith("(OAuth)")
    assert event.token_hint.startswith(SCIMOAuthSecret.objects.get().hint)


def test_credentials_in_the_form_body_work_too(client, credentials):
    client_id, secret = credentials
    body = f"grant_type=client_credentials&client_id={quote_plus(client_id)}&client_secret={quote_plus(secret)}"
    response = token_request(client, body)
    assert response.status_code == 200
    assert SCIMClient(client, response.json()["access_token"]).get("Groups").status_code == 200


def test_the_endpoint_answers_with_and_without_a_trailing_slash(client, credentials):
    assert client.post(TOKEN_URL + "/", "grant_type=client_credentials", content_type=FORM,
                       **basic(*credentials)).status_code == 200


@pytest.mark.parametrize("body,extra,status,error", [
    ("grant_type=client_credentials", {}, 401, "invalid_client"),  # no credentials
    ("grant_type=password", "basic", 400, "unsupported_grant_type"),
    ("", "basic", 400, "invalid_request"),  # grant_type missing
    ("grant_type=client_credentials&grant_type=client_credentials", "basic", 400, "invalid_request"),
    ("grant_type=client_credentials&client_id=x&client_secret=y", "basic", 400, "invalid_request"),  # both
])
def test_malformed_requests_get_rfc6749_errors(client, credentials, body, extra, status, error):
    headers = basic(*credentials) if extra == "basic" else {}
    response = token_request(client, body, **headers)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    assert response["Cache-Control"] == "no-store"
    assert not SCIMAccessToken.objects.exists()


def test_json_bodies_and_other_methods_are_refused(client, credentials):
    response = client.post(TOKEN_URL, {"grant_type": "client_credentials"}, content_type="application/json",
                           **basic(*credentials))
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    response = client.get(TOKEN_URL)
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_wrong_secret_is_401_with_www_authenticate_and_logged(client, credentials, organisation):
    client_id, secret = credentials
    response = token_request(client, **basic(client_id, secret[:-1] + ("A" if secret[-1] != "A" else "B")))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic")
    refused = SCIMEvent.objects.get(organisation=organisation, action="oauth.token_refused")
    assert refused.outcome == "failure" and "Wrong" in refused.detail
    assert not SCIMAccessToken.objects.exists()


def test_unknown_client_reads_like_a_wrong_secret(client, credentials):
    response = token_request(client, **basic("vxpscim_client_nope", credentials[1]))
    assert response.status_code == 401 and response.json()["error_description"] == "Client authentication failed."


def test_expired_secret_is_refused_and_another_active_secret_still_works(client, credentials, organisation):
    client_id, first = credentials
    oauth_client = SCIMOAuthSecret.objects.get().client
    _, second = oauth_secret_add(client=oauth_client)
    SCIMOAuthSecret.objects.filter(pk=SCIMOAuthSecret.objects.order_by("pk").first().pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    response = token_request(client, **basic(client_id, first))
    assert response.status_code == 401
    assert response.json()["error_description"] == "The client secret has expired."
    assert token_request(client, **basic(client_id, second)).status_code == 200


def test_expired_access_token_answers_401_and_a_new_one_works(client, credentials):
    raw = token_request(client, **basic(*credentials)).json()["access_token"]
    SCIMAccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = SCIMClient(client, raw).get("Users")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    fresh = token_request(client, **basic(*credentials)).json()["access_token"]
    assert SCIMClient(client, fresh).get("Users").status_code == 200
    assert SCIMAccessToken.objects.count() == 1  # the expired one was pruned


def test_another_organisations_client_sees_only_its_own_data(client, organisation, other_organisation, scim):
    assert scim.post("Users", USER).status_code == 201
    other_client, _, secret = oauth_client_create(organisation=other_organisation)
    raw = token_request(client, **basic(other_client.client_id, secret)).json()["access_token"]
    other = SCIMClient(client, raw)
    assert other.get("Users").json()["totalResults"] == 0
    user_id = scim.get("Users").json()["Resources"][0]["id"]
    assert other.get(f"Users/{user_id}").status_code == 404


def test_revoking_the_secret_or_the_client_kills_its_access_tokens(org_admin_client, client, organisation):
    created = org_admin_client.post(reverse("api-oauth-clients"), {}, content_type="application/json").json()
    raw = token_request(client, **basic(created["client_id"], created["client_secret"])).json()["access_token"]
    assert SCIMClient(client, raw).get("Users").status_code == 200
    secret_id = org_admin_client.get(reverse("api-oauth-clients")).json()["clients"][0]["secrets"][0]["id"]
    url = reverse("api-oauth-secret", args=[created["client_id"], secret_id])
    assert org_admin_client.delete(url).status_code == 204
    assert SCIMClient(client, raw).get("Users").status_code == 401
    second = org_admin_client.post(reverse("api-oauth-secrets", args=[created["client_id"]]), {},
                                   content_type="application/json").json()
    raw = token_request(client, **basic(created["client_id"], second["client_secret"])).json()["access_token"]
    assert SCIMClient(client, raw).get("Users").status_code == 200
    assert org_admin_client.delete(reverse("api-oauth-client", args=[created["client_id"]])).status_code == 204
    assert SCIMClient(client, raw).get("Users").status_code == 401
    assert token_request(client, **basic(created["client_id"], second["client_secret"])).status_code == 401


def test_secret_lifetime_is_capped_at_three_years(org_admin_client):
    response = org_admin_client.post(reverse("api-oauth-clients"), {"secret_expires_in_days": 5000},
                                     content_type="application/json")
    assert response.status_code == 400


def test_settings_page_creates_a_client_and_shows_the_secret_once(org_admin_client, client):
    response = org_admin_client.post(reverse("settings-general-oauth-secret"), {"client_id": "", "secret_days": "730"})
    page = response.content.decode()
    assert 'id="oauth-client-secret"' in page
    import re
    client_id = re.search(r'id="oauth-client-id">([^<]*)<', page).group(1)
    secret = re.search(r'id="oauth-client-secret">([^<]*)<', page).group(1)
    assert token_request(client, **basic(client_id, secret)).status_code == 200
    again = org_admin_client.get(reverse("settings-general")).content.decode()
    assert secret not in again and client_id in again
    expires = SCIMOAuthSecret.objects.get().expires_at
    assert timedelta(days=729) < expires - timezone.now() <= timedelta(days=730)


def test_service_provider_config_names_the_token_endpoint(scim):
    schemes = scim.get("ServiceProviderConfig").json()["authenticationSchemes"]
    assert [s["type"] for s in schemes] == ["oauthbearertoken", "oauth2"]
    assert "http://testserver/scim/oauth/token" in schemes[1]["description"]


def test_access_tokens_and_secrets_are_never_stored_or_logged_in_plaintext(client, organisation, caplog, capsys):
    for name in ("", "django", "django.request", "django.db.backends", "scim_provisioning", "vxp_hub"):
        caplog.set_level(logging.DEBUG, logger=name)
    call_command("scim_oauth_client", organisation="acme")
    lines = capsys.readouterr().out.splitlines()
    client_id, secret = lines[-2].split("=", 1)[1], lines[-1].split("=", 1)[1]
    assert lines[-2].startswith("client_id=") and lines[-1].startswith("client_secret=")
    raw = token_request(client, **basic(client_id, secret)).json()["access_token"]
    SCIMClient(client, raw).post("Users", USER)
    SCIMClient(client, raw + "x").get("Users")
    for needle in (raw, secret, raw[-20:], secret[-20:]):
        assert rows_containing(needle) == []
        assert needle not in caplog.text


@pytest.mark.parametrize("lifetime,ok", [(3600, True), (21600, True), (600, False), (86400, False)])
def test_access_token_lifetime_is_checked(settings, lifetime, ok):
    from scim_provisioning.checks import check_settings

    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "OAUTH_ACCESS_TOKEN_LIFETIME": lifetime}
    ids = [e.id for e in check_settings(None)]
    assert ("scim_provisioning.E007" not in ids) is ok
