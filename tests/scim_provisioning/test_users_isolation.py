"""Tenant isolation of /Users: organisation B's token sees organisation A's users exactly as
it sees users that do not exist, and changes nothing of A's."""

import uuid

import pytest

from scim_provisioning.models import SCIMEvent
from tests.factories import TeamFactory, TeamMembershipFactory

from .users import USER, organisation_state, patch_body

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture
def victim(organisation, member):
    TeamMembershipFactory(team=TeamFactory(organisation=organisation), user=member)
    return member


def _requests(user_id: str, username: str):
    """(label, method, path, body) of every Users endpoint and method for one user."""
    put = {"schemas": [USER], "userName": "stolen@example.com", "active": False}
    return [
        ("GET", "get", f"Users/{user_id}", None),
        ("PUT", "put", f"Users/{user_id}", put),
        ("PATCH", "patch", f"Users/{user_id}", patch_body({"op": "replace", "value": {"active": False}})),
        ("DELETE", "delete", f"Users/{user_id}", None),
        ("filter userName", "get", "Users", {"filter": f'userName eq "{username}"'}),
        ("filter id", "get", "Users", {"filter": f'id eq "{user_id}"'}),
        ("filter or", "get", "Users", {"filter": f'id eq "{user_id}" or userName eq "{username}"'}),
        (".search", "post", "Users/.search", {"schemas": [SEARCH], "filter": f'userName eq "{username}"'}),
    ]


def _send(client, method, path, body):
    if method == "get":
        return client.get(path, body)
    if method == "delete":
        return client.delete(path)
    return getattr(client, method)(path, body)


def _comparable(response, *ids):
    body = response.content.decode()
    for value in ids:
        body = body.replace(value, "<id>")
    return response.status_code, response["Content-Type"], body


def test_another_organisations_users_are_indistinguishable_from_missing_ones(other_scim, victim, organisation):
    before = organisation_state(organisation)
    events_before = SCIMEvent.objects.filter(organisation=organisation).count()
    missing_id, missing_name = str(uuid.uuid4()), "nobody@acme.example"
    for (label, method, path, body), (_, _, missing_path, missing_body) in zip(
        _requests(str(victim.scim_link.scim_id), victim.username), _requests(missing_id, missing_name)
    ):
        ours = _send(other_scim, method, path, body)
        theirs = _send(other_scim, method, missing_path, missing_body)
        assert ours.status_code in (200, 404), label
        assert _comparable(ours, str(victim.scim_link.scim_id), victim.username) == \
            _comparable(theirs, missing_id, missing_name), label
    assert organisation_state(organisation) == before
    assert SCIMEvent.objects.filter(organisation=organisation).count() == events_before  # B's attempts log in B


def test_listing_shows_only_the_tokens_organisation(scim, other_scim, member, other_administrator):
    ours = {r["id"] for r in scim.get("Users").json()["Resources"]}
    theirs = {r["id"] for r in other_scim.get("Users").json()["Resources"]}
    assert str(member.scim_link.scim_id) in ours and str(member.scim_link.scim_id) not in theirs
    assert theirs == {str(other_administrator.scim_link.scim_id)}


def test_same_username_in_two_organisations_is_not_a_conflict(scim, other_scim, member, other_organisation):
    response = other_scim.post("Users", {"userName": member.username})
    assert response.status_code == 201
    assert response.json()["id"] != str(member.scim_link.scim_id)
    assert scim.get(f"Users/{response.json()['id']}").status_code == 404


def test_revival_never_crosses_organisations(scim, other_scim, member):
    assert scim.delete(f"Users/{member.scim_link.scim_id}").status_code == 204
    response = other_scim.post("Users", {"userName": member.username})
    assert response.status_code == 201
    assert response.json()["id"] != str(member.scim_link.scim_id)
    member.refresh_from_db()
    assert member.scim_link.deleted_at is not None
