"""The headline feature with the package's default backend (no host code): a team mapped to
a profile gives it to its SCIM members, the tenant's default profile covers SCIM users in no
mapped team, and a host whose groups are not teams.Team can switch the teams services off."""

import pytest

from scim_provisioning.backend import SCIMBackend
from teams import services as team_services
from teams.models import Team
from tests import factories
from vxp_hub.models import User

from .group_helpers import member, patch_body
from .users import USER


@pytest.fixture(autouse=True)
def default_backend(settings):
    settings.SCIM_PROVISIONING = {"BACKEND": "scim_provisioning.backend.SCIMBackend"}


@pytest.fixture
def profiles(organisation):
    return {
        "viewer": factories.UserProfileFactory(organisation=organisation, name="Reader", rank=10),
        "editor": factories.UserProfileFactory(organisation=organisation, name="Writer", rank=30),
    }


def _create_user(scim, name):
    response = scim.post("Users", {"schemas": [USER], "userName": name})
    assert response.status_code == 201, response.content
    return User.objects.get(scim_links__scim_id=response.json()["id"])


def test_created_users_get_the_organisations_default_profile(scim, organisation, profiles):
    organisation.default_scim_profile = profiles["viewer"]
    organisation.save()

    user = _create_user(scim, "fresh@acme.example")

    user.refresh_from_db()
    assert user.profile == profiles["viewer"] and user.profile_team is None


def test_members_of_a_mapped_team_get_its_profile_and_lose_it_when_removed(scim, organisation, profiles):
    organisation.default_scim_profile = profiles["viewer"]
    organisation.save()
    users = [_create_user(scim, f"m{i}@acme.example") for i in range(2)]
    response = scim.post("Groups", {"displayName": "Writers", "members": [member(users[0])]})
    assert response.status_code == 201, response.content
    group_id = response.json()["id"]
    team = team_services.team_set_profile(team=Team.objects.get(scim_id=group_id), profile=profiles["editor"])
    assert scim.patch(f"Groups/{group_id}", patch_body(
        {"op": "add", "path": "members", "value": [member(users[1])]})).status_code == 204

    for user in users:
        user.refresh_from_db()
        assert (user.profile, user.profile_team) == (profiles["editor"], team)

    assert scim.patch(f"Groups/{group_id}", patch_body(
        {"op": "remove", "path": f'members[value eq "{users[0].scim_link.scim_id}"]'})).status_code == 204
    users[0].refresh_from_db()
    assert (users[0].profile, users[0].profile_team) == (profiles["viewer"], None)

    assert scim.delete(f"Groups/{group_id}").status_code == 204
    users[1].refresh_from_db()
    assert users[1].profile == profiles["viewer"]


def test_protected_members_keep_their_role_and_profile(scim, organisation, profiles, administrator):
    before = (administrator.role, administrator.profile_id)
    team = factories.TeamFactory(organisation=organisation, name="Writers", profile=profiles["editor"])

    assert scim.patch(f"Groups/{team.scim_id}", patch_body(
        {"op": "add", "path": "members", "value": [member(administrator)]})).status_code == 204

    administrator.refresh_from_db()
    assert (administrator.role, administrator.profile_id) == before


class PlainGroupsBackend(SCIMBackend):
    """A host whose groups are its own model, written without the teams services."""

    group_services_module = None


def test_without_the_teams_services_groups_are_plain_writes(scim, organisation, profiles, settings):
    settings.SCIM_PROVISIONING = {"BACKEND": f"{__name__}.PlainGroupsBackend"}
    organisation.default_scim_profile = profiles["viewer"]
    organisation.save()
    user = _create_user(scim, "plain@acme.example")
    factories.TeamFactory(organisation=organisation, name="Mapped", profile=profiles["editor"])

    response = scim.post("Groups", {"displayName": "Other", "members": [member(user)]})
    assert response.status_code == 201, response.content

    user.refresh_from_db()
    assert user.profile is None  # no rule applied: the host maps groups its own way
