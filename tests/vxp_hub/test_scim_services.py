"""The hub's SCIM services refuse protected users whoever calls them (the SCIM adapter answers
403 before calling them; see tests/scim_provisioning/test_users_lifecycle.py)."""

import pytest
from django.core.exceptions import PermissionDenied

from vxp_hub.models import User
from vxp_hub.services import user_scim_delete, user_scim_update


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["owner", "administrator"])
def test_scim_services_refuse_protected_users(request, role):
    user = request.getfixturevalue(role)
    values = {name: getattr(user, name) for name in (
        "username", "given_name", "family_name", "display_name", "title", "locale", "external_id",
        "employee_number", "cost_center", "enterprise_organization", "division", "department")}
    with pytest.raises(PermissionDenied):
        user_scim_update(user=user, values=values, emails=[], manager=None, active=False)
    with pytest.raises(PermissionDenied):
        user_scim_delete(user=user)
    fresh = User.objects.get(pk=user.pk)
    assert fresh.is_active and fresh.scim_link.deleted_at is None and fresh.scim_link.emails.exists()


@pytest.mark.django_db
def test_scim_services_store_attributes_and_none_leaves_them(organisation):
    from vxp_hub.services import SCIM_USER_FIELDS, user_scim_create

    values = {name: "" for name in SCIM_USER_FIELDS} | {"username": "doc@acme.example"}
    document = {"nickName": "Doc", "roles": [{"value": "owner"}]}
    user = user_scim_create(organisation=organisation, values=values, emails=[], attributes=document)
    assert User.objects.get(pk=user.pk).scim_attributes == document and user.role == "member"
    user_scim_update(user=user, values=values, emails=[], manager=None, active=None)
    assert User.objects.get(pk=user.pk).scim_attributes == document
    user_scim_update(user=user, values=values, emails=[], manager=None, active=None, attributes={})
    fresh = User.objects.get(pk=user.pk)
    assert fresh.scim_link.attributes == {} and fresh.role == "member"
