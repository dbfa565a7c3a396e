"""Settings › Organisation › Users: role, effective profile and where it came from."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from teams import services as team_services
from tests.factories import UserFactory, bulk_users
from vxp_hub.models import Role, User
from vxp_hub.services import organisation_set_default_scim_profile

USERS = reverse("settings-users")


def profile_cells(html: str) -> dict[str, str]:
    """username -> the text of its "User profile" cell."""
    cells = {}
    for row in re.findall(r"<tr>\s*<td>(.*?)</tr>", html, re.S):
        username = re.match(r"([^\s<]+)", row).group(1)
        last = re.findall(r"<td>(.*?)</td>", "<td>" + row, re.S)[-1]
        cells[username] = last.strip()
    return cells


def test_each_profile_says_where_it_came_from(org_admin_client, organisation, profiles, owner):
    from_team = UserFactory(organisation=organisation, username="ann@acme.example", scim_managed=True)
    by_default = UserFactory(organisation=organisation, username="ben@acme.example", scim_managed=True)
    UserFactory(organisation=organisation, username="cat@acme.example", profile=profiles["Viewer"])
    UserFactory(organisation=organisation, username="dan@acme.example")
    organisation_set_default_scim_profile(organisation=organisation, profile=profiles["Viewer"])
    team_services.team_create(organisation=organisation, name="Marketing", profile=profiles["Editor"], member_ids=[from_team.pk, owner.pk])

    cells = profile_cells(org_admin_client.get(USERS).content.decode())
    assert cells["ann@acme.example"] == "Editor, from team Marketing"
    assert cells[by_default.username] == "Viewer, organisation default for SCIM users"
    assert cells["cat@acme.example"] == "Viewer, set by hand"
    assert cells["dan@acme.example"] == "— (no access)"
    assert cells["owner@acme.example"] == "Owner"
    assert cells["admin@acme.example"] == "Administrator"


def test_scim_user_with_no_default_has_no_access_and_a_badge(org_admin_client, organisation):
    UserFactory(organisation=organisation, username="eve@acme.example", scim_managed=True)
    html = org_admin_client.get(USERS).content.decode()
    assert profile_cells(html)["eve@acme.example"] == "— (no access)"
    assert re.search(r"eve@acme\.example <span class=\"badge\"[^>]*>SCIM</span>", html)


def test_scim_deleted_users_and_other_organisations_users_are_hidden(org_admin_client, organisation, other_administrator):
    UserFactory(organisation=organisation, username="gone@acme.example", scim_managed=True, scim_deleted_at=timezone.now())
    html = org_admin_client.get(USERS).content.decode()
    assert "gone@acme.example" not in html and other_administrator.username not in html


def test_toggle_and_scim_filter(org_admin_client, organisation, member):
    assert 'id="scim-toggle"' not in org_admin_client.get(USERS).content.decode()
    UserFactory(organisation=organisation, username="okta@acme.example", scim_managed=True)
    assert 'id="scim-toggle"' in org_admin_client.get(USERS).content.decode()
    cells = profile_cells(org_admin_client.get(USERS, {"scim": "1"}).content.decode())
    assert list(cells) == ["okta@acme.example"]


def test_a_scim_deleted_user_alone_does_not_show_the_toggle(org_admin_client, organisation):
    UserFactory(organisation=organisation, scim_managed=True, scim_deleted_at=timezone.now())
    assert 'id="scim-toggle"' not in org_admin_client.get(USERS).content.decode()


@pytest.mark.parametrize("count", [5, 120])
def test_users_page_takes_7_queries_at_50_rows(org_admin_client, organisation, profiles, count, django_assert_max_num_queries):
    users = bulk_users(organisation, count, scim_managed=True)
    team_services.team_create(organisation=organisation, name="Ops", profile=profiles["Editor"], member_ids=[u.pk for u in users])
    # session, user, organisation, COUNT, EXISTS SCIM team, EXISTS SCIM user, the page
    # (users with profile and source team joined)
    with django_assert_max_num_queries(7):
        response = org_admin_client.get(USERS)
    assert len(response.context["page_obj"]) == min(count + 1, 50)
    assert "Editor, from team Ops" in response.content.decode()


def test_users_page_is_paginated(org_admin_client, organisation):
    bulk_users(organisation, 120, prefix="zz")
    last = org_admin_client.get(USERS, {"page": 3})
    assert len(last.context["page_obj"]) == User.objects.filter(organisation=organisation).count() - 100


def test_member_gets_403(client, member):
    client.force_login(member)
    assert client.get(USERS).status_code == 403


def test_deactivated_user_is_listed_as_deactivated(org_admin_client, organisation):
    UserFactory(organisation=organisation, username="off@acme.example", is_active=False, role=Role.MEMBER)
    assert "off@acme.example (deactivated)" in org_admin_client.get(USERS).content.decode()


# --- states, counts, links that survive paging -------------------------------------------------


@pytest.fixture
def population(organisation, scim, administrator):
    """Through SCIM: 3 active users, 1 deactivated, 2 deleted by the identity provider; by
    hand: 1 active (plus the administrator), 1 deactivated."""
    schema = "urn:ietf:params:scim:schemas:core:2.0:User"
    ids = {}
    for name in ["on1", "on2", "on3", "off1", "gone1", "gone2"]:
        response = scim.post("Users", {"schemas": [schema], "userName": f"{name}@acme.example"})
        assert response.status_code == 201
        ids[name] = response.json()["id"]
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations": [{"op": "replace", "value": {"active": False}}]}
    assert scim.patch(f"Users/{ids['off1']}", patch).status_code in (200, 204)
    for name in ["gone1", "gone2"]:
        assert scim.delete(f"Users/{ids[name]}").status_code == 204
    UserFactory(organisation=organisation, username="hand@acme.example")
    UserFactory(organisation=organisation, username="handoff@acme.example", is_active=False)


def usernames(response) -> list[str]:
    return [u.username for u in response.context["page_obj"]]


def state_links(html: str) -> dict[str, tuple[str, str]]:
    """state -> (href, the link's text) of the state filter."""
    return {m.group(2): (m.group(1).replace("&amp;", "&"), " ".join(re.sub(r"<[^>]+>", " ", m.group(3)).split()))
            for m in re.finditer(r'<a href="([^"]*)"(?: aria-current="page")? data-state="(\w+)">(.*?)</a>', html, re.S)}


def test_each_state_has_its_users_and_a_count(org_admin_client, population):
    html = org_admin_client.get(USERS).content.decode()
    assert {k: v[1] for k, v in state_links(html).items()} == {
        "all": "All (7)", "active": "Active (5)", "deactivated": "Deactivated (2)", "deprovisioned": "Deprovisioned (2)"}
    assert "gone1@acme.example" not in html

    assert sorted(usernames(org_admin_client.get(USERS, {"state": "active"}))) == [
        "admin@acme.example", "hand@acme.example", "on1@acme.example", "on2@acme.example", "on3@acme.example"]
    assert usernames(org_admin_client.get(USERS, {"state": "deactivated"})) == ["handoff@acme.example", "off1@acme.example"]
    deprovisioned = org_admin_client.get(USERS, {"state": "deprovisioned"})
    assert usernames(deprovisioned) == ["gone1@acme.example", "gone2@acme.example"]
    body = deprovisioned.content.decode()
    assert 'aria-current="page" data-state="deprovisioned"' in body
    assert re.search(r"gone1@acme\.example <span class=\"badge\"[^>]*>SCIM</span> \(deprovisioned <time", body)
    assert "2 deprovisioned users" in body
    # An unknown state is the default list, not an error.
    assert len(usernames(org_admin_client.get(USERS, {"state": "bogus"}))) == 7


def test_counts_and_states_follow_the_scim_toggle(org_admin_client, population):
    html = org_admin_client.get(USERS, {"scim": "1"}).content.decode()
    links = state_links(html)
    assert {k: v[1] for k, v in links.items()} == {
        "all": "All (4)", "active": "Active (3)", "deactivated": "Deactivated (1)", "deprovisioned": "Deprovisioned (2)"}
    assert links["deprovisioned"][0] == "?scim=1&state=deprovisioned"
    assert links["all"][0] == "?scim=1"
    assert usernames(org_admin_client.get(USERS, {"scim": "1", "state": "deactivated"})) == ["off1@acme.example"]


def test_the_toggle_is_a_link_that_keeps_the_state(org_admin_client, population):
    html = org_admin_client.get(USERS, {"state": "active", "page": "1"}).content.decode()
    on = re.search(r'<a href="([^"]*)" role="switch" aria-checked="false">', html).group(1)
    assert on.replace("&amp;", "&") == "?state=active&scim=1"  # back to page 1
    html = org_admin_client.get(USERS + on.replace("&amp;", "&")).content.decode()
    off = re.search(r'<a href="([^"]*)" role="switch" aria-checked="true">', html).group(1)
    assert off == "?state=active"
    assert "Apply" not in html


def test_filters_survive_paging(org_admin_client, organisation):
    bulk_users(organisation, 120, prefix="pp", scim_managed=True, is_active=False)
    first = org_admin_client.get(USERS, {"state": "deactivated", "scim": "1"})
    assert first.context["page_obj"].paginator.count == 120
    body = first.content.decode()
    assert 'href="?state=deactivated&amp;scim=1&amp;page=2" rel="next"' in body
    third = org_admin_client.get(USERS, {"state": "deactivated", "scim": "1", "page": "3"})
    assert len(third.context["page_obj"]) == 20
    assert 'href="?state=deactivated&amp;scim=1&amp;page=2" rel="prev"' in third.content.decode()
    assert 'aria-current="page" data-state="deactivated"' in third.content.decode()


def test_scim_1_with_no_scim_user_left_still_offers_to_switch_it_off(org_admin_client, organisation):
    UserFactory(organisation=organisation, username="was-okta@acme.example", scim_managed=True, scim_deleted_at=timezone.now())
    assert 'id="scim-toggle"' not in org_admin_client.get(USERS).content.decode()
    html = org_admin_client.get(USERS, {"scim": "1"}).content.decode()
    assert re.search(r'<a href="\?" role="switch" aria-checked="true">', html)
    assert "0 users managed by SCIM" in html
