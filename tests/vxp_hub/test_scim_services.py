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
    assert fresh.is_active and fresh.scim_deleted_at is None and fresh.emails.exists()
