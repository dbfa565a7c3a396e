"""The host's own users and SCIM: link a user the host created (so SCIM can read and import
it), and the selectors other apps (``teams``) use to know which users SCIM manages.

A host user SCIM has never seen has no ``SCIMUser`` and is invisible to SCIM. A host that
creates users itself (an invitation, a sign-up, an import) calls ``user_link`` in the same
transaction, the way the hub's ``vxp_hub.services.user_create`` does.
"""

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import QuerySet

from .models import SCIMUser, SCIMUserEmail


@transaction.atomic
def user_link(*, organisation, user, user_name: str, managed: bool = False, emails: Iterable[Mapping] = (),
              **fields) -> SCIMUser:
    """The SCIM user of ``user`` in ``organisation``: what SCIM reads of them. ``emails`` are
    ``{"value", "type", "primary", "display"}`` mappings in SCIM order; ``fields`` any of the
    SCIM user's other columns (``given_name``, ``family_name``, ``display_name``, ``active``…).
    A userName already linked in the organisation raises the database's IntegrityError."""
    link = SCIMUser.objects.create(organisation=organisation, user=user, user_name=user_name, managed=managed,
                                   **fields)
    SCIMUserEmail.objects.bulk_create(
        SCIMUserEmail(scim_user=link, value=e["value"], type=e.get("type", ""), display=e.get("display", ""),
                      primary=bool(e.get("primary")), position=i)
        for i, e in enumerate(emails)
    )
    return link


def managed_user_ids(organisation_id, *, include_deleted: bool = False) -> QuerySet:
    """The host user ids SCIM manages in the organisation (by default not those deleted
    through SCIM), as a subquery: ``User.objects.filter(pk__in=managed_user_ids(org_id))``."""
    links = SCIMUser.objects.filter(organisation_id=organisation_id, managed=True)
    if not include_deleted:
        links = links.filter(deleted_at__isnull=True)
    return links.values("user_id")


def deleted_user_ids(organisation_id) -> QuerySet:
    """The host user ids deleted through SCIM in the organisation, as a subquery."""
    return SCIMUser.objects.filter(organisation_id=organisation_id, deleted_at__isnull=False).values("user_id")
