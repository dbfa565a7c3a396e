"""The contract every resource adapter fulfils (Users, Groups), on django-scim2's ``SCIMMixin``.

An adapter translates between SCIM JSON and the host's objects. It validates input and
records the *intended* change; the host's backend (``scim_provisioning.backend``) applies it
with the host's own services. The generic SCIM views call only what is declared here, inside
one database transaction per write.
"""

from datetime import timezone as dt_timezone
from typing import ClassVar

from django.db.models import QuerySet
from django_scim.adapters import SCIMMixin

from .. import errors
from ..filters import FilterSchema
from ..selectors import scim_base_url
from ..projection import Projection


class ResourceAdapter(SCIMMixin):
    resource_type: ClassVar[str]  # "User"
    endpoint: ClassVar[str]  # "Users": the URL segment under the SCIM root
    core_schema: ClassVar[str]
    extension_schemas: ClassVar[tuple[str, ...]] = ()
    filter_schema: ClassVar[FilterSchema]
    id_field = "scim_id"

    def __init__(self, obj, request, projection: Projection | None = None, *, organisation=None):
        super().__init__(obj, request)
        self.projection = projection or Projection()
        # The token's organisation: writes resolve references (e.g. a manager) within it.
        self.organisation = organisation

    @classmethod
    def extensions(cls) -> tuple[str, ...]:
        """Extension schema URNs of this resource type (ResourceTypes, projection)."""
        return cls.extension_schemas

    # --- reading -------------------------------------------------------------------------
    @classmethod
    def queryset(cls, *, organisation, projection: Projection) -> QuerySet:
        """Every resource of ``organisation`` visible through SCIM, with whatever
        select_related/prefetch_related ``to_dict`` needs under ``projection`` (a bounded
        number of queries whatever the page size). Tenancy is decided here and only here."""
        raise NotImplementedError

    @classmethod
    def get_visible(cls, *, organisation, projection: Projection, scim_id):
        """The resource of ``organisation`` with this SCIM id, loaded for ``projection``, or None."""
        return cls.queryset(organisation=organisation, projection=projection).filter(scim_id=scim_id).first()

    @classmethod
    def prepared_filter(cls, *, organisation, projection: Projection, q):
        """For a list filtered by ``q`` (no to-many relation in it): a ``read(start, stop)``
        giving rows ``start:stop`` (by primary key) faster than the queryset would, or None
        (the view reads the queryset). Default: None."""
        return None

    @classmethod
    def write_queryset(cls, *, organisation) -> QuerySet:
        """The resources of ``organisation`` as PUT, PATCH and DELETE load them (the view locks
        the row). Default: ``queryset`` showing nothing but the id; a write reads what its
        response shows after it has written."""
        return cls.queryset(organisation=organisation, projection=Projection(attributes=("id",)))

    @classmethod
    def kept_total(cls, *, organisation) -> int | None:
        """How many resources an unfiltered list of ``organisation`` has, when it is kept
        somewhere cheaper than a COUNT over its rows; None: count them."""
        return None

    @classmethod
    def load_related(cls, objs: list, *, organisation, projection: Projection) -> None:
        """Bulk-load onto ``objs`` (a page of the queryset, or one object) what ``to_dict``
        needs beyond the queryset's own joins and prefetches, in a bounded number of queries.
        Default: nothing."""

    @classmethod
    def load_streamed(cls, objs: list, *, organisation, projection: Projection) -> bool:
        """As ``load_related``, for a GET whose response may be streamed: an adapter may put a
        ``scim_provisioning.streaming.Streamed`` in ``to_dict``'s result instead of a list too
        large to hold in memory, and returns True when it did. Default: ``load_related``."""
        cls.load_related(objs, organisation=organisation, projection=projection)
        return False

    def to_dict(self) -> dict:
        """The full SCIM resource (the view applies attributes/excludedAttributes)."""
        raise NotImplementedError

    @property
    def display(self) -> str:
        """A human label for the activity log."""
        return str(self.obj)

    # --- writing (each called inside the view's transaction) -----------------------------
    @classmethod
    def create(cls, *, request, organisation, data: dict) -> "ResourceAdapter":
        """POST: create and return the adapter of the new resource."""
        raise errors.MethodNotAllowed()

    @classmethod
    def retry_refused_create(cls) -> bool:
        """Whether a create the database refused (IntegrityError) runs once more, in a new
        transaction inside ``backend.create_retry()``, before it is answered 409."""
        return False

    def replace(self, data: dict) -> None:
        """PUT: full replace."""
        raise errors.MethodNotAllowed()

    def patch(self, operations: list) -> bool:
        """PATCH: apply all operations or none. Return True when the response should carry the
        resource (200), False for 204 No Content."""
        raise errors.MethodNotAllowed()

    def delete(self) -> None:
        raise errors.MethodNotAllowed()

    conflict_detail: ClassVar[str] = "A resource with the same unique attribute already exists."

    # --- helpers shared by adapters -----------------------------------------------------
    def base_location(self) -> str:
        return scim_base_url(request=self.request)

    @property
    def location(self) -> str:
        return f"{self.base_location()}{self.endpoint}/{self.id}"

    def meta(self, created, last_modified) -> dict:
        return {
            "resourceType": self.resource_type,
            "created": _iso(created),
            "lastModified": _iso(last_modified),
            "location": self.location,
        }


def _iso(moment) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt_timezone.utc).isoformat().replace("+00:00", "Z")
