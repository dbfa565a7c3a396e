"""Filters (RFC 7644 §3.4.2.2) on the real database: what Okta and Entra send, and what must
be refused rather than silently widened."""

import json
from datetime import timedelta
from urllib.parse import quote_plus

import pytest
from django.utils import timezone

from scim_provisioning.models import SCIMUser
from tests.factories import SCIMUserEmailFactory, TeamFactory, UserFactory


@pytest.fixture
def people(organisation):
    alice = UserFactory(organisation=organisation, username="Alice@Example.com", given_name="Alice",
                        family_name="Archer", external_id="00uALICE", department="R&D", email=False)
    # SCIM reads the enterprise extension from the SCIM user (the hub's column is a mirror).
    SCIMUser.objects.filter(user=alice, organisation=organisation).update(department="R&D")
    SCIMUserEmailFactory(scim_user=alice.scim_link, value="alice@work.example", type="work", primary=True)
    SCIMUserEmailFactory(scim_user=alice.scim_link, value="alice@home.example", type="home", primary=False)
    bob = UserFactory(organisation=organisation, username="bob@example.com", given_name="Bob",
                      family_name="Baker", external_id="00uBOB", is_active=False)
    carol = UserFactory(organisation=organisation, username="carol_100%@example.com", given_name="Carol",
                        family_name="Cooper")
    return {"alice": alice, "bob": bob, "carol": carol}


def names(scim, filter_string):
    response = scim.get("Users", {"filter": filter_string})
    assert response.status_code == 200, response.content
    data = json.loads(response.content)
    assert data["totalResults"] == len(data["Resources"])
    return sorted(r["userName"] for r in data["Resources"])


@pytest.mark.parametrize("filter_string,expected", [
    ('userName eq "alice@example.com"', ["Alice@Example.com"]),
    ('userName eq "ALICE@EXAMPLE.COM"', ["Alice@Example.com"]),  # Okta SPEC step 9
    ('USERNAME EQ "alice@example.com"', ["Alice@Example.com"]),  # names and operators are case-insensitive
    ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@example.com"', ["bob@example.com"]),
    ('externalId eq "00uBOB"', ["bob@example.com"]),
    ('externalId eq "00ubob"', []),  # externalId is caseExact
    ('emails.value eq "ALICE@HOME.EXAMPLE"', ["Alice@Example.com"]),
    ('emails eq "alice@work.example"', ["Alice@Example.com"]),
    ('emails[type eq "work"].value eq "alice@work.example"', ["Alice@Example.com"]),
    ('emails[type eq "work"].value eq "alice@home.example"', []),  # same row, not any row
    ('emails[type eq "home" and value co "home"]', ["Alice@Example.com"]),
    ('name.givenName eq "bob"', ["bob@example.com"]),
    ('name.FamilyName sw "Coo"', ["carol_100%@example.com"]),
    ('active eq true', ["Alice@Example.com", "carol_100%@example.com"]),
    ('active eq false', ["bob@example.com"]),
    ('active ne true', ["bob@example.com"]),
    ('userName co "100%"', ["carol_100%@example.com"]),
    ('userName co "%"', ["carol_100%@example.com"]),  # a literal %, not a wildcard
    ('userName co "_"', ["carol_100%@example.com"]),
    ('userName ew "example.com" and active eq false', ["bob@example.com"]),
    ('userName eq "bob@example.com" or externalId eq "00uALICE"', ["Alice@Example.com", "bob@example.com"]),
    ('not (userName eq "bob@example.com")', ["Alice@Example.com", "carol_100%@example.com"]),
    ('(active eq true) and (name.givenName eq "Alice" or name.givenName eq "Carol")',
     ["Alice@Example.com", "carol_100%@example.com"]),
    ('externalId pr', ["Alice@Example.com", "bob@example.com"]),
    ('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d"', ["Alice@Example.com"]),
    ('id eq "not-a-uuid"', []),
    ('userName gt "b"', ["bob@example.com", "carol_100%@example.com"]),
])
def test_filters_select_exactly(scim, people, filter_string, expected):
    assert names(scim, filter_string) == expected


