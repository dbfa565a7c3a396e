"""The host hook class: how the SCIM app reaches the host's users and teams.

A host names its subclass in ``SCIM_PROVISIONING["BACKEND"]``; ``get_backend()`` is the only
resolver. Adapters (``scim_provisioning.adapters``) translate SCIM JSON into validated,
intended changes; the backend applies them with the host's own services and is the only
code that writes the host's models. Every method is called inside the SCIM request's
transaction, so a failure anywhere rolls everything back.

Model contract of the default implementation (override the methods to map other models):
the user model (``AUTH_USER_MODEL``) has ``organisation``, ``scim_id`` (UUID, unique),
``scim_deleted_at``; the group model (``group_model()``) has ``organisation``, ``scim_id``,
``name`` and a ``members`` many-to-many to the user model.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from .conf import app_settings


class SCIMBackend:
    """Base class. Subclasses override what their models need."""

    group_model_name = "teams.Team"

    # --- reads: tenancy is decided here ----------------------------------------------
    def user_queryset(self, *, organisation) -> QuerySet:
        """Every user of ``organisation`` visible through SCIM (SCIM-deleted users are not)."""
        return get_user_model().objects.filter(organisation=organisation, scim_deleted_at__isnull=True)

    def group_model(self):
        return apps.get_model(self.group_model_name)

    def group_queryset(self, *, organisation) -> QuerySet:
        return self.group_model().objects.filter(organisation=organisation)

    def is_protected(self, user) -> bool:
        """True for users SCIM may read but never change (the organisation's owner and
        administrators). Their PUT/PATCH/DELETE answer 403."""
        return bool(getattr(user, "is_protected", False))

    def user_extension(self, user) -> tuple[str, dict] | None:
        """A read-only extension of the User resource, as ``(urn, block)`` (e.g. the user's
        role and effective profile), or None. Its schema is ``user_extension_schema()``."""
        return None

    def user_extension_schema(self) -> dict | None:
        """The schema definition (RFC 7643 §7) of ``user_extension``'s URN, for /Schemas."""
        return None


def get_backend() -> SCIMBackend:
    return app_settings.BACKEND()
