"""Thin fixtures over tests/factories.py."""

import pytest
from django.db import connection

from vxp_hub.models import Role
from vxp_hub.services import organisation_create

from . import factories


def pytest_collection_modifyitems(config, items):
    # Tests marked ``postgres`` use PostgreSQL specifics (EXPLAIN plans, pg_stat_activity lock waits);
    # concurrent requests run on both databases.
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
    if connection.vendor != "postgresql":
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Factories set real passwords; PBKDF2's deliberate slowness buys tests nothing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    # Counters in the cache (login throttling, rate limits) must not leak from one test to the
    # next, nor from an earlier run (a Redis cache outlives the test process); whatever CACHES
    # configures.
    _clear_cache()
    yield
    _clear_cache()


def _clear_cache():
    from django.core.cache import caches

    for alias in caches:
        try:
            caches[alias].clear()
        except Exception:
            pass  # a database cache, in a test without database access: it cannot write there either


@pytest.fixture
def organisation(db):
    return organisation_create(name="Acme", slug="acme")


@pytest.fixture
def other_organisation(db):
    return organisation_create(name="Globex", slug="globex")


@pytest.fixture
def profiles(organisation):
    """The seed profiles of ``organisation`` by name: Viewer < Contributor < Editor < Manager."""
    return {p.name: p for p in organisation.profiles.all()}


@pytest.fixture
def owner(organisation):
    return factories.UserFactory(organisation=organisation, role=Role.OWNER, username="owner@acme.example")


@pytest.fixture
def administrator(organisation):
    return factories.UserFactory(organisation=organisation, role=Role.ADMINISTRATOR, username="admin@acme.example")


@pytest.fixture
def member(organisation):
    return factories.UserFactory(organisation=organisation, role=Role.MEMBER, username="member@acme.example")


@pytest.fixture
def other_administrator(other_organisation):
    return factories.UserFactory(
        organisation=other_organisation, role=Role.ADMINISTRATOR, username="admin@globex.example"
    )


@pytest.fixture
def org_admin_client(client, administrator):
    client.force_login(administrator)
    return client


class SCIMClient:
    """Django's test client speaking SCIM with one organisation's bearer token."""

    def __init__(self, client, raw_token: str | None):
        self.client = client
        self.raw_token = raw_token

    def _headers(self, extra):
        headers = {}
        if self.raw_token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.raw_token}"
        headers.update(extra)
        return headers

    def get(self, path, data=None, **extra):
        return self.client.get(_scim(path), data, **self._headers(extra))

    def delete(self, path, **extra):
        return self.client.delete(_scim(path), **self._headers(extra))

    def _send(self, method, path, body, content_type, extra):
        import json

        payload = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return getattr(self.client, method)(_scim(path), payload, content_type=content_type, **self._headers(extra))

    def post(self, path, body, content_type="application/scim+json", **extra):
        return self._send("post", path, body, content_type, extra)

    def put(self, path, body, content_type="application/scim+json", **extra):
        return self._send("put", path, body, content_type, extra)

    def patch(self, path, body, content_type="application/scim+json", **extra):
        return self._send("patch", path, body, content_type, extra)


def _scim(path: str) -> str:
    return path if path.startswith("/") else f"/scim/v2/{path}"


@pytest.fixture
def scim_token(organisation):
    """The raw SCIM token of ``organisation``."""
    from scim_provisioning.services import token_generate

    return token_generate(organisation=organisation)[1]


@pytest.fixture
def other_scim_token(other_organisation):
    from scim_provisioning.services import token_generate

    return token_generate(organisation=other_organisation)[1]


@pytest.fixture
def scim(client, scim_token):
    """A SCIM client authenticated as ``organisation``'s identity provider."""
    return SCIMClient(client, scim_token)


@pytest.fixture
def other_scim(client, other_scim_token):
    """A SCIM client authenticated as ``other_organisation``'s identity provider."""
    return SCIMClient(client, other_scim_token)
