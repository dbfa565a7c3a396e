"""The hub's team services: mapping a profile is recorded in the SCIM activity log; the
organisation's default profile for SCIM users applies at once."""

import pytest

from scim_provisioning.models import SCIMEvent
from teams import services as team_services
from tests.factories import UserFactory
from vxp_hub.services import organisation_set_default_scim_profile, team_map_profile


def test_mapping_a_profile_is_recorded_with_before_after_and_how_many_users_changed(organisation, profiles, administrator, owner):
    members = [UserFactory(organisation=organisation, scim_managed=True).pk for _ in range(3)]
    team = team_services.team_create(organisation=organisation, name="Marketing", profile=profiles["Viewer"],
                                     member_ids=[*members, owner.pk])
    first = team_map_profile(team=team, profile=profiles["Editor"], actor=administrator)
    second = team_map_profile(team=team, profile=None, actor=administrator)
    assert (first.changed, second.changed, second.lose_access) == (3, 3, 3)
    events = list(SCIMEvent.objects.filter(organisation=organisation, action="team.profile_mapped").order_by("id"))
    assert [e.detail for e in events] == ["Viewer → Editor; 3 users changed profile.",
                                          "Editor → No profile; 3 users changed profile."]
    first = events[0]
    assert (first.actor, first.resource_type, first.resource_id, first.resource_display, first.outcome) == (
        administrator, "Group", str(team.scim_id), "Marketing", SCIMEvent.Outcome.SUCCESS,
    )


def test_mapping_the_same_profile_again_records_nothing(organisation, profiles):
    team = team_services.team_create(organisation=organisation, name="Marketing", profile=profiles["Viewer"])
    team_map_profile(team=team, profile=profiles["Viewer"])
    assert not SCIMEvent.objects.exists()


def test_another_organisations_profile_is_refused_and_not_recorded(organisation, other_organisation, profiles):
    team = team_services.team_create(organisation=organisation, name="Marketing")
    with pytest.raises(ValueError):
        team_map_profile(team=team, profile=other_organisation.profiles.first())
    assert not SCIMEvent.objects.exists()


def test_default_profile_applies_to_scim_users_without_a_mapped_team(organisation, profiles):
    lonely = UserFactory(organisation=organisation, scim_managed=True)
    placed = UserFactory(organisation=organisation, scim_managed=True)
    team_services.team_create(organisation=organisation, name="Ops", profile=profiles["Manager"], member_ids=[placed.pk])
    organisation_set_default_scim_profile(organisation=organisation, profile=profiles["Viewer"])
    lonely.refresh_from_db()
    placed.refresh_from_db()
    assert (lonely.profile, lonely.profile_team) == (profiles["Viewer"], None)
    assert placed.profile == profiles["Manager"]
    organisation_set_default_scim_profile(organisation=organisation, profile=None)
    lonely.refresh_from_db()
    assert lonely.profile is None


def test_a_default_profile_change_is_recorded_with_how_many_users_changed(organisation, profiles, administrator):
    for _ in range(2):
        UserFactory(organisation=organisation, scim_managed=True)
    impact = organisation_set_default_scim_profile(organisation=organisation, profile=profiles["Viewer"], actor=administrator)
    assert (impact.changed, impact.gain_access) == (2, 2)
    organisation_set_default_scim_profile(organisation=organisation, profile=profiles["Viewer"], actor=administrator)
    organisation_set_default_scim_profile(organisation=organisation, profile=None, actor=administrator)
    events = list(SCIMEvent.objects.filter(organisation=organisation, action="organisation.default_profile_changed").order_by("id"))
    assert [(e.detail, e.actor, e.resource_display) for e in events] == [
        ("No profile → Viewer; 2 users changed profile.", administrator, "Acme"),
        ("Viewer → No profile; 2 users changed profile.", administrator, "Acme"),
    ]
