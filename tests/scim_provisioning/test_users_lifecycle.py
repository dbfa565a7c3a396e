"""Deactivation, SCIM deletion and revival, and the users SCIM may read but never change."""

import pytest
from django.test import Client

from tests.factories import TeamFactory, TeamMembershipFactory
from vxp_hub.models import User

from .users import USER, assert_error, patch_body, user_state


def _session_user(browser):
    """The user a browser's session belongs to, as a request would see it."""
    return browser.get("/accounts/login/").wsgi_request.user


@pytest.fixture
def member_in_team(member, organisation, profiles):
    team = TeamFactory(organisation=organisation, name="Marketing", profile=profiles["Editor"])
    TeamMembershipFactory(team=team, user=member)
    member.profile = profiles["Editor"]
    member.title = "Analyst"
    member.save()
    return member


@pytest.mark.parametrize("deactivate", [
    patch_body({"op": "replace", "value": {"active": False}}),
    patch_body({"op": "Replace", "path": "active", "value": "False"}),
])
def test_deactivation_ends_sessions_and_reactivation_restores_the_account(scim, member_in_team, deactivate):
    member = member_in_team
    browser = Client()
    browser.force_login(member)
    assert _session_user(browser).pk == member.pk
    before = user_state(member)

    assert scim.patch(f"Users/{member.scim_link.scim_id}", deactivate).status_code == 200
    assert not _session_user(browser).is_authenticated
    member.refresh_from_db()
    assert member.is_active is False and member.session_version == before["session_version"] + 1

    response = scim.patch(f"Users/{member.scim_link.scim_id}", patch_body({"op": "replace", "value": {"active": True}}))
    assert response.status_code == 200
    assert not _session_user(browser).is_authenticated  # the old session stays dead
    after = user_state(member)
    assert after["is_active"] is True
    for name in ("teams", "emails", "profile_id", "title", "username", "role", "password"):
        assert after[name] == before[name], name
    browser.force_login(User.objects.get(pk=member.pk))
    assert _session_user(browser).pk == member.pk  # and the user can log in again


def test_put_with_active_false_deactivates(scim, member):
    browser = Client()
    browser.force_login(member)
    resource = scim.get(f"Users/{member.scim_link.scim_id}").json()
    assert scim.put(f"Users/{member.scim_link.scim_id}", dict(resource, active=False)).status_code == 200
    assert not _session_user(browser).is_authenticated


def test_delete_hides_the_user_but_keeps_the_account(scim, member_in_team):
    member = member_in_team
    browser = Client()
    browser.force_login(member)
    before = user_state(member)

    response = scim.delete(f"Users/{member.scim_link.scim_id}")
    assert response.status_code == 204
    assert not _session_user(browser).is_authenticated
    after = user_state(member)
    assert after["is_active"] is False and after["scim.deleted_at"] is not None
    for name in ("teams", "emails", "profile_id", "title", "username", "scim.external_id"):
        assert after[name] == before[name], name

    assert_error(scim.get(f"Users/{member.scim_link.scim_id}"), 404)
    assert_error(scim.patch(f"Users/{member.scim_link.scim_id}", patch_body({"op": "replace", "value": {"active": True}})), 404)
    assert_error(scim.put(f"Users/{member.scim_link.scim_id}", {"userName": member.username}), 404)
    for filter_ in (f'userName eq "{member.username}"', f'id eq "{member.scim_link.scim_id}"', "active eq false"):
        assert scim.get("Users", {"filter": filter_}).json()["totalResults"] == 0
    assert str(member.scim_link.scim_id) not in scim.get("Users").content.decode()


def test_post_of_a_deleted_username_brings_the_same_account_back(scim, member_in_team):
    member = member_in_team
    before = user_state(member)
    assert scim.delete(f"Users/{member.scim_link.scim_id}").status_code == 204

    response = scim.post("Users", {"schemas": [USER], "userName": member.username.upper(),
                                   "name": {"givenName": "Back", "familyName": "Again"},
                                   "emails": [{"value": "back@example.com", "type": "work", "primary": True}]})
    assert response.status_code == 201
    resource = response.json()
    assert resource["id"] == str(member.scim_link.scim_id)
    assert resource["active"] is True
    assert resource["name"]["givenName"] == "Back"
    assert resource["emails"] == [{"value": "back@example.com", "primary": True, "type": "work"}]
    after = user_state(member)
    assert after["id"] == before["id"] and after["scim.deleted_at"] is None
    assert after["teams"] == before["teams"] and after["profile_id"] == before["profile_id"]
    assert after["password"] == before["password"]
    assert after["title"] == ""  # replaced from the body, like a PUT
    assert User.objects.filter(organisation=member.organisation, username__iexact=member.username).count() == 1
    assert scim.get(f"Users/{member.scim_link.scim_id}").status_code == 200


def test_post_of_a_live_username_is_a_conflict(scim, member):
    before = user_state(member)
    body = assert_error(scim.post("Users", {"userName": member.username.upper()}), 409, "uniqueness")
    assert "already exists" in body["detail"]
    assert user_state(member) == before


# --- protected users ----------------------------------------------------------------------
@pytest.fixture(params=["owner", "administrator"])
def protected(request):
    return request.getfixturevalue(request.param)


def test_protected_users_are_readable(scim, protected):
    response = scim.get(f"Users/{protected.scim_link.scim_id}")
    assert response.status_code == 200 and response.json()["userName"] == protected.username
    body = scim.get("Users", {"filter": f'userName eq "{protected.username}"'}).json()
    assert body["totalResults"] == 1 and body["Resources"][0]["id"] == str(protected.scim_link.scim_id)


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_protected_users_cannot_be_changed(scim, protected, method):
    before = user_state(protected)
    url = f"Users/{protected.scim_link.scim_id}"
    if method == "put":
        response = scim.put(url, {"userName": "taken-over@example.com", "active": False})
    elif method == "patch":
        response = scim.patch(url, patch_body({"op": "replace", "value": {"active": False}}))
    else:
        response = scim.delete(url)
    body = assert_error(response, 403)
    role = "the owner" if protected.role == "owner" else "an administrator"
    assert f"{protected.username} is {role} of the organisation" in body["detail"]
    assert "not through SCIM" in body["detail"]
    assert user_state(protected) == before


def test_a_manual_member_can_be_made_protected_only_in_the_hub(scim, member):
    """SCIM never sets a role: not by POST, PUT or PATCH (role input is ignored)."""
    resource = scim.get(f"Users/{member.scim_link.scim_id}").json()
    resource["roles"] = [{"value": "administrator", "primary": True}]
    assert scim.put(f"Users/{member.scim_link.scim_id}", resource).status_code == 200
    assert User.objects.get(pk=member.pk).role == "member"
