"""/api/scim-token/: status, generate, revoke; owners and administrators of one organisation."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from scim_provisioning.models import SCIMEvent, SCIMToken
from scim_provisioning.services import token_authenticate, token_generate

URL = reverse("api-scim-token")


def test_status_without_a_token(org_admin_client):
    response = org_admin_client.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "active": False,
        "hint": None,
        "created_at": None,
        "created_by": None,
        "last_used_at": None,
        "expires_at": None,
        "base_url": "http://testserver/scim/v2/",
        "rotation_in_progress": False,
        "tokens": [],
    }


def test_status_with_a_token(org_admin_client, organisation, owner):
    token, raw = token_generate(organisation=organisation, created_by=owner)
    token_authenticate(raw)
    token.refresh_from_db()
    body = org_admin_client.get(URL).json()
    assert body["active"] is True
    assert body["hint"] == token.hint
    assert body["created_by"] == "owner@acme.example"
    assert body["created_at"] and body["last_used_at"]
    assert raw not in str(body)


def test_status_uses_the_configured_base_url(org_admin_client, settings):
    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "BASE_URL": "https://hub.example.com/scim/v2/"}
    assert org_admin_client.get(URL).json()["base_url"] == "https://hub.example.com/scim/v2/"


def test_generate_returns_the_token_once(org_admin_client, organisation, administrator):
    response = org_admin_client.post(URL)
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    token = token_authenticate(body["token"])
    assert token.organisation == organisation and token.created_by == administrator
    assert body["active"] is True and body["hint"] == token.hint and body["created_by"] == administrator.username
    assert SCIMEvent.objects.filter(action="token.generated", token=token, actor=administrator).exists()

    status = org_admin_client.get(URL)
    assert "token" not in status.json()
    assert body["token"] not in status.content.decode()


def test_generate_again_revokes_the_previous_token(org_admin_client, organisation):
    first = org_admin_client.post(URL).json()["token"]
    second = org_admin_client.post(URL).json()["token"]
    assert token_authenticate(first) is None
    assert token_authenticate(second) is not None
    assert SCIMToken.objects.filter(organisation=organisation, revoked_at__isnull=True).count() == 1


def test_revoke(org_admin_client, organisation, administrator):
    token, raw = token_generate(organisation=organisation)
    response = org_admin_client.delete(URL)
    assert response.status_code == 204
    assert token_authenticate(raw) is None
    assert SCIMEvent.objects.filter(action="token.revoked", token=token, actor=administrator).exists()
    assert org_admin_client.get(URL).json()["active"] is False


def test_revoke_without_a_token_is_404(org_admin_client):
    assert org_admin_client.delete(URL).status_code == 404


def test_owner_may_use_the_api(client, owner):
    client.force_login(owner)
    assert client.post(URL).status_code == 201


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_member_gets_403(client, member, organisation, method):
    token, raw = token_generate(organisation=organisation)
    client.force_login(member)
    response = getattr(client, method)(URL)
    assert response.status_code == 403
    assert token.hint not in response.content.decode()
    assert token_authenticate(raw) == token and SCIMToken.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_anonymous_is_refused(client, organisation, method):
    token, raw = token_generate(organisation=organisation)
    response = getattr(client, method)(URL)
    assert response.status_code in (401, 403)
    assert token.hint not in response.content.decode()
    assert token_authenticate(raw) == token and SCIMToken.objects.count() == 1


def test_another_organisations_administrator_only_reaches_their_own(client, organisation, other_administrator):
    ours, ours_raw = token_generate(organisation=organisation)
    client.force_login(other_administrator)
    assert client.get(URL).json()["active"] is False
    assert client.delete(URL).status_code == 404
    theirs = client.post(URL).json()["token"]
    assert token_authenticate(theirs).organisation == other_administrator.organisation
    assert token_authenticate(ours_raw) == ours


def test_unsafe_methods_enforce_csrf(organisation, administrator):
    token, raw = token_generate(organisation=organisation)
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)
    assert client.get(URL).status_code == 200
    assert client.post(URL).status_code == 403
    assert client.delete(URL).status_code == 403
    assert token_authenticate(raw) == token and SCIMToken.objects.count() == 1

    page = client.get(reverse("settings-general")).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(URL, HTTP_X_CSRFTOKEN=csrf).status_code == 201
