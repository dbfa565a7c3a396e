"""Settings › Organisation › Single sign-on, the login page's single sign-on, the password rule
when SSO is required, and ``manage.py sso_configure``."""

import html
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from scim_provisioning.models import SCIMEvent
from tests.factories import PASSWORD
from vxp_hub import sso
from vxp_hub.models import SSOConfiguration

from .saml_idp import TestIdP

URL = "/settings/organisation/sso/"


@pytest.fixture
def idp_xml():
    return TestIdP("idp_a").metadata_xml()


@pytest.fixture
def configured(organisation, idp_xml):
    return sso.sso_configure(organisation=organisation, metadata=sso.idp_metadata_parse(idp_xml))


@pytest.fixture
def metadata_server(idp_xml):
    """A small HTTP server in the test process publishing the IdP's metadata, as Okta and Entra
    publish theirs at a metadata URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/metadata.xml":
                self.send_error(404)
                return
            body = idp_xml.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _login(client, organisation, username, password=PASSWORD):
    return client.post("/accounts/login/", {"organisation": organisation.slug, "username": username, "password": password})


# --- the settings page -----------------------------------------------------------------------


def test_page_shows_the_values_to_paste_into_the_idp(org_admin_client, organisation):
    response = org_admin_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<code class="token" id="sso-acs-url">http://testserver/sso/acme/saml/acs/</code>' in page
    assert '<code class="token" id="sso-entity-id">http://testserver/sso/acme/saml/metadata/</code>' in page
    assert '<code class="token" id="sso-metadata-url">http://testserver/sso/acme/saml/metadata/</code>' in page
    for target in ("sso-acs-url", "sso-entity-id", "sso-metadata-url"):
        assert f'data-copy="{target}"' in page
    assert "SCIM provisioning is the source of users" in page
    assert "Not configured" in page and 'id="sso-test"' not in page
    assert 'aria-current="page">Single sign-on<' in page


def test_sso_base_url_setting_names_the_public_host(org_admin_client, settings):
    settings.SSO_BASE_URL = "https://hub.example.com"
    page = org_admin_client.get(URL).content.decode()
    assert "https://hub.example.com/sso/acme/saml/acs/" in page


def test_members_cannot_open_the_page(client, member):
    client.force_login(member)
    assert client.get(URL).status_code == 403


def test_uploading_idp_metadata_configures_sso(org_admin_client, organisation, idp_xml):
    upload = SimpleUploadedFile("okta.xml", idp_xml.encode(), content_type="application/xml")
    response = org_admin_client.post(URL, {"metadata_file": upload, "name_id_attribute": ""})
    assert response.status_code == 302
    config = SSOConfiguration.objects.get(organisation=organisation)
    assert config.idp_entity_id == "https://idp_a.idp.example/metadata"
    assert config.require_sso is False
    page = org_admin_client.get(URL).content.decode()
    assert "https://idp_a.idp.example/metadata" in page
    assert 'href="/sso/acme/saml/login/?test=1"' in page  # Test sign-in


@pytest.mark.parametrize("content", [b"<html>not metadata</html>", b"\xff\xfe garbage", b""])
def test_invalid_metadata_is_refused_and_nothing_is_saved(org_admin_client, organisation, configured, content):
    upload = SimpleUploadedFile("bad.xml", content, content_type="application/xml")
    response = org_admin_client.post(URL, {"metadata_file": upload, "require_sso": "on"})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    # pysaml2's verdict, or Django's own for an empty upload
    assert any(m in page for m in ("exactly one identity provider", "not UTF-8", "The submitted file is empty"))
    configured.refresh_from_db()
    assert configured.idp_entity_id == "https://idp_a.idp.example/metadata" and configured.require_sso is False


def test_metadata_url_is_fetched_on_save(org_admin_client, organisation, metadata_server):
    response = org_admin_client.post(URL, {"metadata_url": f"{metadata_server}/metadata.xml"})
    assert response.status_code == 302
    config = SSOConfiguration.objects.get(organisation=organisation)
    assert config.idp_entity_id == "https://idp_a.idp.example/metadata"
    assert config.idp_metadata_url == f"{metadata_server}/metadata.xml"


def test_metadata_url_that_fails_saves_nothing(org_admin_client, organisation, metadata_server):
    response = org_admin_client.post(URL, {"metadata_url": f"{metadata_server}/missing.xml"})
    assert response.status_code == 400
    assert "answered HTTP 404" in response.content.decode()
    assert not SSOConfiguration.objects.filter(organisation=organisation).exists()


def test_require_sso_needs_metadata_first(org_admin_client, organisation):
    response = org_admin_client.post(URL, {"require_sso": "on"})
    assert response.status_code == 400
    assert "before requiring single sign-on" in response.content.decode()
    assert not SSOConfiguration.objects.filter(organisation=organisation, require_sso=True).exists()


def test_require_sso_is_saved(org_admin_client, configured):
    assert org_admin_client.post(URL, {"require_sso": "on"}).status_code == 302
    configured.refresh_from_db()
    assert configured.require_sso is True
    assert configured.idp_entity_id  # metadata kept
    assert "Members must sign in with single sign-on" in org_admin_client.get(URL).content.decode()


# --- password sign-in when SSO is required ---------------------------------------------------


def test_member_cannot_use_a_password_once_sso_is_required(client, configured, member):
    configured.require_sso = True
    configured.save()
    response = _login(client, member.organisation, member.username)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    page = html.unescape(response.content.decode())
    assert "Acme requires single sign-on for members" in page
    assert 'href="/sso/acme/saml/login/"' in page


@pytest.mark.parametrize("who", ["owner", "administrator"])
def test_owners_and_administrators_keep_their_password(client, configured, request, who):
    configured.require_sso = True
    configured.save()
    user = request.getfixturevalue(who)
    response = _login(client, user.organisation, user.username)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_member_uses_a_password_while_sso_is_optional(client, configured, member):
    assert _login(client, member.organisation, member.username).status_code == 302


def test_wrong_password_is_still_just_a_wrong_password(client, configured, member):
    configured.require_sso = True
    configured.save()
    response = _login(client, member.organisation, member.username, "wrong-password")
    assert "requires single sign-on" not in html.unescape(response.content.decode())


# --- the login page --------------------------------------------------------------------------


def test_login_page_offers_sso_once_the_organisation_is_known(client, configured):
    page = client.get("/accounts/login/", {"organisation": "acme", "next": "/account/"}).content.decode()
    assert "Sign in with single sign-on" in page
    assert 'href="/sso/acme/saml/login/?next=%2Faccount%2F"' in page
    assert 'value="acme"' in page  # the password form knows the organisation too


def test_login_page_asks_for_the_organisation_otherwise(client, configured):
    page = client.get("/accounts/login/").content.decode()
    assert 'action="/sso/"' in page and "Sign in with single sign-on" in page
    response = client.get("/sso/", {"organisation": "acme", "next": "/account/"})
    assert response.status_code == 302 and response["Location"] == "/sso/acme/saml/login/?next=%2Faccount%2F"


def test_organisation_without_sso_is_told_so(client, configured, other_organisation):
    response = client.get("/sso/", {"organisation": "globex"}, follow=True)
    assert "Single sign-on is not set up for “globex”" in html.unescape(response.content.decode())


# --- manage.py sso_configure -----------------------------------------------------------------


def test_command_configures_sso_from_a_metadata_file(organisation, idp_xml, tmp_path, capsys):
    path = tmp_path / "idp.xml"
    path.write_text(idp_xml)
    call_command("sso_configure", "--organisation", "acme", "--metadata-file", str(path), "--require-sso",
                 "--base-url", "https://hub.example.com")
    config = SSOConfiguration.objects.get(organisation=organisation)
    assert config.idp_entity_id == "https://idp_a.idp.example/metadata" and config.require_sso is True
    out = capsys.readouterr().out
    assert "ACS URL: https://hub.example.com/sso/acme/saml/acs/" in out
    call_command("sso_configure", "--organisation", "acme", "--no-require-sso")
    config.refresh_from_db()
    assert config.require_sso is False and config.idp_entity_id


def test_command_refuses_invalid_metadata(organisation, tmp_path):
    path = tmp_path / "idp.xml"
    path.write_text("<nope/>")
    with pytest.raises(CommandError, match="Nothing was saved"):
        call_command("sso_configure", "--organisation", "acme", "--metadata-file", str(path))
    with pytest.raises(CommandError, match="No organisation"):
        call_command("sso_configure", "--organisation", "nobody", "--metadata-file", str(path))
    assert not SSOConfiguration.objects.exists()
    assert not SCIMEvent.objects.filter(action__startswith="sso.").exists()
