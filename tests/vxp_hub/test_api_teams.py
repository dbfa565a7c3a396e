"""The teams and profiles JSON API: scoped to the caller's organisation, admins only."""

import json

import pytest
from django.urls import reverse

from scim_provisioning.models import SCIMEvent
from teams import services as team_services
from tests.factories import TeamFactory, UserFactory

TEAMS = reverse("api-team-list")
PROFILES = reverse("api-profile-list")


def detail(team_id):
    return reverse("api-team-detail", args=[team_id])


def patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def marketing(organisation, profiles):
    scimmer = UserFactory(organisation=organisation, scim_managed=True)
    return team_services.team_create(
        organisation=organisation, name="Marketing", scim_managed=True, profile=profiles["Viewer"], member_ids=[scimmer.pk]
    )


@pytest.fixture
def design(organisation):
    return team_services.team_create(organisation=organisation, name="Design")


def test_list_and_scim_filter(org_admin_client, other_organisation, marketing, design):
    TeamFactory(organisation=other_organisation, name="Globex team", scim_managed=True)
    body = org_admin_client.get(TEAMS).json()
    assert body["count"] == 2
    assert [(t["name"], t["member_count"], t["profile_name"]) for t in body["results"]] == [
        ("Design", 0, None), ("Marketing", 1, "Viewer"),
    ]
    scim = org_admin_client.get(TEAMS, {"scim": "1"}).json()
    assert [t["name"] for t in scim["results"]] == ["Marketing"]


def test_list_is_paginated(org_admin_client, organisation):
    for i in range(55):
        TeamFactory(organisation=organisation, name=f"Team {i:02}")
    first = org_admin_client.get(TEAMS).json()
    assert (first["count"], len(first["results"])) == (55, 50) and first["next"]


def test_retrieve_by_id(org_admin_client, marketing, profiles):
    body = org_admin_client.get(detail(marketing.pk)).json()
    assert body["id"] == marketing.pk and body["scim_id"] == str(marketing.scim_id)
    assert (body["name"], body["scim_managed"], body["profile"], body["member_count"]) == (
        "Marketing", True, profiles["Viewer"].pk, 1,
    )


def test_patch_maps_the_profile_recomputes_and_logs(org_admin_client, marketing, profiles, administrator):
    response = patch(org_admin_client, detail(marketing.pk), {"profile": profiles["Manager"].pk})
    assert response.status_code == 200
    assert (response.json()["profile"], response.json()["profile_name"]) == (profiles["Manager"].pk, "Manager")
    member = marketing.members.get()
    assert (member.profile, member.profile_team) == (profiles["Manager"], marketing)
    event = SCIMEvent.objects.get(action="team.profile_mapped")
    assert (event.actor, event.detail) == (administrator, "Viewer → Manager; 1 user changed profile.")

    assert patch(org_admin_client, detail(marketing.pk), {"profile": None}).json()["profile"] is None


def test_patch_with_another_organisations_profile_is_400(org_admin_client, other_organisation, marketing, profiles):
    foreign = other_organisation.profiles.get(name="Manager")
    response = patch(org_admin_client, detail(marketing.pk), {"profile": foreign.pk})
    assert response.status_code == 400 and "profile" in response.json()
    marketing.refresh_from_db()
    assert marketing.profile == profiles["Viewer"] and not SCIMEvent.objects.exists()


@pytest.mark.parametrize("body", [{}, {"profile": "abc"}, {"profile": [1]}, {"profile": 10**30}])
def test_patch_with_a_bad_body_is_400(org_admin_client, marketing, body):
    assert patch(org_admin_client, detail(marketing.pk), body).status_code == 400


def test_patch_changes_nothing_but_the_profile(org_admin_client, marketing, profiles):
    patch(org_admin_client, detail(marketing.pk), {"profile": profiles["Editor"].pk, "name": "Hacked", "scim_managed": False})
    marketing.refresh_from_db()
    assert (marketing.name, marketing.scim_managed, marketing.profile) == ("Marketing", True, profiles["Editor"])


def test_put_is_not_allowed(org_admin_client, marketing):
    assert org_admin_client.put(detail(marketing.pk), data="{}", content_type="application/json").status_code == 405


def test_profiles_list_only_this_organisation(org_admin_client, profiles):
    body = org_admin_client.get(PROFILES).json()
    assert [(p["id"], p["name"]) for p in body["results"]] == [
        (profiles[n].pk, n) for n in ("Viewer", "Contributor", "Editor", "Manager")
    ]


def test_another_organisations_team_is_404(client, other_administrator, marketing, profiles):
    client.force_login(other_administrator)
    assert client.get(detail(marketing.pk)).status_code == 404
    foreign_profile = other_administrator.organisation.profiles.first()
    assert patch(client, detail(marketing.pk), {"profile": foreign_profile.pk}).status_code == 404
    assert client.get(TEAMS).json()["count"] == 0
    marketing.refresh_from_db()
    assert marketing.profile == profiles["Viewer"]


@pytest.mark.parametrize("url", [TEAMS, PROFILES, "team"])
def test_member_gets_403(client, member, marketing, url):
    client.force_login(member)
    url = detail(marketing.pk) if url == "team" else url
    assert client.get(url).status_code == 403
    assert patch(client, detail(marketing.pk), {"profile": None}).status_code == 403


def test_anonymous_is_refused(client, marketing):
    assert client.get(TEAMS).status_code == 403
