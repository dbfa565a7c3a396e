from django_scim.adapters import SCIMUser


class UserAdapter(SCIMUser):
    """SCIM User <-> host user (completed with the Users endpoint)."""
