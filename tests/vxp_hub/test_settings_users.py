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
