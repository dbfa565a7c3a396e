"""Settings › Organisation › Teams, the team edit page and the new-team form, through HTTP."""

import re

import pytest
from django.urls import reverse

from scim_provisioning.models import SCIMEvent, SCIMUser
from teams import services as team_services
from teams.models import Team
from tests.factories import TeamFactory, UserFactory, bulk_memberships, bulk_users

TEAMS = reverse("settings-teams")


def edit_url(team, action=""):
    names = {"": "settings-team-edit", "rename": "settings-team-rename", "add": "settings-team-member-add",
             "remove": "settings-team-member-remove"}
    return reverse(names[action], args=[team.pk])


def option_values(html: str) -> list[str]:
    select = re.search(r'<select name="profile".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d*)"', select)


@pytest.fixture
def scim_team(organisation, profiles):
    alice = UserFactory(organisation=organisation, username="alice@acme.example", scim_managed=True)
    return team_services.team_create(
        organisation=organisation, name="Okta Engineering", scim_managed=True, profile=profiles["Editor"],
        member_ids=[alice.pk],
    )


@pytest.fixture
def manual_team(organisation):
    return team_services.team_create(organisation=organisation, name="Design")


# --- the list -------------------------------------------------------------------------------


def test_list_shows_member_count_profile_and_scim_badge(org_admin_client, organisation, scim_team, manual_team):
    team_services.team_members_add(team=manual_team, user_ids=[UserFactory(organisation=organisation).pk for _ in range(3)])
    body = org_admin_client.get(TEAMS).content.decode()
    rows = {m.group(1): m.group(0) for m in re.finditer(r"<tr>\s*<td><a [^>]*>([^<]+)</a>.*?</tr>", body, re.S)}
    assert re.search(r"<td>1</td>\s*<td>Editor</td>", rows["Okta Engineering"]) and "SCIM" in rows["Okta Engineering"]
    assert re.search(r"<td>3</td>\s*<td>No profile</td>", rows["Design"]) and "SCIM" not in rows["Design"]


def test_list_shows_only_this_organisations_teams(org_admin_client, other_organisation, manual_team):
    TeamFactory(organisation=other_organisation, name="Globex secret team")
    body = org_admin_client.get(TEAMS).content.decode()
    assert "Design" in body and "Globex secret team" not in body


def test_toggle_is_absent_without_scim_objects_and_present_after_a_scim_team(org_admin_client, organisation, manual_team):
    assert 'id="scim-toggle"' not in org_admin_client.get(TEAMS).content.decode()
    team_services.team_create(organisation=organisation, name="From Okta", scim_managed=True)
    body = org_admin_client.get(TEAMS).content.decode()
    assert 'id="scim-toggle"' in body and "Show only SCIM users and teams" in body


def test_toggle_appears_for_a_scim_user_alone(org_admin_client, organisation):
    UserFactory(organisation=organisation, scim_managed=True)
    assert 'id="scim-toggle"' in org_admin_client.get(TEAMS).content.decode()


def test_toggle_ignores_another_organisations_scim_objects(org_admin_client, other_organisation):
    TeamFactory(organisation=other_organisation, scim_managed=True)
    UserFactory(organisation=other_organisation, scim_managed=True)
    assert 'id="scim-toggle"' not in org_admin_client.get(TEAMS).content.decode()


def test_scim_filter_shows_only_scim_teams(org_admin_client, scim_team, manual_team):
    body = org_admin_client.get(TEAMS, {"scim": "1"}).content.decode()
    assert "Okta Engineering" in body and ">Design<" not in body
    # The toggle is a link that switches the filter off (no Apply button).
    assert re.search(r'<a href="\?" role="switch" aria-checked="true">', body)


def test_the_toggle_stays_while_on_even_with_no_scim_object_left(org_admin_client, organisation, scim_team, manual_team):
    team_services.team_delete(team=scim_team)
    SCIMUser.objects.filter(organisation=organisation, managed=True).update(managed=False)
    assert 'id="scim-toggle"' not in org_admin_client.get(TEAMS).content.decode()
    body = org_admin_client.get(TEAMS, {"scim": "1"}).content.decode()
    assert re.search(r'<p id="scim-toggle"[^>]*>\s*<a href="\?" role="switch" aria-checked="true">', body)
    assert "0 teams managed by SCIM" in body


def test_list_is_paginated_by_50_and_keeps_the_filter(org_admin_client, organisation):
    Team.objects.bulk_create(Team(organisation=organisation, name=f"Team {i:03}", scim_managed=True) for i in range(120))
    first = org_admin_client.get(TEAMS, {"scim": "1"})
    assert len(first.context["page_obj"]) == 50
    assert "?scim=1&amp;page=2" in first.content.decode()
    last = org_admin_client.get(TEAMS, {"scim": "1", "page": 3})
    assert len(last.context["page_obj"]) == 20 and "Team 119" in last.content.decode()


