"""The package's defaults carry no hub wording: a host that sets only its backend gets a
neutral token prefix and a ServiceProviderConfig that names no settings page of ours."""

import pytest

from scim_provisioning.services import token_generate
from tests.conftest import SCIMClient


@pytest.fixture
def host_defaults(settings):
    settings.SCIM_PROVISIONING = {"BACKEND": settings.SCIM_PROVISIONING["BACKEND"]}


@pytest.mark.django_db
def test_default_token_prefix_is_neutral(organisation, host_defaults):
    _, raw = token_generate(organisation=organisation)

    assert raw.startswith("scim_") and not raw.startswith("vxp")


@pytest.mark.django_db
def test_default_service_provider_config_names_no_hub_page(client, organisation, host_defaults):
    _, raw = token_generate(organisation=organisation)

    body = SCIMClient(client, raw).get("ServiceProviderConfig").json()

    scheme = body["authenticationSchemes"][0]
    assert "Settings" not in scheme["description"] and "Bearer" in scheme["description"]


@pytest.mark.django_db
def test_the_hub_keeps_its_own_wording(scim):
    scheme = scim.get("ServiceProviderConfig").json()["authenticationSchemes"][0]

    assert "Settings › Organisation › General" in scheme["description"]
