"""PostgreSQL keeps each organisation's count of visible SCIM users in row triggers
(``SCIMUserCount``): an unfiltered list's totalResults is read from it, never COUNTed over the
organisation's rows, and it stays exact through every way rows change."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scim_provisioning.models import SCIMUser, SCIMUserCount
from tests.factories import OrganisationFactory, UserFactory, bulk_users
from vxp_hub.models import Organisation, User

from .users import USER

pytestmark = pytest.mark.postgres


def kept(organisation) -> int:
    return sum(SCIMUserCount.objects.filter(organisation=organisation).values_list("visible", flat=True))


def visible(organisation) -> int:
    return SCIMUser.objects.filter(organisation=organisation, deleted_at__isnull=True).count()


def test_the_count_follows_creates_deletes_revivals_and_bulk_writes(scim, organisation, other_organisation):
    UserFactory(organisation=organisation)
    bulk_users(organisation, 40)
    bulk_users(other_organisation, 7)
    created = scim.post("Users", {"schemas": [USER], "userName": "kept@example.com"}).json()
    assert (kept(organisation), kept(other_organisation)) == (42, 7)
    assert scim.delete(f"Users/{created['id']}").status_code == 204
    assert kept(organisation) == visible(organisation) == 41
    assert scim.post("Users", {"schemas": [USER], "userName": "KEPT@example.com"}).status_code == 201  # revived
    assert kept(organisation) == visible(organisation) == 42
    SCIMUser.objects.filter(organisation=organisation, user_name__startswith="bulk1").delete()
    assert kept(organisation) == visible(organisation)
    body = scim.get("Users", {"count": 5}).json()
    assert body["totalResults"] == visible(organisation)


def test_a_deep_page_reads_the_kept_total_instead_of_counting(scim, organisation):
    bulk_users(organisation, 300)
    scim.get("ServiceProviderConfig")
    with CaptureQueriesContext(connection) as queries:
        body = scim.get("Users", {"startIndex": 101, "count": 10}).json()
    assert body["totalResults"] == 300 and body["itemsPerPage"] == 10
    sql = [q["sql"].upper() for q in queries.captured_queries]
    assert not any("COUNT(" in s for s in sql) and any("SCIMUSERCOUNT" in s for s in sql)
    # A filtered list still counts (the kept total is the organisation's, not the filter's).
    with CaptureQueriesContext(connection) as queries:
        body = scim.get("Users", {"filter": 'userName sw "bulk1"', "count": 5}).json()
    assert body["totalResults"] == 111 and any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_are_all_counted(live_server):
    from scim_provisioning.services import token_generate
    from tests.compliance.http import OKTA, SCIMHttp

    organisation = OrganisationFactory()
    _, raw = token_generate(organisation=organisation)
    client = SCIMHttp(f"{live_server.url}/scim/v2/", token=raw, profile=dict(OKTA))
    statuses = []

    def create(n):
        statuses.append(client.post("Users", {"schemas": [USER], "userName": f"c{n}@example.com"}).status)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(201) == 16
    assert kept(organisation) == visible(organisation) == 16
    User.objects.filter(organisation=organisation).delete()  # their SCIM users go with them
    assert kept(organisation) == 0
    Organisation.objects.filter(pk=organisation.pk).delete()  # and the counts with the organisation
    assert not SCIMUserCount.objects.filter(organisation_id=organisation.pk).exists()


@pytest.mark.parametrize("population", [1200, 2400])
def test_a_deep_index_page_costs_the_same_statements_and_answers_the_same_rows(scim, organisation, population):
    """Past ``DEEP_OFFSET`` the page reads its primary keys first: same rows, same order, and a
    number of statements that does not grow with the population."""
    users = bulk_users(organisation, population)
    scim.get("ServiceProviderConfig")
    with CaptureQueriesContext(connection) as queries:
        body = scim.get("Users", {"startIndex": 1101, "count": 20, "excludedAttributes": "groups"}).json()
    expected = [u.scim_link.scim_id for u in users[1100:1120]]
    assert [r["id"] for r in body["Resources"]] == [str(i) for i in expected]
    assert body["totalResults"] == population
    assert len(queries) == 4  # token, ids, rows (e-mails folded in), kept total
