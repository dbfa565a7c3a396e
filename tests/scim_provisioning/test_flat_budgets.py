"""Issue 11, "flat in the organisation's size": the requests an identity provider pages with
(``GET /Users?count=1``, the first page, a later page, ``GET /Groups?count=10``, a large
``GET /Groups/{id}``) run the same number of SQL statements at 50 and at 500 users and
members. The counts are compared between the two sizes, so a statement that appears only
for a bigger organisation (a per-row query, a second COUNT) fails the test whatever the
budget files elsewhere say.
"""

import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection

from tests import factories

REQUESTS = (
    "Users?count=1",
    "Users?startIndex=1&count=20",  # a first page with more pages after it at both sizes
    "Users?startIndex=40&count=10",
    "Groups?count=10",
    "Groups?count=10&excludedAttributes=members",
    "Group",  # GET /Groups/{id} of the large group, filled in below
)


def _populate(organisation, size: int):
    users = factories.bulk_users(organisation, size, prefix=f"flat{size}-")
    team = factories.TeamFactory(organisation=organisation, name=f"Everyone {size}", scim_managed=True)
    factories.bulk_memberships(team, users)
    for i in range(3):
        factories.TeamFactory(organisation=organisation, name=f"Small {size} {i}", scim_managed=True)
    return team


def _statements(scim, path: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = scim.get(path)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


def _measure(scim, team) -> dict:
    scim.get("Groups?count=0")  # the token's first-use bookkeeping stays out of the counts
    counts = {}
    for path in REQUESTS:
        target = f"Groups/{team.scim_id}" if path == "Group" else path
        counts[path], body = _statements(scim, target)
        if path == "Group":
            counts["members"] = len(body["members"])
    return counts


@pytest.mark.django_db
def test_paging_and_group_reads_cost_the_same_at_50_and_500(scim, organisation):
    small = _measure(scim, _populate(organisation, 50))
    assert small.pop("members") == 50
    large_team = _populate(organisation, 450)  # 500 users in the organisation now
    large = _measure(scim, large_team)
    assert large.pop("members") == 450
    assert large == small
    # and within the budgets. Users: token, page (+1 row; e-mails and groups folded in), and
    # the total (rows follow): a COUNT on SQLite, the kept counts' read on PostgreSQL.
    assert small["Users?count=1"] == 3
    assert small["Groups?count=10"] <= 4
    assert small["Group"] <= 3
