"""The host hook class: how the SCIM app reaches the host's users and teams.

Named by dotted path in ``SCIM_PROVISIONING["BACKEND"]``; ``get_backend()`` is its only
resolver. Adapters translate SCIM JSON into intended changes; the backend applies them with
the host's own services. (Contract completed with the Users and Groups endpoints.)
"""

from .conf import app_settings


class SCIMBackend:
    """Base class. A host subclasses it and names the subclass in settings."""


def get_backend() -> SCIMBackend:
    return app_settings.BACKEND()
