"""How the teams app knows which users SCIM manages: the one place it asks.

The rule "a team mapped to a profile gives it to its SCIM-managed members" needs two facts
that belong to the SCIM app, not to the host's user model: which users SCIM manages, and
which it deleted. ``settings.TEAMS_SCIM_USERS`` names a module with
``managed_user_ids(organisation_id, *, include_deleted=False)`` and
``deleted_user_ids(organisation_id)``, each returning a subquery of user ids; the default is
the SCIM app's (``scim_provisioning.users``). Named by a dotted path, so teams imports no
other app.
"""

from importlib import import_module

from django.conf import settings
from django.db.models import QuerySet

DEFAULT_SCIM_USERS = "scim_provisioning.users"


def _scim_users():
    return import_module(getattr(settings, "TEAMS_SCIM_USERS", DEFAULT_SCIM_USERS))


def managed_user_ids(organisation_id, *, include_deleted: bool = False) -> QuerySet:
    """User ids of the organisation that SCIM manages (the users the team→profile rule governs)."""
    return _scim_users().managed_user_ids(organisation_id, include_deleted=include_deleted)


def deleted_user_ids(organisation_id) -> QuerySet:
    """User ids of the organisation deleted through SCIM: they may leave teams, never join."""
    return _scim_users().deleted_user_ids(organisation_id)
