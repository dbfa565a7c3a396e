"""Fixtures of the compliance suites: the real server (pytest-django's ``live_server``, a
threaded WSGI server on 127.0.0.1) and a fresh organisation with its SCIM token; or, with
``SCIM_TARGET_URL`` and ``SCIM_TARGET_TOKEN``, any running SCIM server and its token
(``target.py``).

Test modules take ``pytestmark = target.marks``: locally that includes
``django_db(transaction=True)`` (the server thread must see what the test wrote, so nothing may
stay inside a test transaction); against an external target, no database access at all.
"""

import itertools
import secrets
import os
from dataclasses import dataclass, field

import pytest

from scim_provisioning.services import token_generate
from vxp_hub.models import Organisation
from vxp_hub.services import organisation_create, user_create

from ..factories import TeamFactory
from . import target
from .http import ENTRA, OKTA, OKTA_RUNSCOPE, USER_URN, SCIMHttp, expect, expect_list

# Loopback only: the live server binds this address (pytest-django's default is "localhost").
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

_slugs = itertools.count(1)


def scim_id(user) -> str:
    """The SCIM id of a hub user (the one place the suites read a user's SCIM state)."""
    return str(user.scim_link.scim_id)


@dataclass
class Tenant:
    organisation: Organisation | None  # None: an external target (target.EXTERNAL)
    token: str
    base_url: str  # ends in /scim/v2/
    # A shared tenant (external target) persists across tests and already holds users: totals
    # can only be asserted relative to what a test created.
    shared: bool = field(default=False)

    def client(self, profile: dict | None = None) -> SCIMHttp:
        return SCIMHttp(self.base_url, token=self.token, profile=dict(profile or {}))

    def user(self, username: str, given: str = "", family: str = "", *, by_hand: bool = False) -> str:
        """An ordinary member that exists before the test's own SCIM traffic; its SCIM id.

        Locally it is made in the hub's database. Against an external target: by the setup hook
        when ``by_hand`` (the test is about a user the identity provider did not create) and the
        hook is set, else through ``POST /Users``."""
        if self.organisation is not None:
            return scim_id(user_create(organisation=self.organisation, username=username,
                                       given_name=given, family_name=family))
        scim = self.client(ENTRA)
        if by_hand and target.SETUP:
            target.run_setup("user", username, given, family)
            found = expect_list(scim.get("Users", params={"filter": f'userName eq "{username}"'}), total=1)
            return found["Resources"][0]["id"]
        body = {"schemas": [USER_URN], "userName": username, "active": True,
                "name": {"givenName": given or "Given", "familyName": family or "Family"},
                "emails": [{"primary": True, "type": "work", "value": username}]}
        return expect(scim.post("Users", body), 201)["id"]

    def team(self, name: str) -> str:
        """A team made by hand in the host (not through SCIM); its SCIM id. Against an external
        target, by the setup hook (mark the test ``target.needs_setup_hook``)."""
        if self.organisation is not None:
            return str(TeamFactory(organisation=self.organisation, name=name).scim_id)
        target.run_setup("team", name)
        found = expect_list(self.client(ENTRA).get("Groups", params={"filter": f'displayName eq "{name}"'}), total=1)
        return found["Resources"][0]["id"]


def make_tenant(live_server, name: str) -> Tenant:
    """A new organisation (no users: the checkers create their own, and owners/administrators
    are protected from SCIM writes) and its SCIM token."""
    slug = f"{name.lower().replace(' ', '-')}-{next(_slugs)}"
    organisation = organisation_create(name=name, slug=slug)
    _, raw = token_generate(organisation=organisation)
    return Tenant(organisation, raw, f"{live_server.url}/scim/v2/")


if target.EXTERNAL:
    @pytest.fixture
    def tenant() -> Tenant:
        return Tenant(None, target.TOKEN, target.URL, shared=True)
else:
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
def existing_user(tenant) -> str:
    """One ordinary member created before the test (in the hub by hand; through SCIM against an
    external target): Okta's SPEC test needs the directory to hold a user before it starts
    (scim-clients.md §2.3). Its SCIM id."""
    return tenant.user(f"existing.member.{secrets.token_hex(4)}@compliance.example", "Existing", "Member")


def pytest_collection_modifyitems(config, items):
    # scim2-tester lists /Users without paging and looks for the user it just created on the first
    # page; on a shared tenant (external target) the other suites leave hundreds of users behind,
    # so it runs first there. Locally every test has a fresh organisation: the order stays.
    if target.EXTERNAL:
        items.sort(key=lambda item: "test_scim2_tester.py" not in item.nodeid)


def pytest_terminal_summary(terminalreporter):
    from . import summary

    if summary.all_text():
        terminalreporter.section("SCIM compliance: scim2-tester")
        terminalreporter.write_line(summary.all_text())
