"""SAML sign-in against a real identity provider in the test process (pysaml2's IdP side,
tests/vxp_hub/saml_idp.py), through the hub's HTTP endpoints with Django's test client:
the browser follows the hub's redirect to the IdP, and posts the IdP's signed response to
the ACS, as Okta's or Entra's login page would."""

import html
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from scim_provisioning.models import SCIMEvent
from tests.factories import UserFactory
from vxp_hub import sso
from vxp_hub.models import Role, SeenSAMLAssertion

from .saml_idp import TestIdP, encode, hide_signed_assertion, wrap_with_evil_assertion

ACME_SP = "http://testserver/sso/acme/saml/metadata/"
ACME_ACS = "http://testserver/sso/acme/saml/acs/"
GLOBEX_SP = "http://testserver/sso/globex/saml/metadata/"
GLOBEX_ACS = "http://testserver/sso/globex/saml/acs/"


@pytest.fixture
def idp_a(client, organisation, other_organisation):
    """Acme's IdP, trusted by Acme; it knows both organisations' SPs (from their metadata URLs)."""
    idp = TestIdP("idp_a")
    sso.sso_configure(organisation=organisation, metadata=sso.idp_metadata_parse(idp.metadata_xml()))
    for slug in (organisation.slug, other_organisation.slug):
        idp.trust_sp(client.get(f"/sso/{slug}/saml/metadata/").content.decode())
    return idp


@pytest.fixture
def idp_b(client, organisation, other_organisation):
    """Globex's IdP, trusted by Globex only."""
    idp = TestIdP("idp_b")
    sso.sso_configure(organisation=other_organisation, metadata=sso.idp_metadata_parse(idp.metadata_xml()))
    for slug in (organisation.slug, other_organisation.slug):
        idp.trust_sp(client.get(f"/sso/{slug}/saml/metadata/").content.decode())
    return idp


@pytest.fixture
def sam(organisation, profiles):
    """A member provisioned by SCIM, with a profile; their password is unusable."""
    user = UserFactory(
        organisation=organisation, username="sam@acme.example", role=Role.MEMBER, profile=profiles["Editor"],
        scim_managed=True, given_name="Sam", family_name="Jones",
    )
    user.set_unusable_password()
    user.save()
    return user


def _post(client, xml, relay_state=None, slug="acme"):
    data = {"SAMLResponse": encode(xml)}
    if relay_state is not None:
        data["RelayState"] = relay_state
    return client.post(f"/sso/{slug}/saml/acs/", data)


def _signed_in_as(client):
    return client.session.get("_auth_user_id")


def _last_event(organisation):
    return SCIMEvent.objects.filter(organisation=organisation, action__startswith="sso.").latest("id")


# --- sign-in ---------------------------------------------------------------------------------


def test_idp_initiated_sign_in_then_the_hub_shows_the_effective_profile(client, idp_a, sam):
    response = _post(client, idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id="SAM@acme.example"))
    assert response.status_code == 302
    assert _signed_in_as(client) == str(sam.pk)

    home = client.get("/", follow=True)
    assert home.status_code == 200
    page = home.content.decode()
    assert "My account" in page
    assert 'id="current-user">Sam Jones<' in page
    assert "Editor" in page.split('id="my-profile"')[1].split("</dd>")[0]

    event = _last_event(sam.organisation)
    assert (event.action, event.outcome, event.status_code) == ("sso.sign_in", "success", 302)
    assert event.actor == sam and event.resource_type == "User" and event.resource_display == sam.username
    assert "IdP-initiated" in event.detail


def test_idp_initiated_relay_state_is_followed_only_to_this_site(client, idp_a, sam):
    response = _post(client, idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username), "/account/")
    assert response["Location"] == "/account/"
    other = Client()
    response = _post(other, idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username), "https://evil.example/")
    assert response["Location"] == "/"


def test_sp_initiated_sign_in_answers_the_request_and_returns_to_next(client, idp_a, sam):
    start = client.get("/sso/acme/saml/login/", {"next": "/account/"})
    assert start.status_code == 302
    assert start["Location"].startswith("https://idp_a.idp.example/sso/redirect?SAMLRequest=")
    authn_request = idp_a.parse_redirect(start["Location"])
    assert authn_request.assertion_consumer_service_url == ACME_ACS
    assert authn_request.issuer.text == ACME_SP

    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username, in_response_to=authn_request.id)
    response = _post(client, xml)
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert _signed_in_as(client) == str(sam.pk)
    assert client.get("/account/").status_code == 200
    assert authn_request.id in _last_event(sam.organisation).detail