@pytest.mark.parametrize("teams", [5, 50])
def test_list_takes_7_queries_whatever_the_page_size(org_admin_client, organisation, profiles, teams, django_assert_max_num_queries):
    created = Team.objects.bulk_create(
        Team(organisation=organisation, name=f"Team {i}", profile=profiles["Editor"]) for i in range(teams)
    )
    users = bulk_users(organisation, 20)
    for team in created:
        bulk_memberships(team, users)
    # session, user, organisation, COUNT, EXISTS SCIM team, EXISTS SCIM user (no SCIM
    # team here, the worst case), the page (teams, profiles and member counts in one query)
    with django_assert_max_num_queries(7):
        response = org_admin_client.get(TEAMS)
    page = response.context["page_obj"]
    assert len(page) == teams and {t.member_count for t in page} == {20}


# --- team edit ------------------------------------------------------------------------------


def test_profile_select_lists_only_this_organisations_profiles(org_admin_client, other_organisation, profiles, manual_team):
    html = org_admin_client.get(edit_url(manual_team)).content.decode()
    assert option_values(html) == ["", *(str(p.pk) for p in sorted(profiles.values(), key=lambda p: p.rank))]
    assert ">No profile</option>" in html


def test_choosing_a_profile_maps_the_team_recomputes_members_and_logs_it(org_admin_client, organisation, profiles, administrator):
    scimmer = UserFactory(organisation=organisation, scim_managed=True)
    team = team_services.team_create(organisation=organisation, name="Marketing", member_ids=[scimmer.pk])
    response = org_admin_client.post(edit_url(team), {"profile": profiles["Editor"].pk, "confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == edit_url(team)
    team.refresh_from_db()
    scimmer.refresh_from_db()
    assert team.profile == profiles["Editor"] and (scimmer.profile, scimmer.profile_team) == (profiles["Editor"], team)
    event = SCIMEvent.objects.get(action="team.profile_mapped")
    assert (event.actor, event.detail, event.resource_display) == (
        administrator, "No profile → Editor; 1 user changed profile.", "Marketing")

    org_admin_client.post(edit_url(team), {"profile": "", "confirm": "yes"})
    team.refresh_from_db()
    assert team.profile is None


def test_another_organisations_profile_is_refused(org_admin_client, other_organisation, profiles, manual_team):
    foreign = other_organisation.profiles.get(name="Manager")
    response = org_admin_client.post(edit_url(manual_team), {"profile": foreign.pk})
    assert response.status_code == 400
    manual_team.refresh_from_db()
    assert manual_team.profile is None and not SCIMEvent.objects.exists()


def test_scim_team_shows_name_and_members_read_only(org_admin_client, scim_team):
    html = org_admin_client.get(edit_url(scim_team)).content.decode()
    assert 'id="scim-read-only"' in html and "managed by your identity provider" in html
    assert "alice@acme.example" in html
    assert edit_url(scim_team, "rename") not in html
    assert edit_url(scim_team, "add") not in html and edit_url(scim_team, "remove") not in html
    assert 'name="profile"' in html  # the mapping stays ours


def test_scim_team_refuses_rename_and_member_changes(org_admin_client, organisation, scim_team):
    bob = UserFactory(organisation=organisation, username="bob@acme.example")
    assert org_admin_client.post(edit_url(scim_team, "rename"), {"name": "Renamed"}).status_code == 403
    assert org_admin_client.post(edit_url(scim_team, "add"), {"username": bob.username}).status_code == 403
    alice = scim_team.members.get()
    assert org_admin_client.post(edit_url(scim_team, "remove"), {"user": alice.pk}).status_code == 403
    scim_team.refresh_from_db()
    assert scim_team.name == "Okta Engineering" and list(scim_team.members.all()) == [alice]


def test_scim_team_profile_can_still_be_chosen(org_admin_client, profiles, scim_team):
    assert org_admin_client.post(edit_url(scim_team), {"profile": profiles["Manager"].pk, "confirm": "yes"}).status_code == 302
    scim_team.refresh_from_db()
    assert scim_team.profile == profiles["Manager"]


def test_manual_team_rename(org_admin_client, organisation, manual_team):
    assert org_admin_client.post(edit_url(manual_team, "rename"), {"name": "Product design"}).status_code == 302
    manual_team.refresh_from_db()
    assert manual_team.name == "Product design"
    team_services.team_create(organisation=organisation, name="Sales")
    response = org_admin_client.post(edit_url(manual_team, "rename"), {"name": "SALES"})
    assert response.status_code == 400 and "Another team of your organisation has this name." in response.content.decode()
    manual_team.refresh_from_db()
    assert manual_team.name == "Product design"


def test_manual_team_add_and_remove_members(org_admin_client, organisation, other_organisation, manual_team):
    bob = UserFactory(organisation=organisation, username="bob@acme.example")
    UserFactory(organisation=other_organisation, username="eve@globex.example")
    assert org_admin_client.post(edit_url(manual_team, "add"), {"username": "BOB@acme.example"}).status_code == 302
    assert list(manual_team.members.all()) == [bob]
    response = org_admin_client.post(edit_url(manual_team, "add"), {"username": "eve@globex.example"})
    assert response.status_code == 400 and "No user of your organisation has this username." in response.content.decode()
    assert org_admin_client.post(edit_url(manual_team, "remove"), {"user": bob.pk}).status_code == 302
    assert not manual_team.members.exists()


def test_removing_another_organisations_user_is_refused(org_admin_client, other_organisation, manual_team):
    stranger = UserFactory(organisation=other_organisation)
    assert org_admin_client.post(edit_url(manual_team, "remove"), {"user": stranger.pk}).status_code == 400
    assert org_admin_client.post(edit_url(manual_team, "remove"), {"user": "not a number"}).status_code == 400


@pytest.mark.parametrize("action", ["", "rename", "add", "remove"])
def test_another_organisations_team_is_404(org_admin_client, other_organisation, action):
    team = TeamFactory(organisation=other_organisation, name="Globex team")
    if action:
        assert org_admin_client.post(edit_url(team, action), {"name": "x", "username": "x", "user": "1"}).status_code == 404
    else:
        assert org_admin_client.get(edit_url(team)).status_code == 404
        assert org_admin_client.post(edit_url(team), {"profile": ""}).status_code == 404


@pytest.mark.parametrize("action", ["", "rename", "add", "remove"])
def test_member_gets_403(client, member, manual_team, action):
    client.force_login(member)
    assert client.post(edit_url(manual_team, action), {"name": "x"}).status_code == 403
    assert client.get(edit_url(manual_team)).status_code == 403
    assert client.get(reverse("settings-team-create")).status_code == 403


def test_edit_page_lists_a_big_team_in_bounded_queries(org_admin_client, organisation, django_assert_max_num_queries):
    team = TeamFactory(organisation=organisation, name="Everyone")
    bulk_memberships(team, bulk_users(organisation, 500))
    # session, user, organisation, team, profiles for the select, COUNT members, members page
    with django_assert_max_num_queries(7):
        response = org_admin_client.get(edit_url(team))
    assert len(response.context["members_page"]) == 50


# --- new team -------------------------------------------------------------------------------


def test_new_team_is_manual_and_opens_its_edit_page(org_admin_client, organisation):
    assert org_admin_client.get(reverse("settings-team-create")).status_code == 200
    response = org_admin_client.post(reverse("settings-team-create"), {"name": "  Support  "})
    team = Team.objects.get(organisation=organisation)
    assert (team.name, team.scim_managed) == ("Support", False)
    assert response["Location"] == edit_url(team)


def test_new_team_with_a_taken_name_is_refused(org_admin_client, organisation, manual_team):
    response = org_admin_client.post(reverse("settings-team-create"), {"name": "design"})
    assert response.status_code == 400
    assert Team.objects.filter(organisation=organisation).count() == 1



def test_delete_a_manual_team_keeps_its_users_and_recomputes_profiles(client, administrator, organisation, profiles):
    from teams.models import Team
    from teams.services import team_create
    from tests.factories import UserFactory

    user = UserFactory(organisation=organisation, scim_managed=True)
    team = team_create(organisation=organisation, name="Editors", profile=profiles["Editor"], member_ids=[user.pk])
    client.force_login(administrator)
    url = f"/settings/organisation/teams/{team.pk}/delete/"
    assert client.post(url, {}).status_code == 400  # not confirmed: nothing happens
    assert Team.objects.filter(pk=team.pk).exists()
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()
    user.refresh_from_db()
    assert user.profile is None and user.profile_team is None


def test_scim_team_cannot_be_deleted_in_the_hub(client, administrator, organisation):
    from teams.models import Team
    from teams.services import team_create

    team = team_create(organisation=organisation, name="Okta Pushed", scim_managed=True)
    client.force_login(administrator)
    assert client.post(f"/settings/organisation/teams/{team.pk}/delete/", {"confirm": "yes"}).status_code == 403
    assert "Delete this team" not in client.get(f"/settings/organisation/teams/{team.pk}/").content.decode()
    assert Team.objects.filter(pk=team.pk).exists()


def test_another_organisations_team_cannot_be_deleted(client, other_administrator, organisation):
    from teams.models import Team
    from teams.services import team_create

    team = team_create(organisation=organisation, name="Ours")
    client.force_login(other_administrator)
    assert client.post(f"/settings/organisation/teams/{team.pk}/delete/", {"confirm": "yes"}).status_code == 404
    assert Team.objects.filter(pk=team.pk).exists()
