"""Issue 9: filters on date-times at the edge of the representable range.

``0001-01-01T00:00:00+01:00`` is a valid RFC 3339 date-time one hour *before* 0001-01-01 UTC,
the earliest instant Python (and so SQLite through Django) can hold; ``9999-12-31T23:59:59-01:00``
is after the latest. Both used to answer 500 (``OverflowError``) on SQLite. They are answered
exactly: every stored date-time is after the first and before the second."""

import pytest

from tests.factories import TeamFactory, UserFactory

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

# The instant, and where every stored date-time lies relative to it: "low" means every stored
# date-time is later, "high" means every one is earlier.
EDGE_DATES = {
    "0001-01-01T00:00:00+01:00": "low",
    "0001-01-01T00:00:00+14:00": "low",
    "0001-01-01T00:59:59.999999+01:00": "low",
    "0001-01-01T00:00:00Z": "low",
    "0001-01-01T00:00:00-01:00": "low",
    "0001-01-01T00:00:00": "low",
    "9999-12-31T23:59:59-01:00": "high",
    "9999-12-31T23:59:59.999999-12:00": "high",
    "9999-12-31T23:00:00-01:00": "high",
    "9999-12-31T23:59:59.999999Z": "high",
    "9999-12-31T23:59:59+01:00": "high",
}
# op → does every stored date-time match, given that the instant is "low" / "high"?
MATCHES_ALL = {
    "gt": {"low": True, "high": False},
    "ge": {"low": True, "high": False},
    "lt": {"low": False, "high": True},
    "le": {"low": False, "high": True},
    "eq": {"low": False, "high": False},
    "ne": {"low": True, "high": True},
}
ATTRIBUTES = ["meta.created", "meta.lastModified"]


@pytest.fixture
def resources(organisation):
    users = [UserFactory(organisation=organisation, username=f"u{i}@acme.example") for i in range(3)]
    teams = [TeamFactory(organisation=organisation, name=f"Team {i}") for i in range(2)]
    return {"Users": users, "Groups": teams}


def _total(response) -> int:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["totalResults"] == len(body["Resources"])
    return body["totalResults"]


@pytest.mark.parametrize("endpoint", ["Users", "Groups"])
@pytest.mark.parametrize("via", ["get", "search"])
@pytest.mark.parametrize("op", list(MATCHES_ALL))
@pytest.mark.parametrize("moment", list(EDGE_DATES))
def test_edge_dates_are_compared_exactly(scim, resources, endpoint, via, op, moment):
    everything = _total(scim.get(endpoint))
    assert everything == len(resources[endpoint]) or endpoint == "Users"
    filters = [f'{attr} {op} "{moment}"' for attr in ATTRIBUTES]
    for filter_string in filters:
        if via == "get":
            response = scim.get(endpoint, {"filter": filter_string})
        else:
            response = scim.post(f"{endpoint}/.search", {"schemas": [SEARCH], "filter": filter_string})
        expected = everything if MATCHES_ALL[op][EDGE_DATES[moment]] else 0
        assert _total(response) == expected, filter_string


@pytest.mark.parametrize("endpoint", ["Users", "Groups"])
def test_edge_dates_combine_with_other_comparisons(scim, resources, endpoint):
    attr = "userName" if endpoint == "Users" else "displayName"
    name = "u1@acme.example" if endpoint == "Users" else "Team 1"
    both = f'{attr} eq "{name}" and meta.created gt "0001-01-01T00:00:00+01:00"'
    assert _total(scim.get(endpoint, {"filter": both})) == 1
    neither = f'{attr} eq "{name}" and meta.created lt "0001-01-01T00:00:00+01:00"'
    assert _total(scim.get(endpoint, {"filter": neither})) == 0
    either = f'{attr} eq "{name}" or meta.lastModified gt "9999-12-31T23:59:59-01:00"'
    assert _total(scim.get(endpoint, {"filter": either})) == 1
    negated = 'not (meta.lastModified lt "9999-12-31T23:59:59-01:00")'
    assert _total(scim.get(endpoint, {"filter": negated})) == 0


@pytest.mark.parametrize("moment", [
    "0000-12-31T23:59:59Z",
    "10000-01-01T00:00:00Z",
    "0001-01-01T00:00:00+24:00",
    "9999-12-31T23:59:59-99:00",
    "2024-02-30T00:00:00Z",
    "2024-01-01T24:00:01Z",
])
@pytest.mark.parametrize("endpoint", ["Users", "Groups"])
def test_impossible_dates_are_a_400(scim, resources, endpoint, moment):
    response = scim.get(endpoint, {"filter": f'meta.created gt "{moment}"'})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["scimType"] == "invalidFilter"
    assert body["status"] == "400"
