"""Every change that can move a profile is in the SCIM activity log with how many users it
moved: members added or removed by hand, a team deleted, a profile's rank changed or the
profile deleted in the Django admin. Through HTTP."""

import pytest
from django.urls import reverse

from scim_provisioning.models import SCIMEvent
from teams import services as team_services
from tests.factories import UserFactory
from vxp_hub.models import Role, UserProfile


def last(action):
    return SCIMEvent.objects.filter(action=action).latest("id")


@pytest.fixture
def design(organisation, profiles):
    return team_services.team_create(organisation=organisation, name="Design", profile=profiles["Editor"])


def test_members_added_and_removed_by_hand_are_logged_with_the_moves(org_admin_client, organisation, design, administrator):
    okta_user = UserFactory(organisation=organisation, username="okta@acme.example", scim_managed=True)
    by_hand = UserFactory(organisation=organisation, username="hand@acme.example")
    add = reverse("settings-team-member-add", args=[design.pk])
    remove = reverse("settings-team-member-remove", args=[design.pk])

    response = org_admin_client.post(add, {"username": "okta@acme.example"}, follow=True)
    assert "okta@acme.example added. 1 user changed profile." in response.content.decode()
    event = last("team.member_added")
    assert (event.actor, event.resource_display, event.detail) == (
        administrator, "Design", "okta@acme.example added; 1 user changed profile.")

    org_admin_client.post(add, {"username": "hand@acme.example"})
    assert last("team.member_added").detail == "hand@acme.example added; No user's profile changed."

    response = org_admin_client.post(remove, {"user": okta_user.pk}, follow=True)
    assert "Member removed. 1 user changed profile." in response.content.decode()
    assert last("team.member_removed").detail == "okta@acme.example removed; 1 user changed profile."


def test_a_team_deleted_by_hand_is_logged_with_the_moves(org_admin_client, organisation, design, owner):
    members = [UserFactory(organisation=organisation, scim_managed=True).pk for _ in range(3)]
    team_services.team_members_add(team=design, user_ids=[*members, owner.pk])
    response = org_admin_client.post(reverse("settings-team-delete", args=[design.pk]), {"confirm": "yes"}, follow=True)
    assert "Team Design deleted; its members keep their accounts. 3 users changed profile." in response.content.decode()
    assert last("team.deleted").detail == "4 members; 3 users changed profile."
    page = org_admin_client.get(reverse("settings-activity")).content.decode()
    assert "Team deleted" in page and "Team member" not in page


@pytest.fixture
def staff_client(client, organisation):
    staff = UserFactory(organisation=organisation, role=Role.OWNER, username="op@acme.example", is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client, staff


def test_rank_changes_and_deletions_in_the_django_admin_are_logged(staff_client, organisation, profiles):
    client, staff = staff_client
    user = UserFactory(organisation=organisation, scim_managed=True)
    team_services.team_create(organisation=organisation, name="Writers", profile=profiles["Contributor"], member_ids=[user.pk])
    team_services.team_create(organisation=organisation, name="Readers", profile=profiles["Viewer"], member_ids=[user.pk])
    viewer = profiles["Viewer"]
    response = client.post(f"/admin/vxp_hub/userprofile/{viewer.pk}/change/",
                           {"organisation": organisation.pk, "name": "Viewer", "rank": 99})
    assert response.status_code == 302
    event = last("profile.rank_changed")
    assert (event.actor, event.resource_display, event.detail) == (staff, "Viewer", "Rank 10 → 99; 1 user changed profile.")

    response = client.post(f"/admin/vxp_hub/userprofile/{viewer.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not UserProfile.objects.filter(pk=viewer.pk).exists()
    assert last("profile.deleted").detail == "1 user changed profile."
    user.refresh_from_db()
    assert user.profile == profiles["Contributor"]
