"""How the teams app reaches the host's people: the one place it asks.

**Who holds a profile.** ``settings.TEAMS_PROFILE_HOLDER`` names the model whose rows carry a
person's effective profile in one tenant; default: the user model itself (a user belongs to
one tenant: ``organisation``, ``profile``, ``profile_team``, ``role``). A host whose people
belong to several tenants names its membership model instead, with ``organisation`` (FK to
the tenant), ``user`` (FK to the user model), ``profile``, ``profile_team``, ``role`` and the
class attribute ``PROTECTED_ROLES``; profiles are then per person and tenant.

**Which users SCIM manages.**
The rule "a team mapped to a profile gives it to its SCIM-managed members" needs two facts
that belong to the SCIM app, not to the host's user model: which users SCIM manages, and
which it deleted. ``settings.TEAMS_SCIM_USERS`` names a module with
``managed_user_ids(organisation_id, *, include_deleted=False)`` and
``deleted_user_ids(organisation_id)``, each returning a subquery of user ids; the default is
the SCIM app's (``scim_provisioning.users``). Named by a dotted path, so teams imports no
other app.
"""

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
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


def holder_model():
    """The model holding each person's profile in a tenant (default: the user model)."""
    name = getattr(settings, "TEAMS_PROFILE_HOLDER", None)
    return apps.get_model(name) if name else get_user_model()


def holder_user_field() -> str:
    """The holder's lookup of its user's id: ``pk`` when the holder is the user model."""
    return "pk" if holder_model() is get_user_model() else "user_id"


def holders(organisation_id) -> QuerySet:
    """The organisation's holder rows (its users, or its memberships)."""
    return holder_model()._default_manager.filter(organisation_id=organisation_id)