def test_response_signed_instead_of_the_assertion_is_accepted(client, idp_a, sam):
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username, sign_assertion=False, sign_response=True)
    assert _post(client, xml).status_code == 302
    assert _signed_in_as(client) == str(sam.pk)


def test_configured_attribute_identifies_the_user_instead_of_the_name_id(client, idp_a, sam):
    sso.sso_configure(organisation=sam.organisation, name_id_attribute="email")
    xml = idp_a.response(
        sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id="00u1abcd", attributes={"email": [sam.username]}
    )
    assert _post(client, xml).status_code == 302
    assert _signed_in_as(client) == str(sam.pk)


def test_scim_deactivation_ends_an_sso_session(client, idp_a, sam, scim):
    assert _post(client, idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username)).status_code == 302
    assert client.get("/account/").status_code == 200
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "value": {"active": False}}]}
    assert scim.patch(f"Users/{sam.scim_link.scim_id}", patch).status_code == 200
    assert client.get("/account/").status_code == 302  # anonymous: back to the login page


# --- refusals --------------------------------------------------------------------------------


def _refused(client, response, organisation, reason_part):
    assert response.status_code == 403, response.content[:500]
    assert _signed_in_as(client) is None
    page = html.unescape(response.content.decode())
    assert "You could not be signed in" in page
    event = _last_event(organisation)
    assert (event.action, event.outcome, event.status_code) == ("sso.sign_in", "failure", 403)
    assert reason_part in event.detail, event.detail
    assert reason_part in page
    assert client.get("/account/").status_code == 302
    return event


def test_unsigned_response_is_refused(client, idp_a, sam):
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username, sign_assertion=False)
    _refused(client, _post(client, xml), sam.organisation, "it is not signed")


def test_tampered_assertion_is_refused(client, idp_a, sam, administrator):
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username)
    _refused(client, _post(client, xml.replace(f">{sam.username}<", f">{administrator.username}<")), sam.organisation, "its signature does not verify")


def test_wrong_audience_is_refused(client, idp_a, sam):
    # Acme's own IdP, a correct signature and destination, but issued for Globex's SP.
    xml = idp_a.response(sp_entity_id=GLOBEX_SP, acs_url=ACME_ACS, name_id=sam.username)
    assert f"<ns1:Audience>{GLOBEX_SP}</ns1:Audience>" in xml
    _refused(client, _post(client, xml), sam.organisation, "meant for another service provider (audience)")


def test_wrong_destination_is_refused(client, idp_a, sam):
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=GLOBEX_ACS, name_id=sam.username)
    _refused(client, _post(client, xml), sam.organisation, "not addressed to this organisation's ACS URL")


def test_expired_assertion_is_refused(client, idp_a, sam):
    # NotOnOrAfter ten minutes ago: well beyond the 60 s of clock skew allowed.
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username, lifetime_minutes=-10)
    _refused(client, _post(client, xml), sam.organisation, "expired or is not valid yet")


def test_replayed_assertion_is_refused(client, idp_a, sam):
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username)
    assert _post(client, xml).status_code == 302
    attacker = Client()
    _refused(attacker, _post(attacker, xml), sam.organisation, "already used (a replay)")


def test_expired_remembered_assertions_are_pruned(client, idp_a, sam):
    old = SeenSAMLAssertion.objects.create(
        organisation=sam.organisation, assertion_id="_old", not_on_or_after=timezone.now() - timedelta(minutes=5)
    )
    assert _post(client, idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username)).status_code == 302
    assert not SeenSAMLAssertion.objects.filter(pk=old.pk).exists()
    kept = SeenSAMLAssertion.objects.get(organisation=sam.organisation)
    assert kept.not_on_or_after > timezone.now() + timedelta(minutes=4)


def test_signature_wrapping_is_refused(client, idp_a, sam, administrator):
    # XSW: an unsigned assertion for the administrator injected before Sam's signed one.
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username)
    wrapped = wrap_with_evil_assertion(xml, victim=administrator.username, original=sam.username)
    assert wrapped.count("Assertion ") == 2 and wrapped.count("<ns2:SignatureValue>") == 1
    _refused(client, _post(client, wrapped), sam.organisation, "more than one assertion")


