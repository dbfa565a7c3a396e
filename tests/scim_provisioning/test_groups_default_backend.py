"""The reusable app's default backend (``SCIMBackend``: plain ORM on the model contract)
serves the Groups endpoint too, for hosts that do not override the group_* methods."""

import uuid

import pytest
from django.utils import timezone

from scim_provisioning.models import SCIMUser
from teams.models import Team
from tests import factories
from vxp_hub.models import User

from .group_helpers import assert_error, make_user, member, member_ids, patch_body, snapshot


@pytest.fixture(autouse=True)
def default_backend(settings):
    settings.SCIM_PROVISIONING = {"BACKEND": "scim_provisioning.backend.SCIMBackend"}


@pytest.fixture
def users(organisation):
    return [make_user(organisation, username=f"d{i}@acme.example") for i in range(3)]


def test_group_lifecycle_with_the_default_backend(scim, organisation, users):
    response = scim.post("Groups", {"displayName": "Plain", "externalId": "e-1", "members": [member(users[0])]})
    assert response.status_code == 201, response.content
    team = Team.objects.get(scim_id=response.json()["id"])
    assert (team.scim_managed, team.external_id) == (True, "e-1")
    assert member_ids(team) == {str(users[0].scim_link.scim_id)}
    path = f"Groups/{team.scim_id}"

    assert scim.patch(path, patch_body(
        {"op": "add", "path": "members", "value": [member(users[0]), member(users[1]), member(users[2])]},
        {"op": "remove", "path": f'members[value eq "{users[0].scim_link.scim_id}"]'},
        {"op": "replace", "value": {"id": str(team.scim_id), "displayName": "Plain 2"}},
    )).status_code == 204
    team.refresh_from_db()
    assert team.name == "Plain 2"
    assert member_ids(team) == {str(users[1].scim_link.scim_id), str(users[2].scim_link.scim_id)}

    response = scim.put(path, {"displayName": "Plain 3", "members": [member(users[0])]})
    assert response.status_code == 200
    assert [m["value"] for m in response.json()["members"]] == [str(users[0].scim_link.scim_id)]

    assert scim.patch(path, patch_body({"op": "replace", "path": "members", "value": []})).status_code == 204
    assert member_ids(team) == set()

    assert scim.delete(path).status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()
    assert User.objects.filter(pk__in=[u.pk for u in users]).count() == 3


def test_default_backend_refusals(scim, organisation, other_organisation, users):
    team = factories.TeamFactory(organisation=organisation, name="Taken", scim_managed=True)
    factories.TeamMembershipFactory(team=team, user=users[0])
    before = snapshot(team)
    foreign = make_user(other_organisation)
    SCIMUser.objects.filter(user=users[2], organisation=organisation).update(deleted_at=timezone.now())
    for value in (str(uuid.uuid4()), str(foreign.scim_link.scim_id), str(users[2].scim_link.scim_id)):
        assert_error(scim.patch(f"Groups/{team.scim_id}", patch_body(
            {"op": "add", "path": "members", "value": [member(users[1]), {"value": value}]},
        )), 400, "invalidValue")
    assert snapshot(team) == before
    # The unique constraint, through the view's IntegrityError handling.
    assert_error(scim.post("Groups", {"displayName": "TAKEN"}), 409, "uniqueness")
    assert Team.objects.filter(organisation=organisation).count() == 1
