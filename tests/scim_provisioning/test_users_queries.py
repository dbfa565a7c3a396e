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

# The e-mails and groups of every user are folded into the page's or the user's own statement
# (scim_provisioning/json_rows.py), on both databases the suite runs on.
LIST_BUDGET = 3  # token, COUNT (only when more rows follow), page (manager joined; e-mails, teams folded)
DETAIL_BUDGET = 2  # token, user (manager joined; e-mails, teams folded)


def _populate(organisation, size: int) -> list:
    teams = [TeamFactory(organisation=organisation) for _ in range(3)]
    manager = UserFactory(organisation=organisation)
    users = []
    for i in range(size):
        user = UserFactory(organisation=organisation, manager=manager)
        user.scim_link.emails.create(value=f"home{i}@example.com", type="home", position=1)
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
    # The small list is its own last page: its total needs no COUNT.
    assert small + 1 == large <= LIST_BUDGET

    with django_assert_max_num_queries(LIST_BUDGET):
        _count_list(scim, "Users?startIndex=101&count=100")
    with django_assert_max_num_queries(LIST_BUDGET):
        _count_list(scim, "Users?filter=" + 'emails[type eq "home"].value co "example.com"')


@pytest.mark.parametrize("query", ["", "?attributes=urn:vxp:params:scim:schemas:extension:hub:2.0:User,userName",
                                   "?excludedAttributes=groups,emails"])
def test_get_one_user(scim, organisation, query, django_assert_num_queries):
    user = _populate(organisation, 3)[0]
    scim_id = user.scim_link.scim_id
    _warm(scim)
    with django_assert_num_queries(DETAIL_BUDGET):
        response = scim.get(f"Users/{scim_id}{query}")
    assert response.status_code == 200
    body = response.json()
    if not query:
        assert [e["value"] for e in body["emails"]] == [user.email, "home0@example.com"]
        assert [g["display"] for g in body["groups"]] == [user.teams.get().name]
    elif "hub" in query:
        assert body["urn:vxp:params:scim:schemas:extension:hub:2.0:User"]["role"] == "member"
    else:
        assert "emails" not in body and "groups" not in body


# Writes, in statements as the test sees them (the test's transaction turns BEGIN/COMMIT into
# SAVEPOINT/RELEASE): token, SAVEPOINT, the organisation lock (shared for user writes), ...,
# RELEASE, the activity-log INSERT. No second lock, no nested savepoint.
# PATCH: + SCIM user (locked, with its host user), its e-mails, manager lookup, UPDATE of the
# host user, UPDATE of the SCIM user, DELETE + INSERT e-mails, the groups of the response (it
# is built from the instance, not read back); + one profile UPDATE the first time SCIM manages
# the user.
PATCH_BUDGET = 14
PATCH_NEWLY_MANAGED_BUDGET = 15
PUT_BUDGET = 12  # SCIM user (locked), e-mails, manager lookup, 2 UPDATEs, groups
# POST: manager lookup, INSERT host user (with its profile), INSERT SCIM user, INSERT e-mails;
# no question about deleted users (asked only when the database refuses the create, see
# test_users_optimistic_create); the response is built from the instance in memory.
POST_BUDGET = 9
DELETE_BUDGET = 9  # SCIM user (locked), its e-mails, UPDATE of the SCIM user, UPDATE of the host user