def test_filter_by_id_and_group_membership(scim, organisation, people):
    assert names(scim, f'id eq "{people["bob"].scim_link.scim_id}"') == ["bob@example.com"]
    team = TeamFactory(organisation=organisation)
    team.members.add(people["carol"])
    assert names(scim, f'groups.value eq "{team.scim_id}"') == ["carol_100%@example.com"]


def test_filter_on_meta_last_modified(scim, people):
    # meta.lastModified is the SCIM user's updated_at.
    SCIMUser.objects.filter(user=people["bob"]).update(updated_at=timezone.now() - timedelta(days=10))
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert names(scim, f'meta.lastModified gt "{since}"') == ["Alice@Example.com", "carol_100%@example.com"]


def test_form_encoded_filter_with_plus_signs(scim, people):
    # Entra: /Users?filter=userName+eq+%22bob%40example.com%22 (and unknown flags are ignored)
    path = "/scim/v2/Users?aadOptscim062020&filter=" + quote_plus('userName eq "bob@example.com"')
    response = scim.get(path)
    assert [r["userName"] for r in json.loads(response.content)["Resources"]] == ["bob@example.com"]


def test_a_filter_with_matches_pages_like_a_list(scim, people):
    data = json.loads(scim.get("Users", {"filter": 'userName ew "example.com"', "count": 1, "startIndex": 2}).content)
    assert data["totalResults"] == 3 and data["itemsPerPage"] == 1


@pytest.mark.parametrize("filter_string", [
    'nickName eq "x"',  # not supported: refused, never dropped
    'userName eq "alice@example.com" and nickName eq "x"',  # "a and unknown" must not widen to "a"
    'userName eq "bob@example.com" or password eq "x"',
    'name.middleName eq "x"',
    'urn:ietf:params:scim:schemas:extension:other:2.0:User:department eq "x"',
    'userName eq',
    'userName zz "x"',
    'userName eq "unterminated',
    '(userName eq "x"',
    'active eq "maybe"',
    'active gt true',
    'meta.lastModified gt "yesterday"',
    'userName eq "x" and ' + " and ".join(['userName eq "x"'] * 60),
    'userName eq "' + "x" * 5000 + '"',
    '',
    ' ',
])
def test_unsupported_or_malformed_filters_answer_400_invalid_filter(scim, people, filter_string):
    response = scim.get("Users", {"filter": filter_string})
    assert response.status_code == 400, (filter_string, response.content)
    body = json.loads(response.content)
    assert body["scimType"] == "invalidFilter" and body["status"] == "400" and body["detail"]


def test_deeply_nested_filters_are_answered_never_500(scim, people):
    assert names(scim, "(" * 400 + 'userName eq "bob@example.com"' + ")" * 400) == ["bob@example.com"]
    response = scim.get("Users", {"filter": "(" * 3000 + 'userName eq "x"' + ")" * 3000})
    assert response.status_code == 400


def test_group_filters(scim, organisation, people):
    marketing = TeamFactory(organisation=organisation, name="Marketing", external_id="8aa1a0c0")
    TeamFactory(organisation=organisation, name="Design")
    marketing.members.add(people["alice"])

    def group_names(filter_string):
        data = json.loads(scim.get("Groups", {"filter": filter_string, "excludedAttributes": "members"}).content)
        return sorted(r["displayName"] for r in data["Resources"])

    assert group_names('displayName eq "MARKETING"') == ["Marketing"]
    assert group_names('DisplayName eq "marketing"') == ["Marketing"]
    assert group_names('externalId eq "8aa1a0c0"') == ["Marketing"]
    assert group_names(f'id eq "{marketing.scim_id}"') == ["Marketing"]
    assert group_names(f'members.value eq "{people["alice"].scim_link.scim_id}"') == ["Marketing"]
    assert group_names(f'id eq "{marketing.scim_id}" and members eq "{people["alice"].scim_link.scim_id}"') == ["Marketing"]
    assert group_names('displayName eq "Nobody"') == []
    assert scim.get("Groups", {"filter": 'owner eq "x"'}).status_code == 400
