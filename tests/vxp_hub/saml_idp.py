"""A real SAML 2.0 identity provider in the test process: pysaml2's IdP side (saml2.server),
with its own key and certificate (saml_fixtures/, made once with ``openssl req -x509``).

It publishes its metadata (what an administrator uploads into the hub), reads the SP's
metadata from the hub's own metadata URL, parses the hub's AuthnRequests, and issues signed
responses that the tests post to the hub's ACS with Django's test client, as a browser would.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server

FIXTURES = Path(__file__).parent / "saml_fixtures"


def _idp_conf(name: str, *, lifetime_minutes: int = 5, sp_metadata: list[str] | None = None) -> IdPConfig:
    base = f"https://{name}.idp.example"
    conf = {
        "entityid": f"{base}/metadata",
        "xmlsec_binary": shutil.which("xmlsec1"),
        "key_file": str(FIXTURES / f"{name}.key"),
        "cert_file": str(FIXTURES / f"{name}.crt"),
        "service": {
            "idp": {
                "name": f"Test IdP {name}",
                "endpoints": {
                    "single_sign_on_service": [
                        (f"{base}/sso/redirect", BINDING_HTTP_REDIRECT),
                        (f"{base}/sso/post", BINDING_HTTP_POST),
                    ]
                },
                "policy": {"default": {"lifetime": {"minutes": lifetime_minutes}, "name_form": NAME_FORMAT_URI}},
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
            }
        },
    }
    if sp_metadata:
        conf["metadata"] = {"inline": sp_metadata}
    config = IdPConfig()
    config.load(conf)
    return config


class TestIdP:
    __test__ = False  # not a pytest class

    def __init__(self, name: str = "idp_a"):
        self.name = name
        self.sp_metadata: list[str] = []

    @property
    def entity_id(self) -> str:
        return f"https://{self.name}.idp.example/metadata"

    def metadata_xml(self) -> str:
        return create_metadata_string(None, config=_idp_conf(self.name), sign=False).decode()

    def trust_sp(self, sp_metadata_xml: str) -> None:
        """Load an SP's metadata, as fetched from the hub's /sso/<slug>/saml/metadata/."""
        self.sp_metadata.append(sp_metadata_xml)

    def server(self, *, lifetime_minutes: int = 5) -> Server:
        return Server(config=_idp_conf(self.name, lifetime_minutes=lifetime_minutes, sp_metadata=self.sp_metadata))

    def parse_redirect(self, location: str):
        """The AuthnRequest the hub redirected the browser to us with."""
        query = parse_qs(urlparse(location).query)
        request = self.server().parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        return request.message

    def response(
        self,
        *,
        sp_entity_id: str,
        acs_url: str,
        name_id: str,
        in_response_to: str | None = None,
        attributes: dict | None = None,
        sign_assertion: bool = True,
        sign_response: bool = False,
        lifetime_minutes: int = 5,
    ) -> str:
        """A SAML response for ``name_id``, as the XML text (not yet base64)."""
        server = self.server(lifetime_minutes=lifetime_minutes)
        response = server.create_authn_response(
            identity=attributes or {"email": [name_id], "givenName": ["Test"]},
            in_response_to=in_response_to,
            destination=acs_url,
            sp_entity_id=sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=name_id),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
            sign_assertion=sign_assertion,
            sign_response=sign_response,
            # What Okta and Entra use.
            sign_alg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            digest_alg="http://www.w3.org/2001/04/xmlenc#sha256",
        )
        return str(response)


def encode(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


ASSERTION = re.compile(r"<(?P<p>[\w]+:)?Assertion\b.*?</(?P=p)Assertion>", re.S)
SIGNATURE = re.compile(r"<(?P<p>[\w]+:)?Signature\b.*?</(?P=p)Signature>", re.S)


def hide_signed_assertion(xml: str, *, victim: str, original: str) -> str:
    """Signature wrapping, the other classic shape: the signed assertion is moved into the
    response's <samlp:Extensions> (where a naive verifier still finds a valid signature), and
    an unsigned assertion for the victim takes its place."""
    signed = ASSERTION.search(xml).group(0)
    evil = SIGNATURE.sub("", signed, count=1)
    evil = re.sub(r'ID="[^"]+"', 'ID="_evil0000000000000000000000000000"', evil, count=1)
    evil = evil.replace(f">{original}<", f">{victim}<")
    protocol = re.match(r".*?<(\w+):Response\b", xml, re.S).group(1)
    status = re.search(rf"<{protocol}:Status>", xml).start()
    with_extension = xml[:status] + f"<{protocol}:Extensions>{signed}</{protocol}:Extensions>" + xml[status:]
    return with_extension.replace(f"</{protocol}:Status>{signed}", f"</{protocol}:Status>{evil}", 1)


def wrap_with_evil_assertion(xml: str, *, victim: str, original: str) -> str:
    """Signature wrapping (XSW): copy the signed assertion, strip the copy's signature, give
    it a new ID and another subject, and put it before the signed one. The signed original
    stays byte-for-byte, so its signature still verifies."""
    signed = ASSERTION.search(xml).group(0)
    evil = SIGNATURE.sub("", signed, count=1)
    evil = re.sub(r'ID="[^"]+"', 'ID="_evil0000000000000000000000000000"', evil, count=1)
    evil = evil.replace(f">{original}<", f">{victim}<")
    return xml.replace(signed, evil + signed, 1)
