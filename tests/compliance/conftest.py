"""Fixtures of the compliance suites: the real server (pytest-django's ``live_server``, a
threaded WSGI server on 127.0.0.1) and a fresh organisation with its SCIM token.

Tests using them need ``@pytest.mark.django_db(transaction=True)``: the server thread must see
what the test wrote, so nothing may stay inside a test transaction.
"""

import itertools
import os
from dataclasses import dataclass

import pytest

from scim_provisioning.services import token_generate
from vxp_hub.models import Organisation
from vxp_hub.services import organisation_create, user_create

from .http import ENTRA, OKTA, OKTA_RUNSCOPE, SCIMHttp

# Loopback only: the live server binds this address (pytest-django's default is "localhost").
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

_slugs = itertools.count(1)


@dataclass
class Tenant:
    organisation: Organisation
    token: str
    base_url: str  # ends in /scim/v2/

    def client(self, profile: dict | None = None) -> SCIMHttp:
        return SCIMHttp(self.base_url, token=self.token, profile=dict(profile or {}))


def make_tenant(live_server, name: str) -> Tenant:
    """A new organisation (no users: the checkers create their own, and owners/administrators
    are protected from SCIM writes) and its SCIM token."""
    slug = f"{name.lower().replace(' ', '-')}-{next(_slugs)}"
    organisation = organisation_create(name=name, slug=slug)
    _, raw = token_generate(organisation=organisation)
    return Tenant(organisation, raw, f"{live_server.url}/scim/v2/")


@pytest.fixture
def tenant(live_server, transactional_db) -> Tenant:
    return make_tenant(live_server, "Compliance")


@pytest.fixture
def okta(tenant) -> SCIMHttp:
    """Okta's provisioning client (OIN app): ``Okta SCIM Client 1.0.0``."""
    return tenant.client(OKTA)


@pytest.fixture
def runscope(tenant) -> SCIMHttp:
    """Okta's Runscope/BlazeMeter test runner (SPEC test)."""
    return tenant.client(OKTA_RUNSCOPE)


@pytest.fixture
def entra(tenant) -> SCIMHttp:
    return tenant.client(ENTRA)


@pytest.fixture
def existing_user(tenant):
    """One ordinary member created in the hub by hand: Okta's SPEC test needs the directory to
    hold a user before it starts (scim-clients.md §2.3)."""
    return user_create(organisation=tenant.organisation, username="existing.member@compliance.example",
                       given_name="Existing", family_name="Member")


def pytest_terminal_summary(terminalreporter):
    from . import summary

    if summary.all_text():
        terminalreporter.section("SCIM compliance: scim2-tester")
        terminalreporter.write_line(summary.all_text())
