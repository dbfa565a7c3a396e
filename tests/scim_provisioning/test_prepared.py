"""``scim_provisioning.prepared``: a read compiled once gives what the ORM gives, every time,
for every organisation, in every thread; what it cannot follow goes through the ORM."""

import threading
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scim_provisioning.adapters.users import UserAdapter
from scim_provisioning.models import SCIMToken, SCIMUser
from scim_provisioning.prepared import PreparedRead
from scim_provisioning.projection import Projection
from scim_provisioning.services import token_generate
from tests.factories import TeamFactory, TeamMembershipFactory, UserFactory

FULL = Projection()


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _users_read(organisation, scim_id):
    return UserAdapter.get_visible(organisation=organisation, projection=FULL, scim_id=scim_id)


@pytest.mark.django_db(transaction=True)
def test_a_prepared_read_gives_the_instances_the_orm_gives(organisation):
    users = [UserFactory(organisation=organisation) for _ in range(3)]
    manager = users[0].scim_link
    SCIMUser.objects.filter(pk=users[1].scim_link.pk).update(manager=manager)
    TeamMembershipFactory(team=TeamFactory(organisation=organisation, name="Ops"), user=users[1])
    queryset = UserAdapter.queryset(organisation=organisation, projection=FULL)
    for user in users:
        link = user.scim_link
        prepared = _users_read(organisation, link.scim_id)
        expected = queryset.get(pk=link.pk)
        assert _fields(prepared) == _fields(expected)
        assert (prepared.email_rows, prepared.group_rows) == (expected.email_rows, expected.group_rows)
        assert (prepared.manager and prepared.manager.scim_id) == (expected.manager and expected.manager.scim_id)
    assert _users_read(organisation, uuid.uuid4()) is None


@pytest.mark.django_db(transaction=True)
def test_each_organisation_reads_only_its_own_users(organisation, other_organisation):
    mine = UserFactory(organisation=organisation).scim_link
    theirs = UserFactory(organisation=other_organisation).scim_link
    assert _users_read(organisation, mine.scim_id).pk == mine.pk
    assert _users_read(other_organisation, theirs.scim_id).pk == theirs.pk
    # Each organisation's plan carries its own tenant: neither reads the other's user.
    assert _users_read(organisation, theirs.scim_id) is None
    assert _users_read(other_organisation, mine.scim_id) is None


@pytest.mark.django_db(transaction=True)
def test_a_plan_made_in_one_thread_runs_on_another_threads_connection(organisation):
    link = UserFactory(organisation=organisation).scim_link
    assert _users_read(organisation, link.scim_id).pk == link.pk  # planned here
    found, errors = [], []

    def read():
        try:
            found.append(_users_read(organisation, link.scim_id).pk)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and found == [link.pk] * 4


@pytest.mark.django_db
def test_the_token_lookup_is_one_statement_with_its_organisation_and_settings(organisation):
    token, raw = token_generate(organisation=organisation)
    from scim_provisioning.services import credential_authenticate

    credential_authenticate(raw)  # plan, and the first use's bookkeeping
    with CaptureQueriesContext(connection) as queries:
        found = credential_authenticate(raw)
    assert len(queries) == 1
    assert found.pk == token.pk and found.organisation.slug == "acme"
    with CaptureQueriesContext(connection) as queries:
        has_settings = hasattr(found.organisation, "scim_settings")  # joined: known absent, no query
    assert (has_settings, len(queries)) == (False, 0)


@pytest.mark.django_db
def test_a_queryset_it_cannot_follow_goes_through_the_orm(organisation):
    """``startswith`` turns the argument into ``x%``: no parameter is the argument as it is,
    so the read is not prepared, and still answers right."""
    UserFactory(organisation=organisation, username="ada@acme.example")
    UserFactory(organisation=organisation, username="bob@acme.example")
    starting = PreparedRead(lambda prefix: SCIMUser.objects.filter(user_name__startswith=prefix))
    assert [u.user_name for u in starting.fetch("ada")] == ["ada@acme.example"]
    assert [u.user_name for u in starting.fetch("bob")] == ["bob@acme.example"]
    assert starting._plans == {("default", None, (str,)): False}


