"""RFC 9865 cursor pagination on Users and Groups, beside index paging: a walk returns every
resource once, stays stable under concurrent writes, costs the same SQL on every page, and
refuses cursors it did not issue for this query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scim_provisioning.services import token_generate
from tests import factories
from tests.conftest import SCIMClient

from .group_helpers import make_user
from .users import assert_error

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture
def users(organisation):
    return [make_user(organisation, username=f"c{i:02}@acme.example") for i in range(7)]


def _walk(scim, resource, count, **params):
    """Follow nextCursor from cursor= to the end; every page's body."""
    pages, cursor = [], ""
    for _ in range(50):
        response = scim.get(resource, {"cursor": cursor, "count": count, **params})
        assert response.status_code == 200, response.content
        pages.append(response.json())
        cursor = pages[-1].get("nextCursor")
        if cursor is None:
            return pages
    raise AssertionError("the walk did not end")


def _ids(page):
    return [resource["id"] for resource in page["Resources"]]


def test_a_walk_returns_every_user_once_in_order(scim, users):
    pages = _walk(scim, "Users", 3)

    assert [len(p["Resources"]) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in _ids(p)] == [str(u.scim_link.scim_id) for u in users]
    assert all(p["totalResults"] == 7 and p["itemsPerPage"] == len(p["Resources"]) for p in pages)
    assert "startIndex" not in pages[0] and "previousCursor" not in pages[0]
    assert "previousCursor" in pages[1] and "nextCursor" not in pages[-1]


def test_previous_cursor_returns_the_page_before(scim, users):
    first, second, third = _walk(scim, "Users", 3)

    back = scim.get("Users", {"cursor": third["previousCursor"], "count": 3}).json()
    assert _ids(back) == _ids(second)
    back = scim.get("Users", {"cursor": back["previousCursor"], "count": 3}).json()
    assert _ids(back) == _ids(first) and "previousCursor" not in back and back["nextCursor"]


def test_pages_stay_stable_under_concurrent_writes(scim, organisation, users):
    first = scim.get("Users", {"cursor": "", "count": 3}).json()
    # Meanwhile the identity provider deletes a user already seen and one not yet seen, and
    # another sync creates two users.
    assert scim.delete(f"Users/{users[0].scim_link.scim_id}").status_code == 204
    assert scim.delete(f"Users/{users[4].scim_link.scim_id}").status_code == 204
    late = [make_user(organisation, username=f"late{i}@acme.example") for i in range(2)]

    rest, cursor = [], first["nextCursor"]
    while cursor:
        page = scim.get("Users", {"cursor": cursor, "count": 3}).json()
        rest += _ids(page)
        cursor = page.get("nextCursor")

    seen = _ids(first) + rest
    assert len(seen) == len(set(seen))  # nothing twice
    untouched = {str(u.scim_link.scim_id) for u in users} - {str(users[0].scim_link.scim_id), str(users[4].scim_link.scim_id)}
    assert untouched <= set(seen)  # nothing that existed throughout is skipped
    assert str(users[4].scim_link.scim_id) not in rest
    assert {str(u.scim_link.scim_id) for u in late} <= set(rest)


def test_filtered_group_walk_and_search_endpoint(scim, organisation, users):
    for i in range(5):
        factories.TeamFactory(organisation=organisation, name=f"Squad {i}", external_id="sync" if i % 2 else "")
    pages = _walk(scim, "Groups", 1, filter='externalId eq "sync"', excludedAttributes="members")
    assert [p["Resources"][0]["displayName"] for p in pages] == ["Squad 1", "Squad 3"]

    response = scim.post("Users/.search", {"schemas": [SEARCH], "cursor": "", "count": 4})
    assert response.status_code == 200
    body = response.json()
    assert len(body["Resources"]) == 4
    following = scim.post("Users/.search", {"schemas": [SEARCH], "cursor": body["nextCursor"], "count": 4}).json()
    assert _ids(following) == [str(u.scim_link.scim_id) for u in users[4:]]


def test_cursors_belong_to_one_query(scim, client, users, other_organisation):
    cursor = scim.get("Users", {"cursor": "", "count": 2}).json()["nextCursor"]

    assert_error(scim.get("Users", {"cursor": cursor, "filter": 'userName sw "c0"'}), 400, "invalidCursor")
    assert_error(scim.get("Groups", {"cursor": cursor}), 400, "invalidCursor")
    assert_error(scim.get("Users", {"cursor": cursor[:-2] + "xx"}), 400, "invalidCursor")
    assert_error(scim.get("Users", {"cursor": "garbage"}), 400, "invalidCursor")
    assert_error(scim.get("Users", {"cursor": "\u00e9" * 600}), 400, "invalidCursor")
    _, raw = token_generate(organisation=other_organisation)
    assert_error(SCIMClient(client, raw).get("Users", {"cursor": cursor}), 400, "invalidCursor")


def test_cursor_and_start_index_cannot_be_combined(scim, users):
    assert_error(scim.get("Users", {"cursor": "", "startIndex": 2}), 400, "invalidValue")


def test_expired_cursor(scim, users, settings):
    cursor = scim.get("Users", {"cursor": "", "count": 2}).json()["nextCursor"]
    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "CURSOR_TIMEOUT": -1}

    assert_error(scim.get("Users", {"cursor": cursor}), 400, "expiredCursor")


def test_index_paging_is_unchanged(scim, users):
    body = scim.get("Users", {"startIndex": 3, "count": 2}).json()

    assert body["startIndex"] == 3 and _ids(body) == [str(u.scim_link.scim_id) for u in users[2:4]]
    assert "nextCursor" not in body


def test_service_provider_config_advertises_both_methods(scim):
    pagination = scim.get("ServiceProviderConfig").json()["pagination"]

    assert pagination["cursor"] is True and pagination["index"] is True
    assert pagination["defaultPaginationMethod"] == "index"
    assert pagination["cursorTimeout"] == 3600 and pagination["maxPageSize"] == 200


def _statements(scim, params):
    with CaptureQueriesContext(connection) as queries:
        response = scim.get("Users", params)
    assert response.status_code == 200
    return len(queries), response.json()


def test_every_cursor_page_costs_the_same_statements(scim, organisation, users):
    for i in range(30):
        make_user(organisation, username=f"more{i:02}@acme.example")
    scim.get("ServiceProviderConfig")  # the token's once-a-minute last_used_at write happens here
    first_count, first = _statements(scim, {"cursor": "", "count": 5})
    cursor, counts = first["nextCursor"], set()
    while cursor:
        count, page = _statements(scim, {"cursor": cursor, "count": 5})
        counts.add(count)
        cursor = page.get("nextCursor")

    assert counts == {first_count}
