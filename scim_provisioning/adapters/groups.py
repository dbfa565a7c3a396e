from django_scim.adapters import SCIMGroup


class GroupAdapter(SCIMGroup):
    """SCIM Group <-> host team (completed with the Groups endpoint)."""