def test_signature_wrapping_with_the_signed_assertion_hidden_is_refused(client, idp_a, sam, administrator):
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username)
    wrapped = hide_signed_assertion(xml, victim=administrator.username, original=sam.username)
    assert "<ns0:Extensions><ns1:Assertion" in wrapped and wrapped.count("<ns2:SignatureValue>") == 1
    assert wrapped.index(f">{administrator.username}<") > wrapped.index("</ns0:Extensions>")
    _refused(client, _post(client, wrapped), sam.organisation, "it is not signed")


def test_another_organisations_idp_cannot_sign_into_this_one(client, idp_a, idp_b, sam):
    # Globex's IdP, validly signed with its own key, addressed to Acme's SP and ACS.
    xml = idp_b.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username)
    _refused(client, _post(client, xml), sam.organisation, "identity provider this organisation does not trust")
    assert not SCIMEvent.objects.filter(organisation__slug="globex", action="sso.sign_in").exists()


def test_this_organisations_idp_cannot_sign_into_another(client, idp_a, idp_b, sam, other_organisation):
    UserFactory(organisation=other_organisation, username=sam.username)  # same userName at Globex
    xml = idp_a.response(sp_entity_id=GLOBEX_SP, acs_url=GLOBEX_ACS, name_id=sam.username)
    _refused(client, _post(client, xml, slug="globex"), other_organisation, "identity provider this organisation does not trust")


def test_sp_initiated_response_from_another_browser_is_refused(client, idp_a, sam):
    start = client.get("/sso/acme/saml/login/")
    authn_request = idp_a.parse_redirect(start["Location"])
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username, in_response_to=authn_request.id)
    other = Client()  # not the browser that started the request
    _refused(other, _post(other, xml), sam.organisation, "did not start")


def test_deactivated_user_is_refused(client, idp_a, sam):
    sam.is_active = False
    sam.save()
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username)
    event = _refused(client, _post(client, xml), sam.organisation, "is deactivated")
    assert event.resource_id == str(sam.scim_link.scim_id)


def test_scim_deleted_user_is_refused(client, idp_a, sam, scim):
    assert scim.delete(f"Users/{sam.scim_link.scim_id}").status_code == 204
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username)
    _refused(client, _post(client, xml), sam.organisation, "was deleted by the identity provider")


def test_unknown_user_is_refused_and_not_created(client, idp_a, organisation):
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id="newcomer@acme.example")
    _refused(client, _post(client, xml), organisation, "No user 'newcomer@acme.example'")
    assert not organisation.users.filter(username="newcomer@acme.example").exists()


def test_user_of_another_organisation_is_unknown_here(client, idp_a, organisation, other_administrator):
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=other_administrator.username)
    _refused(client, _post(client, xml), organisation, "No user")


def test_organisation_without_sso_refuses(client, idp_a, other_organisation):
    xml = idp_a.response(sp_entity_id=GLOBEX_SP, acs_url=GLOBEX_ACS, name_id="x@globex.example")
    _refused(client, _post(client, xml, slug="globex"), other_organisation, "not configured")
    assert client.get("/sso/globex/saml/login/").status_code == 404


# --- test sign-in ----------------------------------------------------------------------------


def test_test_sign_in_shows_the_assertion_without_signing_in(client, idp_a, sam, administrator):
    client.force_login(administrator)
    start = client.get("/sso/acme/saml/login/", {"test": "1"})
    authn_request = idp_a.parse_redirect(start["Location"])
    xml = idp_a.response(
        sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id=sam.username, in_response_to=authn_request.id,
        attributes={"email": [sam.username], "givenName": ["Sam"]},
    )
    response = _post(client, xml)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Accepted" in page and f'id="sso-test-nameid">{sam.username}<' in page
    assert "givenName" in page and "Sam" in page
    assert _signed_in_as(client) == str(administrator.pk)  # still the administrator
    event = _last_event(sam.organisation)
    assert (event.action, event.outcome, event.actor) == ("sso.test_sign_in", "success", None)


def test_test_sign_in_shows_a_refusal(client, idp_a, administrator):
    client.force_login(administrator)
    authn_request = idp_a.parse_redirect(client.get("/sso/acme/saml/login/?test=1")["Location"])
    xml = idp_a.response(sp_entity_id=ACME_SP, acs_url=ACME_ACS, name_id="ghost@acme.example", in_response_to=authn_request.id)
    response = _post(client, xml)
    assert response.status_code == 200
    assert "Refused: No user" in response.content.decode()
    assert _last_event(administrator.organisation).action == "sso.test_sign_in"


def test_test_sign_in_is_for_administrators(client, idp_a, member):
    client.force_login(member)
    response = client.get("/sso/acme/saml/login/?test=1")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
