"""Settings › Organisation › General: SCIM base URL, token lifecycle, default SCIM profile."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from scim_provisioning.models import SCIMEvent, SCIMToken
from scim_provisioning.services import token_authenticate, token_generate

GENERAL = reverse("settings-general")
GENERATE = reverse("settings-general-token-generate")
REVOKE = reverse("settings-general-token-revoke")
DEFAULT_PROFILE = reverse("settings-general-default-profile")
POSTS = [GENERATE, REVOKE, DEFAULT_PROFILE]


def shown_token(response) -> str | None:
    match = re.search(r'id="scim-token">([^<]*)<', response.content.decode())
    return match.group(1) if match else None


def active_token(organisation):
    return SCIMToken.objects.filter(organisation=organisation, revoked_at__isnull=True).first()


# --- The page ---------------------------------------------------------------------------------


def test_page_shows_base_url_built_from_the_request(org_admin_client, settings):
    settings.ALLOWED_HOSTS = ["hub.example.com"]
    response = org_admin_client.get(GENERAL, HTTP_HOST="hub.example.com")
    assert response.status_code == 200
    assert 'id="scim-base-url">http://hub.example.com/scim/v2/<' in response.content.decode()


def test_page_shows_configured_base_url(org_admin_client, settings):
    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "BASE_URL": "https://hub.example.com/scim/v2/"}
    response = org_admin_client.get(GENERAL)
    assert 'id="scim-base-url">https://hub.example.com/scim/v2/<' in response.content.decode()


def test_page_is_never_cached(org_admin_client):
    assert "no-store" in org_admin_client.get(GENERAL)["Cache-Control"]


def test_page_without_a_token_offers_generate(org_admin_client):
    body = org_admin_client.get(GENERAL).content.decode()
    assert "No SCIM token" in body
    assert "Generate token" in body
    assert "Regenerate token" not in body and "Revoke token" not in body


def test_page_shows_the_token_status_but_never_the_token(org_admin_client, organisation, owner):
    token, raw = token_generate(organisation=organisation, created_by=owner)
    token_authenticate(raw)
    body = org_admin_client.get(GENERAL).content.decode()
    assert token.hint in body
    assert "by owner@acme.example" in body
    assert "Never" not in body  # it has been used
    assert raw not in body and raw[len("vxpscim_"):] not in body
    assert "Regenerate token" in body and "Revoke token" in body
    assert "stops working at once" in body


def test_page_says_when_a_token_came_from_the_command_line(org_admin_client, organisation):
    token_generate(organisation=organisation, created_by=None)
    body = org_admin_client.get(GENERAL).content.decode()
    assert "issued from the command line" in body
    assert "Never" in body  # not used yet


# --- Generate ---------------------------------------------------------------------------------


def test_generate_shows_the_token_once_and_it_works(org_admin_client, organisation, administrator):
    response = org_admin_client.post(GENERATE, {"replaces": ""})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = shown_token(response)
    assert raw and raw.startswith("vxpscim_")
    assert "shown only this once" in response.content.decode()
    assert 'id="copy-scim-token"' in response.content.decode()

    token = token_authenticate(raw)
    assert token.organisation == organisation
    assert token.created_by == administrator
    assert SCIMEvent.objects.filter(action="token.generated", token=token, actor=administrator).count() == 1

    reloaded = org_admin_client.get(GENERAL)
    assert shown_token(reloaded) is None
    assert raw not in reloaded.content.decode()
    assert token.hint in reloaded.content.decode()


def test_generate_does_not_pass_the_token_through_session_or_messages(org_admin_client):
    response = org_admin_client.post(GENERATE, {"replaces": ""})
    raw = shown_token(response)
    assert raw not in str(dict(org_admin_client.session))
    assert raw not in str(response.cookies)


def test_replaying_the_generate_post_issues_no_second_token(org_admin_client, organisation):
    first = org_admin_client.post(GENERATE, {"replaces": ""})
    raw = shown_token(first)
    replay = org_admin_client.post(GENERATE, {"replaces": ""})  # the browser's "resend" on reload
    assert replay.status_code == 409
    assert shown_token(replay) is None
    assert "Nothing was done" in replay.content.decode()
    assert SCIMToken.objects.filter(organisation=organisation).count() == 1
    assert token_authenticate(raw) is not None


def test_regenerate_needs_confirmation(org_admin_client, organisation):
    old, old_raw = token_generate(organisation=organisation)
    response = org_admin_client.post(GENERATE, {"replaces": old.pk})
    assert response.status_code == 400
    assert shown_token(response) is None
    assert "Tick the box to confirm" in response.content.decode()
    assert token_authenticate(old_raw) == old
    assert SCIMToken.objects.filter(organisation=organisation).count() == 1


def test_regenerate_with_confirmation_revokes_the_old_token_at_once(org_admin_client, organisation, administrator):
    old, old_raw = token_generate(organisation=organisation)
    response = org_admin_client.post(GENERATE, {"replaces": old.pk, "confirm": "on"})
    assert response.status_code == 200
    new_raw = shown_token(response)
    assert new_raw and new_raw != old_raw
    assert token_authenticate(old_raw) is None
    assert token_authenticate(new_raw) == active_token(organisation)
    old.refresh_from_db()
    assert old.revoked_by == administrator


def test_regenerate_from_a_stale_page_is_refused(org_admin_client, organisation):
    stale, _ = token_generate(organisation=organisation)
    current, current_raw = token_generate(organisation=organisation)  # e.g. another administrator
    response = org_admin_client.post(GENERATE, {"replaces": stale.pk, "confirm": "on"})
    assert response.status_code == 409
    assert token_authenticate(current_raw) == current


def test_generate_needs_post(org_admin_client):
    assert org_admin_client.get(GENERATE).status_code == 405


# --- Revoke -----------------------------------------------------------------------------------


def test_revoke_needs_confirmation(org_admin_client, organisation):
    token, raw = token_generate(organisation=organisation)
    response = org_admin_client.post(REVOKE, {})
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert token_authenticate(raw) == token


def test_revoke_with_confirmation(org_admin_client, organisation, administrator):
    token, raw = token_generate(organisation=organisation)
    response = org_admin_client.post(REVOKE, {"confirm": "on"}, follow=True)
    assert response.redirect_chain == [(GENERAL, 302)]
    assert f"SCIM token {token.hint} revoked" in response.content.decode()
    assert "No SCIM token" in response.content.decode()
    assert token_authenticate(raw) is None
    assert SCIMEvent.objects.filter(action="token.revoked", token=token, actor=administrator).count() == 1


def test_revoke_without_a_token(org_admin_client):
    response = org_admin_client.post(REVOKE, {"confirm": "on"}, follow=True)
    assert "no active SCIM token" in response.content.decode()


# --- Default profile for SCIM users -----------------------------------------------------------


def test_default_profile_select_lists_own_profiles_and_none(org_admin_client, profiles, other_organisation):
    body = org_admin_client.get(GENERAL).content.decode()
    assert "None — no access" in body
    for profile in profiles.values():
        assert f'<option value="{profile.pk}">{profile.name}</option>' in body
    for profile in other_organisation.profiles.all():
        assert f'value="{profile.pk}"' not in body


def test_default_profile_is_saved_and_cleared(org_admin_client, organisation, profiles):
    response = org_admin_client.post(DEFAULT_PROFILE, {"profile": profiles["Editor"].pk, "confirm": "yes"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.default_scim_profile == profiles["Editor"]
    body = org_admin_client.get(GENERAL).content.decode()
    assert f'<option value="{profiles["Editor"].pk}" selected>Editor</option>' in body

    org_admin_client.post(DEFAULT_PROFILE, {"profile": "", "confirm": "yes"})
    organisation.refresh_from_db()
    assert organisation.default_scim_profile is None


@pytest.mark.parametrize("value", ["other-organisation", "999999", "not-a-number"])
def test_default_profile_refuses_what_is_not_our_profile(org_admin_client, organisation, profiles, other_organisation, value):
    organisation_profile = profiles["Viewer"]
    org_admin_client.post(DEFAULT_PROFILE, {"profile": organisation_profile.pk, "confirm": "yes"})
    if value == "other-organisation":
        value = other_organisation.profiles.get(name="Manager").pk
    response = org_admin_client.post(DEFAULT_PROFILE, {"profile": value})
    assert response.status_code == 400
    assert "Choose one of this organisation&#x27;s profiles" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.default_scim_profile == organisation_profile


# --- Who may do it ----------------------------------------------------------------------------


def test_owner_can_generate(client, owner, organisation):
    client.force_login(owner)
    raw = shown_token(client.post(GENERATE, {"replaces": ""}))
    assert token_authenticate(raw).created_by == owner


@pytest.mark.parametrize("url", POSTS)
def test_member_gets_403_on_every_post(client, member, organisation, profiles, url):
    token, raw = token_generate(organisation=organisation)
    client.force_login(member)
    response = client.post(url, {"replaces": token.pk, "confirm": "on", "profile": profiles["Manager"].pk})
    assert response.status_code == 403
    assert token_authenticate(raw) == token
    assert SCIMToken.objects.count() == 1
    organisation.refresh_from_db()
    assert organisation.default_scim_profile is None


def test_member_gets_403_on_the_page(client, member):
    client.force_login(member)
    assert client.get(GENERAL).status_code == 403


@pytest.mark.parametrize("url", [GENERAL, *POSTS])
def test_anonymous_is_sent_to_login(client, organisation, url):
    token, raw = token_generate(organisation=organisation)
    response = client.post(url, {"replaces": token.pk, "confirm": "on"}) if url in POSTS else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert token_authenticate(raw) == token
    assert SCIMToken.objects.count() == 1


def test_another_organisations_administrator_only_ever_reaches_their_own(
    client, organisation, other_organisation, other_administrator, profiles
):
    """No URL names an organisation: another organisation's administrator works on theirs."""
    ours, ours_raw = token_generate(organisation=organisation)
    client.force_login(other_administrator)

    page = client.get(GENERAL).content.decode()
    assert ours.hint not in page and "No SCIM token" in page

    # Replaying our form (our token's id) cannot touch our token.
    assert client.post(GENERATE, {"replaces": ours.pk, "confirm": "on"}).status_code == 409
    assert client.post(REVOKE, {"confirm": "on"}).status_code == 302
    assert token_authenticate(ours_raw) == ours

    theirs_raw = shown_token(client.post(GENERATE, {"replaces": ""}))
    assert token_authenticate(theirs_raw).organisation == other_organisation
    assert token_authenticate(ours_raw) == ours

    response = client.post(DEFAULT_PROFILE, {"profile": profiles["Manager"].pk, "confirm": "yes"})
    assert response.status_code == 400
    other_organisation.refresh_from_db()
    assert other_organisation.default_scim_profile is None


def test_posts_enforce_csrf(organisation, administrator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)
    for url in POSTS:
        assert client.post(url, {"replaces": "", "confirm": "on"}).status_code == 403
    assert not SCIMToken.objects.exists()

    # With the page's CSRF token, the same request succeeds.
    page = client.get(GENERAL).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(GENERATE, {"replaces": "", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 200
    assert token_authenticate(shown_token(response)) is not None
