"""The hub's SCIM services (``user_scim_mirror``, ``user_scim_deactivate``: what the SCIM
backend calls to mirror the identity provider onto the hub's user) refuse protected users
whoever calls them (the SCIM adapter answers 403 before calling them; see
tests/scim_provisioning/test_users_lifecycle.py), and otherwise write only what changed."""

import pytest
from django.core.exceptions import PermissionDenied

from scim_provisioning.models import SCIMUser
from tests import factories
from vxp_hub.models import User
from vxp_hub.services import user_scim_deactivate, user_scim_mirror


def _state(user: User) -> tuple:
    """Everything of the user (and its SCIM user) a SCIM service could change."""
    fresh = User.objects.get(pk=user.pk)
    link = SCIMUser.objects.get(user=user, organisation=user.organisation)
    return (
        {f.attname: getattr(fresh, f.attname) for f in User._meta.concrete_fields},
        {f.attname: getattr(link, f.attname) for f in SCIMUser._meta.concrete_fields},
        list(link.emails.values_list("value", "type", "primary")),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["owner", "administrator"])
def test_scim_services_refuse_protected_users(request, role):
    user = request.getfixturevalue(role)
    before = _state(user)
    values = {"given_name": "Mallory", "family_name": "Changed", "title": "Intruder", "is_active": False}
    with pytest.raises(PermissionDenied):
        user_scim_mirror(user=user, values=values)
    with pytest.raises(PermissionDenied):
        user_scim_deactivate(user=user)
    assert _state(user) == before
    fresh = User.objects.get(pk=user.pk)
    assert fresh.is_active and fresh.role == role
    assert fresh.scim_link.deleted_at is None and fresh.scim_link.emails.exists()


@pytest.mark.django_db
def test_mirror_writes_only_what_changed_in_one_update(organisation, django_assert_num_queries):
    user = factories.UserFactory(organisation=organisation, given_name="Ada", family_name="Lovelace")
    link_before = _state(user)[1]
    with django_assert_num_queries(1):  # one UPDATE
        changed = user_scim_mirror(user=user, values={"given_name": "Augusta", "family_name": "Lovelace",
                                                      "is_active": True})
    assert changed == ["given_name"]
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.given_name, fresh.family_name, fresh.is_active, fresh.role) == ("Augusta", "Lovelace", True, "member")
    assert _state(user)[1] == link_before  # the SCIM user is the SCIM app's, not the service's
    with django_assert_num_queries(0):  # nothing changed: nothing written
        assert user_scim_mirror(user=fresh, values={"given_name": "Augusta", "is_active": True}) == []


@pytest.mark.django_db
def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(organisation, django_assert_num_queries):
    user = factories.UserFactory(organisation=organisation)
    team = factories.TeamFactory(organisation=organisation)
    team.members.add(user)
    version = user.session_version
    with django_assert_num_queries(1):  # one UPDATE
        user_scim_deactivate(user=user)
    fresh = User.objects.get(pk=user.pk)
    assert not fresh.is_active and fresh.session_version == version + 1
    assert user_scim_mirror(user=fresh, values={"is_active": True}) == ["is_active"]
    fresh = User.objects.get(pk=user.pk)
    assert fresh.is_active and fresh.session_version == version + 1  # old sessions stay ended
    assert team.members.filter(pk=user.pk).exists()  # memberships never touched