@pytest.mark.parametrize("size", [3, 60])
def test_writes_cost_a_fixed_number_of_statements(scim, organisation, size, django_assert_max_num_queries):
    """Whatever the organisation's size."""
    users = _populate(organisation, size)
    user, manager, other = (str(u.scim_link.scim_id) for u in users[:3])
    _warm(scim)
    with django_assert_max_num_queries(PATCH_NEWLY_MANAGED_BUDGET):
        response = scim.patch(f"Users/{user}", patch_body(
            {"op": "Replace", "path": "name.familyName", "value": "Patched"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "patched@example.com"},
            {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": manager},
        ))
        assert response.status_code == 200
    with django_assert_max_num_queries(PATCH_BUDGET):
        response = scim.patch(f"Users/{user}", patch_body(
            {"op": "Replace", "path": "name.familyName", "value": "Again"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "again@example.com"},
            {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": other},
        ))
        assert response.status_code == 200
    resource = response.json()
    resource["title"] = "Replaced"
    with django_assert_max_num_queries(PUT_BUDGET):
        assert scim.put(f"Users/{user}", resource).status_code == 200
    with django_assert_max_num_queries(POST_BUDGET):
        assert scim.post("Users", {"userName": "fresh@example.com", "emails": [{"value": "fresh@example.com"}],
                                   ENTERPRISE: {"manager": manager}}).status_code == 201
    with django_assert_max_num_queries(DELETE_BUDGET):
        assert scim.delete(f"Users/{user}").status_code == 204


HUB = "urn:vxp:params:scim:schemas:extension:hub:2.0:User"


@pytest.mark.parametrize("query", ["", f"?attributes={HUB},userName,emails,groups,meta", "?excludedAttributes=groups"])
def test_a_create_answers_byte_for_byte_what_a_read_of_the_user_answers(scim, organisation, profiles, query):
    """The create's response is built from the instance in memory, not read back: it must be
    the representation a GET gives, down to the order of the stored attributes' keys."""
    from vxp_hub.services import organisation_set_default_scim_profile

    organisation_set_default_scim_profile(organisation=organisation, profile=profiles["Editor"])
    manager = UserFactory(organisation=organisation)
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": "Exact@Example.com", "displayName": "Exact Person", "title": "Tester", "locale": "fr-BE",
        "externalId": "ext-1", "active": True, "nickName": "ex", "userType": "Employee", "timezone": "Europe/Brussels",
        "preferredLanguage": "fr", "profileUrl": "https://example.com/exact",
        "name": {"givenName": "Exact", "familyName": "Person", "middleName": "M", "formatted": "Exact M Person",
                 "honorificSuffix": "Jr"},
        "emails": [{"value": "home@example.com", "type": "home"},
                   {"value": "exact@example.com", "type": "work", "primary": True, "display": "Work"}],
        "phoneNumbers": [{"value": "+32 2 000 00 00", "type": "work", "primary": True}],
        "addresses": [{"type": "work", "streetAddress": "Rue 1", "locality": "Bruxelles", "postalCode": "1000",
                       "country": "BE", "primary": True}],
        "roles": [{"value": "reader", "display": "Reader"}],
        ENTERPRISE: {"employeeNumber": "42", "department": "QA", "manager": {"value": str(manager.scim_link.scim_id)}},
    }
    created = scim.post(f"Users{query}", body)
    assert created.status_code == 201, created.content
    read = scim.get(f"Users/{created.json()['id']}{query}")
    assert created.content == read.content
    if query.startswith("?attributes"):
        assert created.json()[HUB]["profile"] == "Editor"


LOOKUP_BUDGET = 2  # token, page (count + 1 rows; e-mails, teams folded): no COUNT


def _counts(queries) -> int:
    """Statements that ask for the total: a COUNT, or (PostgreSQL) the kept count's read."""
    return sum("COUNT(" in q["sql"].upper() or "SCIMUSERCOUNT" in q["sql"].upper() for q in queries.captured_queries)


@pytest.mark.parametrize("size", [3, 60])
def test_a_username_lookup_needs_no_count(scim, organisation, size, django_assert_max_num_queries):
    users = _populate(organisation, size)
    _warm(scim)
    for count in ("", "&count=1", "&count=100"):
        for username, expected in ((users[-1].username.upper(), 1), ("nobody@example.com", 0)):
            with django_assert_max_num_queries(LOOKUP_BUDGET) as queries:
                response = scim.get(f'Users?filter=userName eq "{username}"{count}')
            body = response.json()
            assert (body["totalResults"], body["itemsPerPage"]) == (expected, expected)
            assert _counts(queries) == 0


def test_totals_are_counted_only_when_the_page_does_not_tell_them(scim, organisation):
    _populate(organisation, 5)  # 6 users with the manager
    _warm(scim)
    for path, total, items, counted in (
        ("Users?count=10", 6, 6, False),  # the whole list fits
        ("Users?count=6", 6, 6, False),  # exactly: the row after the page is not there
        ("Users?count=5", 6, 5, True),  # more follow
        ("Users?startIndex=4&count=10", 6, 3, False),  # the last page
        ("Users?startIndex=9&count=10", 6, 0, True),  # past the end
        ("Users?count=0", 6, 0, True),
    ):
        with CaptureQueriesContext(connection) as queries:
            body = scim.get(path).json()
        assert (body["totalResults"], body["itemsPerPage"], _counts(queries) == 1) == (total, items, counted), path
