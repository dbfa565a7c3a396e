"""Profiles changed in the Django admin keep everyone's effective profile right: a rank change
or a deletion goes through teams.services, like every other change that can alter it."""

import pytest

from teams.services import team_create
from tests.factories import UserFactory
from vxp_hub.models import Role, UserProfile


@pytest.fixture
def staff_client(client, organisation):
    client.force_login(UserFactory(organisation=organisation, role=Role.OWNER, is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def scim_member(organisation):
    return UserFactory(organisation=organisation, scim_managed=True)


def test_rank_change_in_the_admin_recomputes(staff_client, organisation, profiles, scim_member):
    team_create(organisation=organisation, name="Writers", profile=profiles["Contributor"], member_ids=[scim_member.pk])
    team_create(organisation=organisation, name="Readers", profile=profiles["Viewer"], member_ids=[scim_member.pk])
    scim_member.refresh_from_db()
    assert scim_member.profile == profiles["Contributor"]

    viewer = profiles["Viewer"]
    response = staff_client.post(f"/admin/vxp_hub/userprofile/{viewer.pk}/change/",
                                 {"organisation": organisation.pk, "name": "Viewer", "rank": 99})
    assert response.status_code == 302
    scim_member.refresh_from_db()
    assert UserProfile.objects.get(pk=viewer.pk).rank == 99
    assert scim_member.profile == viewer and scim_member.profile_team.name == "Readers"


def test_deleting_a_mapped_profile_in_the_admin_falls_back_to_the_default(staff_client, organisation, profiles,
                                                                            scim_member):
    organisation.default_scim_profile = profiles["Viewer"]
    organisation.save()
    team_create(organisation=organisation, name="Editors", profile=profiles["Editor"], member_ids=[scim_member.pk])
    scim_member.refresh_from_db()
    assert scim_member.profile == profiles["Editor"]

    editor = profiles["Editor"]
    response = staff_client.post(f"/admin/vxp_hub/userprofile/{editor.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    scim_member.refresh_from_db()
    assert not UserProfile.objects.filter(pk=editor.pk).exists()
    assert scim_member.profile == profiles["Viewer"] and scim_member.profile_team is None


def test_deleting_the_default_profile_leaves_scim_users_without_access(organisation, profiles, scim_member):
    from teams.services import profile_delete, profiles_recompute

    organisation.default_scim_profile = profiles["Viewer"]
    organisation.save()
    profiles_recompute(organisation=organisation)
    scim_member.refresh_from_db()
    assert scim_member.profile == profiles["Viewer"]
    profile_delete(profile=profiles["Viewer"])
    scim_member.refresh_from_db()
    organisation.refresh_from_db()
    assert organisation.default_scim_profile is None and scim_member.profile is None
