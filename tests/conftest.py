"""Thin fixtures over tests/factories.py."""

import pytest
from django.db import connection

from vxp_hub.models import Role
from vxp_hub.services import organisation_create

from . import factories


def pytest_collection_modifyitems(config, items):
    # Tests marked ``postgres`` exercise row locks and concurrent transactions; SQLite cannot.
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
    if connection.vendor != "postgresql":
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


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
