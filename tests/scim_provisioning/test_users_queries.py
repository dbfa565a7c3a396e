"""Query budgets of /Users: a page costs the same number of statements whatever its size and
the organisation's population; a write costs a fixed number.

Every test warms the token first (one request), so the throttled ``last_used_at`` write is
not counted: the figures are those of a token in steady use (the first request of a minute
costs one more UPDATE).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TeamFactory, TeamMembershipFactory, UserFactory

from .users import ENTERPRISE, patch_body

LIST_BUDGET = 5  # token, COUNT, page (with manager and profile joined), e-mails, teams
DETAIL_BUDGET = 5  # token, user, e-mails, teams (+1 spare)


def _populate(organisation, size: int) -> list:
    teams = [TeamFactory(organisation=organisation) for _ in range(3)]
    manager = UserFactory(organisation=organisation)
    users = []
    for i in range(size):
        user = UserFactory(organisation=organisation, manager=manager)
        user.emails.create(value=f"home{i}@example.com", type="home", position=1)
        TeamMembershipFactory(team=teams[i % 3], user=user)
        users.append(user)
    return users


def _warm(scim):
    assert scim.get("ServiceProviderConfig").status_code == 200


def _count_list(scim, path) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = scim.get(path)
    assert response.status_code == 200
    return len(queries), response.json()


def test_list_page_cost_does_not_depend_on_page_size_or_population(scim, organisation, django_assert_max_num_queries):
    _populate(organisation, 10)
    _warm(scim)
    small, body = _count_list(scim, "Users?count=100")
    assert body["itemsPerPage"] == 11  # 10 users and their manager

    _populate(organisation, 140)
    with django_assert_max_num_queries(LIST_BUDGET):
        large, body = _count_list(scim, "Users?count=100")
    assert body["totalResults"] == 152 and body["itemsPerPage"] == 100
    resource = body["Resources"][-1]
    assert resource["groups"] and len(resource["emails"]) == 2 and resource[ENTERPRISE]["manager"]["value"]
    assert large == small <= LIST_BUDGET

    with django_assert_max_num_queries(LIST_BUDGET):
        _count_list(scim, "Users?startIndex=101&count=100")
    with django_assert_max_num_queries(LIST_BUDGET):
        _count_list(scim, "Users?filter=" + 'emails[type eq "home"].value co "example.com"')


def test_get_one_user(scim, organisation, django_assert_max_num_queries):
    user = _populate(organisation, 3)[0]
    _warm(scim)
    with django_assert_max_num_queries(DETAIL_BUDGET):
        assert scim.get(f"Users/{user.scim_id}").status_code == 200


@pytest.mark.parametrize("size", [3, 60])
def test_writes_cost_a_fixed_number_of_statements(scim, organisation, size, django_assert_max_num_queries):
    """Measured, whatever the organisation's size (savepoints and the activity log row
    included): PATCH 18 the first time SCIM changes a manual member (16 + the profile
    refresh), 16 afterwards; PUT 14; POST 15; DELETE 10."""
    users = _populate(organisation, size)
    user, manager = users[0], users[1]
    _warm(scim)
    with django_assert_max_num_queries(18):
        response = scim.patch(f"Users/{user.scim_id}", patch_body(
            {"op": "Replace", "path": "name.familyName", "value": "Patched"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "patched@example.com"},
            {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": str(manager.scim_id)},
        ))
        assert response.status_code == 200
    with django_assert_max_num_queries(16):
        response = scim.patch(f"Users/{user.scim_id}", patch_body(
            {"op": "Replace", "path": "name.familyName", "value": "Again"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "again@example.com"},
            {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": str(users[2].scim_id)},
        ))
        assert response.status_code == 200
    resource = response.json()
    resource["title"] = "Replaced"
    with django_assert_max_num_queries(14):
        assert scim.put(f"Users/{user.scim_id}", resource).status_code == 200
    with django_assert_max_num_queries(15):
        assert scim.post("Users", {"userName": "fresh@example.com", "emails": [{"value": "fresh@example.com"}],
                                   ENTERPRISE: {"manager": str(manager.scim_id)}}).status_code == 201
    with django_assert_max_num_queries(10):
        assert scim.delete(f"Users/{user.scim_id}").status_code == 204
