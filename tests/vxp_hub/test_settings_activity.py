"""Settings › Organisation › SCIM activity: newest first, 50 a page, outcome filter, one
organisation only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from scim_provisioning.models import SCIMEvent
from scim_provisioning.services import token_generate
from tests.factories import SCIMEventFactory

URL = reverse("settings-activity")
NOW = timezone.now()


def event(organisation, action, minutes_ago=0, **kwargs):
    return SCIMEventFactory(organisation=organisation, action=action, created_at=NOW - timedelta(minutes=minutes_ago), **kwargs)


def actions_in_order(response) -> list[str]:
    return [e.action for e in response.context["page_obj"]]


def test_events_are_listed_newest_first_with_every_column(org_admin_client, organisation, administrator):
    token, _ = token_generate(organisation=organisation, created_by=administrator)
    event(organisation, "user.create", minutes_ago=30)
    event(
        organisation, "user.patch", minutes_ago=10, outcome=SCIMEvent.Outcome.FAILURE, status_code=403,
        token=token, token_hint=token.hint, resource_type="User", resource_id="3f2a-uuid",
        resource_display="owner@acme.example", detail="Owners cannot be changed through SCIM",
    )
    event(organisation, "group.delete", minutes_ago=20)

    response = org_admin_client.get(URL)
    assert response.status_code == 200
    assert actions_in_order(response) == ["token.generated", "user.patch", "group.delete", "user.create"]

    body = response.content.decode()
    assert body.index("user.patch") < body.index("group.delete") < body.index("user.create")
    for text in ["Failure", "403", token.hint, administrator.username, "User owner@acme.example",
                 "3f2a-uuid", "Owners cannot be changed through SCIM"]:
        assert text in body


def test_fifty_events_a_page(org_admin_client, organisation):
    for i in range(51):
        event(organisation, f"user.update.{i:02d}", minutes_ago=i)

    first = org_admin_client.get(URL)
    assert len(first.context["page_obj"]) == 50
    assert actions_in_order(first)[0] == "user.update.00"
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?page=2"' in first.content.decode()

    second = org_admin_client.get(URL, {"page": 2})
    assert actions_in_order(second) == ["user.update.50"]
    # Out-of-range and malformed page numbers fall back to a real page rather than failing.
    assert org_admin_client.get(URL, {"page": 99}).context["page_obj"].number == 2
    assert org_admin_client.get(URL, {"page": "x"}).context["page_obj"].number == 1


@pytest.mark.parametrize("outcome", ["success", "failure"])
def test_outcome_filter(org_admin_client, organisation, outcome):
    event(organisation, "user.create.ok", outcome="success")
    event(organisation, "user.create.failed", outcome="failure", status_code=409)
    response = org_admin_client.get(URL, {"outcome": outcome})
    assert actions_in_order(response) == [{"success": "user.create.ok", "failure": "user.create.failed"}[outcome]]
    assert f'<option value="{outcome}" selected>' in response.content.decode()


def test_outcome_filter_is_kept_across_pages(org_admin_client, organisation):
    for i in range(60):
        event(organisation, "user.create", outcome="failure", minutes_ago=i)
    event(organisation, "user.create", outcome="success")
    response = org_admin_client.get(URL, {"outcome": "failure"})
    assert 'href="?outcome=failure&amp;page=2"' in response.content.decode()
    second = org_admin_client.get(URL, {"outcome": "failure", "page": 2})
    assert len(second.context["page_obj"]) == 10
    assert {e.outcome for e in second.context["page_obj"]} == {"failure"}


def test_unknown_outcome_shows_everything_and_says_so(org_admin_client, organisation):
    event(organisation, "user.create", outcome="success")
    event(organisation, "user.delete", outcome="failure")
    response = org_admin_client.get(URL, {"outcome": "sideways"})
    assert response.status_code == 200
    assert len(response.context["page_obj"]) == 2
    assert "Select a valid choice" in response.content.decode()


def test_only_the_organisations_own_events(client, organisation, other_organisation, administrator, other_administrator):
    event(organisation, "acme.only")
    event(other_organisation, "globex.only")

    client.force_login(administrator)
    assert actions_in_order(client.get(URL)) == ["acme.only"]
    assert actions_in_order(client.get(URL, {"outcome": "success"})) == ["acme.only"]

    client.force_login(other_administrator)
    response = client.get(URL)
    assert actions_in_order(response) == ["globex.only"]
    assert "acme.only" not in response.content.decode()


def test_empty_log(org_admin_client):
    assert "No SCIM activity to show" in org_admin_client.get(URL).content.decode()


def test_nav_links_to_the_page(org_admin_client):
    body = org_admin_client.get(reverse("settings-general")).content.decode()
    assert f'<a href="{URL}"' in body
    assert 'aria-current="page">SCIM activity</a>' in org_admin_client.get(URL).content.decode()


def test_owner_may_read_it(client, owner):
    client.force_login(owner)
    assert client.get(URL).status_code == 200


def test_member_gets_403(client, member, organisation):
    event(organisation, "user.create")
    client.force_login(member)
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- request ids and readable actions --------------------------------------------------------


def test_a_scim_request_can_be_found_by_its_request_id(org_admin_client, scim, organisation):
    created = scim.post("Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ann@acme.example"})
    other = scim.post("Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ben@acme.example"})
    request_id = created["X-Request-Id"]

    everything = org_admin_client.get(URL).content.decode()
    assert request_id in everything and other["X-Request-Id"] in everything

    found = org_admin_client.get(URL, {"request_id": request_id})
    events = list(found.context["page_obj"])
    # The first request also logged the token's first use: both lines carry its id.
    assert [(e.action, e.resource_display) for e in events] == [("user.create", "ann@acme.example"), ("token.first_use", "")]
    body = found.content.decode()
    assert other["X-Request-Id"] not in body
    assert f'value="{request_id}"' in body  # the search box keeps what was searched

    assert list(org_admin_client.get(URL, {"request_id": "no-such-request"}).context["page_obj"]) == []
    # An id longer than any we answer is refused with a message, not an error page.
    too_long = org_admin_client.get(URL, {"request_id": request_id + "x" * 70})
    assert too_long.status_code == 200 and "Request id: Ensure this value has at most 64 characters" in too_long.content.decode()


def test_another_organisations_request_id_finds_nothing(org_admin_client, other_scim, organisation):
    theirs = other_scim.post("Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x@globex.example"})
    assert theirs.status_code == 201
    assert list(org_admin_client.get(URL, {"request_id": theirs["X-Request-Id"]}).context["page_obj"]) == []


def test_actions_are_labelled_and_keep_their_code(org_admin_client, organisation):
    for action in ("user.create", "group.patch", "token.revoked", "team.profile_mapped", "some.future_code"):
        event(organisation, action)
    body = org_admin_client.get(URL).content.decode()
    for code, label in [("user.create", "User created"), ("group.patch", "Team updated"),
                        ("token.revoked", "Token revoked"), ("team.profile_mapped", "Team profile changed"),
                        ("some.future_code", "some.future_code")]:
        assert f'<span title="{code}" data-action="{code}">{label}</span>' in body