@pytest.mark.django_db
def test_changed_settings_drop_every_plan(organisation, settings):
    by_digest = PreparedRead(lambda digest: SCIMToken.objects.filter(digest=digest))
    by_digest.fetch("0" * 64)
    assert by_digest._plans
    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING}
    assert by_digest._plans == {}


@pytest.mark.django_db
def test_a_prepared_lookup_matches_what_the_filter_means_and_nothing_else(scim, organisation, other_organisation):
    """``_`` and ``%`` are LIKE wildcards: a lookup of ``a_b@x`` must not find ``aXb@x``, on a
    database whose case-insensitive comparison is a LIKE (SQLite) or not (PostgreSQL)."""
    for name in ("a_b@acme.example", "aXb@acme.example", "100%@acme.example", "1000@acme.example"):
        UserFactory(organisation=organisation, username=name)
    UserFactory(organisation=other_organisation, username="other@acme.example")
    for _ in range(2):  # planned, then prepared
        for value, expected in (("a_b@acme.example", ["a_b@acme.example"]), ("A_B@ACME.EXAMPLE", ["a_b@acme.example"]),
                                ("100%@acme.example", ["100%@acme.example"]), ("a%", []),
                                ("other@acme.example", [])):
            body = scim.get("Users", {"filter": f'userName eq "{value}"'}).json()
            assert [r["userName"] for r in body["Resources"]] == expected, value
            assert body["totalResults"] == len(expected)
    for _ in range(2):  # sw adds to the value ("a\\_%"): never prepared, still exact
        body = scim.get("Users", {"filter": 'userName sw "a_"'}).json()
        assert [r["userName"] for r in body["Resources"]] == ["a_b@acme.example"]
    # Prepared on both databases: SQLite's iexact is a LIKE with the value escaped as Django escapes it.
    from scim_provisioning.adapters.users import _USERS_WHERE

    plans = [plan for (_, key, _), plan in _USERS_WHERE._plans.items() if key[3] == "user_name__iexact"]
    assert plans and all(plan is not False for plan in plans)


@pytest.mark.django_db
def test_a_prepared_external_id_lookup_is_case_exact(scim, organisation):
    link = UserFactory(organisation=organisation).scim_link
    SCIMUser.objects.filter(pk=link.pk).update(external_id="00uAbC")
    for _ in range(2):
        assert scim.get("Users", {"filter": 'externalId eq "00uAbC"'}).json()["totalResults"] == 1
        assert scim.get("Users", {"filter": 'externalId eq "00uabc"'}).json()["totalResults"] == 0


@pytest.mark.django_db
def test_arguments_of_another_type_get_their_own_plan_and_unknown_types_the_orm(organisation):
    """A host's organisation key may be a UUID where ours is an integer: the plan follows the
    arguments' types; a type with no stand-in (a date) reads through the ORM."""
    link = UserFactory(organisation=organisation).scim_link
    by_pk = PreparedRead(lambda pk: SCIMUser.objects.filter(pk=pk).values_list("user_name"))
    assert by_pk.fetch(link.pk) == [(link.user_name,)]
    assert by_pk.fetch(str(link.pk)) == [(link.user_name,)]  # "12": the ORM converts it, as always
    assert by_pk._plans[("default", None, (int,))] is not False
    flat = PreparedRead(lambda pk: SCIMUser.objects.filter(pk=pk).values_list("user_name", flat=True))
    assert flat.fetch(link.pk) == [link.user_name] and flat.fetch(link.pk) == [link.user_name]
    created = PreparedRead(lambda day: SCIMUser.objects.filter(created_at__date=day).values_list("pk"))
    assert created.fetch(link.created_at.date()) == [(link.pk,)]
    assert list(created._plans.values()) == [False]


@pytest.mark.django_db
def test_a_queryset_with_prefetches_is_read_through_the_orm_with_them(organisation, django_assert_num_queries):
    link = UserFactory(organisation=organisation).scim_link
    with_emails = PreparedRead(lambda pk: SCIMUser.objects.filter(pk=pk).prefetch_related("emails"))
    found = with_emails.fetch(link.pk)
    with django_assert_num_queries(0):
        assert [e.value for e in found[0].emails.all()] == [link.user.email]
    assert list(with_emails._plans.values()) == [False]
