"""Before a change that moves profiles applies, the page shows its effect ("37 users go from
Viewer to Editor, 2 users lose access"), then applies it on Confirm and says how many users
changed. Through HTTP, with real users and teams."""

import re

import pytest
from django.urls import reverse

from scim_provisioning.models import SCIMEvent, SCIMUser
from teams import services as team_services
from tests.factories import UserFactory, bulk_memberships, bulk_users
from vxp_hub.models import Role, User
from vxp_hub.services import organisation_set_default_scim_profile

GENERAL = reverse("settings-general")
DEFAULT_PROFILE = reverse("settings-general-default-profile")


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def profiles_of(users) -> list:
    return list(User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk").values_list("profile__name", flat=True))


@pytest.fixture
def sales(organisation, profiles, owner):
    """Team Sales mapped to Viewer: 37 SCIM users who have only this team, 2 SCIM users who
    are also in Support (Editor, so they keep Editor), an owner and a user managed by hand."""
    team = team_services.team_create(organisation=organisation, name="Sales", profile=profiles["Viewer"])
    only_sales = bulk_users(organisation, 37, prefix="sales", scim_managed=True)
    both = bulk_users(organisation, 2, prefix="both", scim_managed=True)
    by_hand = UserFactory(organisation=organisation, username="hand@acme.example", profile=profiles["Viewer"])
    bulk_memberships(team, [*only_sales, *both, by_hand, owner])
    support = team_services.team_create(organisation=organisation, name="Support", profile=profiles["Editor"])
    bulk_memberships(support, both)
    team_services.profiles_recompute(organisation=organisation)
    return team, only_sales, both, by_hand


def edit(team):
    return reverse("settings-team-edit", args=[team.pk])


def test_a_team_remap_is_previewed_then_applied_on_confirm(org_admin_client, organisation, profiles, sales):
    team, only_sales, both, by_hand = sales
    assert set(profiles_of(only_sales)) == {"Viewer"} and set(profiles_of(both)) == {"Editor"}

    preview = org_admin_client.post(edit(team), {"profile": profiles["Manager"].pk})
    assert preview.status_code == 200
    page = text(preview)
    assert "Change the profile of team Sales?" in page
    assert "37 users go from Viewer to Manager, 2 users go from Editor to Manager." in page
    assert 'name="confirm" value="yes"' in page and f'href="{edit(team)}"' in page  # Confirm and Cancel
    # Nothing has changed yet.
    team.refresh_from_db()
    assert team.profile == profiles["Viewer"] and set(profiles_of(only_sales)) == {"Viewer"}
    assert not SCIMEvent.objects.filter(action="team.profile_mapped").exists()

    confirmed = org_admin_client.post(edit(team), {"profile": profiles["Manager"].pk, "confirm": "yes"}, follow=True)
    assert "Profile saved: Manager. 39 users changed profile." in text(confirmed)
    assert set(profiles_of([*only_sales, *both])) == {"Manager"}
    assert profiles_of([by_hand]) == ["Viewer"]
    assert SCIMEvent.objects.get(action="team.profile_mapped").detail == "Viewer → Manager; 39 users changed profile."


def test_unmapping_says_who_loses_access(org_admin_client, organisation, profiles, sales):
    team, only_sales, both, _ = sales
    page = text(org_admin_client.post(edit(team), {"profile": ""}))
    assert "37 users lose access (had Viewer)." in page  # the two in Support keep Editor
    assert 'class="warning"' in page

    confirmed = org_admin_client.post(edit(team), {"profile": "", "confirm": "yes"}, follow=True)
    assert "Profile saved: No profile. 37 users changed profile." in text(confirmed)
    assert set(profiles_of(only_sales)) == {None} and set(profiles_of(both)) == {"Editor"}


def test_a_mapping_with_a_lower_rank_than_another_team_moves_only_some(org_admin_client, organisation, profiles, sales):
    team, _, _, _ = sales
    page = text(org_admin_client.post(edit(team), {"profile": profiles["Contributor"].pk}))
    assert "37 users go from Viewer to Contributor." in page


def test_cancel_leaves_everything_and_the_same_profile_changes_nothing(org_admin_client, profiles, sales):
    team, only_sales, _, _ = sales
    cancel = org_admin_client.get(edit(team))
    assert cancel.status_code == 200
    same = org_admin_client.post(edit(team), {"profile": profiles["Viewer"].pk}, follow=True)
    assert "The profile is unchanged." in text(same)
    assert not SCIMEvent.objects.filter(action="team.profile_mapped").exists()
    assert set(profiles_of(only_sales)) == {"Viewer"}


def test_the_message_counts_what_the_confirm_did_even_if_things_moved_since_the_preview(
    org_admin_client, organisation, profiles, sales
):
    team, only_sales, _, _ = sales
    org_admin_client.post(edit(team), {"profile": profiles["Manager"].pk})
    team_services.team_members_remove(team=team, user_ids=[u.pk for u in only_sales[:7]])
    confirmed = org_admin_client.post(edit(team), {"profile": profiles["Manager"].pk, "confirm": "yes"}, follow=True)
    assert "32 users changed profile." in text(confirmed)


def test_a_default_profile_change_is_previewed_then_applied(org_admin_client, organisation, profiles, sales, administrator):
    _, only_sales, both, _ = sales
    loners = bulk_users(organisation, 5, prefix="loner", scim_managed=True)
    organisation_set_default_scim_profile(organisation=organisation, profile=profiles["Viewer"])
    assert set(profiles_of(loners)) == {"Viewer"}

    preview = org_admin_client.post(DEFAULT_PROFILE, {"profile": ""})
    assert preview.status_code == 200
    page = text(preview)
    assert "Change the default profile for SCIM users?" in page
    assert "Viewer → None — no access" in page.replace("<strong>", "").replace("</strong>", "")
    assert "5 users lose access (had Viewer)." in page
    organisation.refresh_from_db()
    assert organisation.default_scim_profile == profiles["Viewer"]

    confirmed = org_admin_client.post(DEFAULT_PROFILE, {"profile": "", "confirm": "yes"}, follow=True)
    assert "Default profile for SCIM users saved. 5 users changed profile." in text(confirmed)
    assert set(profiles_of(loners)) == {None}
    assert set(profiles_of(only_sales)) == {"Viewer"}  # they have a mapped team
    event = SCIMEvent.objects.get(action="organisation.default_profile_changed", actor=administrator)
    assert event.detail == "Viewer → No profile; 5 users changed profile."

    # Owners and administrators are never counted or moved.
    org_admin_client.post(DEFAULT_PROFILE, {"profile": profiles["Editor"].pk})
    page = text(org_admin_client.post(DEFAULT_PROFILE, {"profile": profiles["Editor"].pk}))
    assert "5 users get access as Editor." in page
    assert User.objects.filter(role__in=[Role.OWNER, Role.ADMINISTRATOR], profile__isnull=False).count() == 0


def test_the_activity_page_shows_readable_profile_changes(org_admin_client, organisation, profiles, sales):
    team, _, _, _ = sales
    org_admin_client.post(edit(team), {"profile": profiles["Editor"].pk, "confirm": "yes"})
    org_admin_client.post(DEFAULT_PROFILE, {"profile": profiles["Viewer"].pk, "confirm": "yes"})
    page = text(org_admin_client.get(reverse("settings-activity")))
    assert '<span title="team.profile_mapped" data-action="team.profile_mapped">Team profile changed</span>' in page
    assert "Default SCIM profile changed" in page and "No profile → Viewer; No user&#x27;s profile changed." in page
    assert "Viewer → Editor; 37 users changed profile." in page


def test_deprovisioned_users_are_not_counted(org_admin_client, organisation, profiles, sales):
    from django.utils import timezone

    team, only_sales, _, _ = sales
    gone = [u.pk for u in only_sales[:10]]
    # Deleted by the identity provider: the SCIM user is marked, the hub's user deactivated.
    SCIMUser.objects.filter(user__in=gone, organisation=organisation).update(deleted_at=timezone.now(), active=False)
    User.objects.filter(pk__in=gone).update(is_active=False)
    page = text(org_admin_client.post(edit(team), {"profile": profiles["Manager"].pk}))
    assert "27 users go from Viewer to Manager, 2 users go from Editor to Manager." in page
