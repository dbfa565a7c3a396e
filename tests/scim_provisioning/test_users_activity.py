"""Every SCIM write to /Users is in the organisation's activity log: operation, resource,
outcome, status and token hint; never a request body or a password."""

import pytest

from scim_provisioning.models import SCIMEvent, SCIMToken

from .users import USER, patch_body

PASSWORD = "1mz050nq-placeholder"


def _events(organisation, action):
    return list(SCIMEvent.objects.filter(organisation=organisation, action=action).order_by("id"))


def _no_body_in(event):
    text = " ".join(str(getattr(event, f.attname)) for f in SCIMEvent._meta.concrete_fields)
    assert PASSWORD not in text
    assert "Operations" not in text and "schemas" not in text


@pytest.fixture
def token(organisation, scim_token):
    return SCIMToken.objects.get(organisation=organisation, revoked_at__isnull=True)


def test_successful_writes_are_logged(scim, organisation, token):
    response = scim.post("Users", {"schemas": [USER], "userName": "logged@example.com", "password": PASSWORD})
    user_id = response.json()["id"]
    scim.patch(f"Users/{user_id}", patch_body({"op": "replace", "value": {"active": False, "password": PASSWORD}}))
    scim.put(f"Users/{user_id}", {"userName": "logged@example.com", "password": PASSWORD})
    scim.delete(f"Users/{user_id}")

    for action, status in (("user.create", 201), ("user.patch", 200), ("user.replace", 200), ("user.delete", 204)):
        [event] = _events(organisation, action)
        assert event.outcome == SCIMEvent.Outcome.SUCCESS
        assert event.status_code == status
        assert event.resource_type == "User"
        assert event.resource_id == user_id
        assert event.resource_display == "logged@example.com"
        assert event.token == token and event.token_hint == token.hint
        assert event.detail == ""
        _no_body_in(event)


def test_a_conflict_is_logged_as_a_failure(scim, organisation, member, token):
    scim.post("Users", {"userName": member.username.upper(), "password": PASSWORD})
    [event] = _events(organisation, "user.create")
    assert event.outcome == SCIMEvent.Outcome.FAILURE
    assert event.status_code == 409
    assert event.resource_display == member.username.upper()
    assert event.token_hint == token.hint
    assert "already exists" in event.detail
    _no_body_in(event)


def test_a_refused_change_of_a_protected_user_is_logged_as_a_failure(scim, organisation, owner, token):
    scim.patch(f"Users/{owner.scim_link.scim_id}", patch_body({"op": "replace", "value": {"active": False}}))
    [event] = _events(organisation, "user.patch")
    assert (event.outcome, event.status_code, event.resource_id) == (SCIMEvent.Outcome.FAILURE, 403, str(owner.scim_link.scim_id))
    assert "not through SCIM" in event.detail and event.token_hint == token.hint


def test_an_invalid_value_is_logged_without_the_value(scim, organisation, member):
    scim.patch(f"Users/{member.scim_link.scim_id}", patch_body({"op": "replace", "path": "userName", "value": "u" * 151}))
    [event] = _events(organisation, "user.patch")
    assert (event.outcome, event.status_code) == (SCIMEvent.Outcome.FAILURE, 400)
    assert "userName" in event.detail and "u" * 151 not in event.detail


def test_an_id_with_control_characters_is_logged(scim, organisation):
    assert scim.delete("Users/%00%07abc").status_code == 404
    [event] = _events(organisation, "user.delete")
    assert event.outcome == SCIMEvent.Outcome.FAILURE and event.status_code == 404
    assert event.resource_id == "??abc"


def test_reads_are_not_logged(scim, organisation, member):
    before = SCIMEvent.objects.filter(organisation=organisation).exclude(action__startswith="token.").count()
    scim.get("Users")
    scim.get(f"Users/{member.scim_link.scim_id}")
    assert SCIMEvent.objects.filter(organisation=organisation).exclude(action__startswith="token.").count() == before
