"""The base SCIMBackend's own user writes, on its documented model contract (which the hub's
User meets), for hosts that do not override them."""

import pytest

from vxp_hub.models import User

from .users import ENTERPRISE, assert_error, patch_body


@pytest.fixture(autouse=True)
def default_backend(settings):
    settings.SCIM_PROVISIONING = {"BACKEND": "scim_provisioning.backend.SCIMBackend"}


def test_default_backend_create_patch_put_delete_and_revive(scim, organisation, member):
    response = scim.post("Users", {"userName": "plain@example.com", "password": "secret-placeholder",
                                   "emails": [{"value": "plain@example.com", "type": "work"}],
                                   ENTERPRISE: {"manager": str(member.scim_link.scim_id)}})
    assert response.status_code == 201
    resource = response.json()
    user = User.objects.get(scim_links__scim_id=resource["id"])
    assert user.scim_link.managed and not user.has_usable_password() and user.scim_link.manager.user == member
    assert (user.username, user.email, user.is_active) == ("plain@example.com", "plain@example.com", True)
    assert resource["emails"] == [{"value": "plain@example.com", "primary": True, "type": "work"}]

    response = scim.patch(f"Users/{user.scim_link.scim_id}", patch_body(
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": 'emails[type eq "home"].value', "value": "home@example.com"}))
    assert response.status_code == 200 and response.json()["active"] is False
    assert [e["value"] for e in response.json()["emails"]] == ["plain@example.com", "home@example.com"]
    assert User.objects.get(pk=user.pk).is_active is False  # mirrored onto the host user

    response = scim.put(f"Users/{user.scim_link.scim_id}", {"userName": "plain@example.com", "title": "Put"})
    assert response.status_code == 200
    assert response.json()["active"] is False and response.json()["emails"] == []

    assert scim.delete(f"Users/{user.scim_link.scim_id}").status_code == 204
    assert_error(scim.get(f"Users/{user.scim_link.scim_id}"), 404)
    response = scim.post("Users", {"userName": "PLAIN@example.com"})
    assert response.status_code == 201 and response.json()["id"] == str(user.scim_link.scim_id)
    assert response.json()["active"] is True and User.objects.get(pk=user.pk).is_active is True


def test_default_backend_protects_owners(scim, owner):
    assert_error(scim.delete(f"Users/{owner.scim_link.scim_id}"), 403)
    assert User.objects.get(pk=owner.pk).scim_link.deleted_at is None


def test_default_backend_conflict(scim, member):
    assert_error(scim.post("Users", {"userName": member.username}), 409, "uniqueness")


def test_default_backend_stores_the_other_core_attributes_and_email_display(scim, organisation):
    """The model contract's ``scim_attributes`` and ``emails[].display``."""
    response = scim.post("Users", {"userName": "attrs@example.com", "nickName": "Attrs",
                                   "name": {"formatted": "A. Ttrs"}, "roles": [{"value": "owner"}],
                                   "emails": [{"value": "attrs@example.com", "display": "Work"}]})
    assert response.status_code == 201
    resource = response.json()
    user = User.objects.get(scim_links__scim_id=resource["id"])
    assert user.scim_link.attributes == {"nickName": "Attrs", "name": {"formatted": "A. Ttrs"}, "roles": [{"value": "owner"}]}
    assert user.role == "member" and resource["emails"][0]["display"] == "Work"
    response = scim.patch(f"Users/{user.scim_link.scim_id}", patch_body(
        {"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "1"}))
    assert response.json()["phoneNumbers"] == [{"type": "mobile", "value": "1"}]
    assert scim.put(f"Users/{user.scim_link.scim_id}", {"userName": "attrs@example.com"}).status_code == 200
    user.refresh_from_db()
    assert user.scim_link.attributes == {}
