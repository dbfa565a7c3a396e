"""Query budgets of the Groups endpoint: constant whatever the group's size (scim-clients.md §8).

Numbers are SQL statements seen by the test, including the token lookup and, for writes,
the activity-log INSERT and the SAVEPOINT/RELEASE pairs of the nested transactions (the
test runs inside a transaction; in production these are BEGIN/COMMIT).
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

from .group_helpers import member, member_ids, patch_body

# token; group; members
GET_GROUP = 3
# above STREAM_THRESHOLD members (adapters/groups.py) the members are streamed: the same,
# and one cursor over all of them (test_groups_streaming.py)
# (+2 on PostgreSQL: the cursor is planned for its whole result, streaming.started_iterator)
GET_STREAMED_GROUP = GET_GROUP + 1 + (2 if connection.vendor == "postgresql" else 0)
# token; group
GET_GROUP_WITHOUT_MEMBERS = 2
# token; page of groups (one row more than asked: no COUNT when it is the last page); members
LIST_GROUPS = 3
# token; savepoint; organisation lock; team lock; member lookup; team UPDATE; savepoint;
# teams.services: organisation lock, member check, INSERT … SELECT, profile UPDATE;
# release ×2; activity-log INSERT
PATCH_ADD_MEMBERS = 14
# the same, with teams.services' SELECT of the leavers and their DELETE
PATCH_REPLACE_MEMBERS = 16


@pytest.fixture
def warm(scim):
    """The first request of a token writes its first-use bookkeeping; keep it out of budgets."""
    scim.get("Groups?count=0")
    return scim


@pytest.fixture
def big_group(organisation):
    team = factories.TeamFactory(organisation=organisation, name="Everyone", scim_managed=True)
    factories.bulk_memberships(team, factories.bulk_users(organisation, 10_000, prefix="everyone"))
    return team


def test_get_a_group_of_10000_members(warm, big_group, django_assert_max_num_queries):
    with django_assert_max_num_queries(GET_STREAMED_GROUP):
        response = warm.get(f"Groups/{big_group.scim_id}")
        content = b"".join(response.streaming_content)  # streamed: read as it is written
    assert response.status_code == 200
    members = json.loads(content)["members"]
    assert len(members) == 10_000
    assert {m["type"] for m in members} == {"User"}


def test_get_without_members_does_not_depend_on_the_member_count(
    warm, organisation, big_group, django_assert_num_queries
):
    empty = factories.TeamFactory(organisation=organisation, name="Nobody")
    for team in (big_group, empty):
        with django_assert_num_queries(GET_GROUP_WITHOUT_MEMBERS):
            response = warm.get(f"Groups/{team.scim_id}?excludedAttributes=members")
        assert response.status_code == 200
        assert "members" not in response.json()


def test_list_100_groups(warm, organisation, django_assert_max_num_queries):
    users = factories.bulk_users(organisation, 20, prefix="listed")
    for i in range(100):
        team = factories.TeamFactory(organisation=organisation, name=f"Group {i:03}")
        factories.bulk_memberships(team, users[i % 20:i % 20 + 3])
    with django_assert_max_num_queries(LIST_GROUPS):
        response = warm.get("Groups?startIndex=1&count=100")
    body = response.json()
    assert (body["totalResults"], body["itemsPerPage"]) == (100, 100)
    assert all(len(group["members"]) >= 1 for group in body["Resources"])

    with django_assert_max_num_queries(GET_GROUP_WITHOUT_MEMBERS):  # token, page: no COUNT
        response = warm.get("Groups?startIndex=1&count=100&excludedAttributes=members")
    assert all("members" not in group for group in response.json()["Resources"])


def _statements(scim, path, body) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = scim.patch(path, body)
    assert response.status_code == 204, response.content
    return len(captured.captured_queries)


def test_patch_adding_1000_members_costs_as_much_as_adding_10(warm, organisation, big_group):
    newcomers = factories.bulk_users(organisation, 1_010, prefix="newcomer")
    path = f"Groups/{big_group.scim_id}"
    few = _statements(warm, path, patch_body({"op": "add", "path": "members", "value": [member(u) for u in newcomers[:10]]}))
    many = _statements(warm, path, patch_body({"op": "add", "path": "members", "value": [member(u) for u in newcomers[10:]]}))
    assert few == many <= PATCH_ADD_MEMBERS
    assert len(member_ids(big_group)) == 10_000 + 1_010


def test_patch_remove_and_replace_do_not_depend_on_sizes(warm, organisation, big_group):
    everyone = list(big_group.members.order_by("pk"))
    path = f"Groups/{big_group.scim_id}"
    removals = [
        _statements(warm, path, patch_body({"op": "remove", "path": "members", "value": [member(u) for u in chunk]}))
        for chunk in (everyone[:5], everyone[5:1005])
    ]
    filtered = _statements(warm, path, patch_body({"op": "remove", "path": f'members[value eq "{everyone[-1].scim_link.scim_id}"]'}))
    assert removals[0] == removals[1] == filtered <= PATCH_ADD_MEMBERS
    # Full replace of a ~9,000-member group by 1,000 members, then by 10.
    replaced = [
        _statements(warm, path, patch_body({"op": "replace", "path": "members", "value": [member(u) for u in chunk]}))
        for chunk in (everyone[:1000], everyone[:10])
    ]
    assert replaced[0] == replaced[1] <= PATCH_REPLACE_MEMBERS
    assert len(member_ids(big_group)) == 10
