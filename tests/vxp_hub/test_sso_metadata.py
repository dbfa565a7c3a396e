"""The SP metadata an administrator gives the identity provider, and the validation of the IdP
metadata the hub is given (pysaml2 parses both)."""

import pytest
from saml2.mdstore import MetadataStore
from saml2.attribute_converter import ac_factory

from vxp_hub import sso

from .saml_idp import TestIdP


def test_metadata_describes_the_organisations_service_provider(client, organisation):
    response = client.get(f"/sso/{organisation.slug}/saml/metadata/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    store = MetadataStore(ac_factory(), None)
    store.load("inline", response.content.decode())
    entity_id = "http://testserver/sso/acme/saml/metadata/"
    assert store.service_providers() == [entity_id]
    acs = store.assertion_consumer_service(entity_id)
    assert [(a["location"], a["binding"]) for a in acs] == [
        ("http://testserver/sso/acme/saml/acs/", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
    ]


def test_metadata_of_an_unknown_organisation_is_404(client, db):
    assert client.get("/sso/nobody/saml/metadata/").status_code == 404


def test_idp_metadata_is_parsed_for_its_entity_id():
    parsed = sso.idp_metadata_parse(TestIdP("idp_a").metadata_xml())
    assert parsed.entity_id == "https://idp_a.idp.example/metadata"


@pytest.mark.parametrize(
    "xml, message",
    [
        ("", "empty"),
        ("<not-saml/>", "exactly one identity provider"),
        ("this is not xml", "not valid SAML metadata"),
    ],
)
def test_invalid_idp_metadata_is_refused(xml, message):
    with pytest.raises(sso.MetadataError, match=message):
        sso.idp_metadata_parse(xml)


def test_sp_metadata_is_not_idp_metadata(client, organisation):
    sp_xml = client.get(f"/sso/{organisation.slug}/saml/metadata/").content
    with pytest.raises(sso.MetadataError, match="exactly one identity provider"):
        sso.idp_metadata_parse(sp_xml)
