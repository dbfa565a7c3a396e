"""SCIM User <-> the host's user (``AUTH_USER_MODEL``), on django-scim2's ``SCIMUser``.

Reading is complete here; writes (POST/PUT/PATCH/DELETE) are translated into intended
changes and applied by the backend (see ``scim_provisioning.backend``).
"""

from django.db.models import Prefetch
from django_scim.adapters import SCIMUser
from django_scim.constants import SchemaURI

from ..backend import get_backend
from ..filters import BOOLEAN, DATETIME, EXACT, UUID, FilterAttr, FilterSchema, key
from ..projection import Projection
from .base import ResourceAdapter

ENTERPRISE = SchemaURI.ENTERPRISE_USER

# Enterprise extension attribute -> model field (manager is handled apart: a reference).
ENTERPRISE_FIELDS = {
    "employeeNumber": "employee_number",
    "costCenter": "cost_center",
    "organization": "enterprise_organization",
    "division": "division",
    "department": "department",
}

USER_FILTERS = FilterSchema({
    key("userName"): FilterAttr("username"),
    key("externalId"): FilterAttr("external_id", EXACT),
    key("id"): FilterAttr("scim_id", UUID),
    key("displayName"): FilterAttr("display_name"),
    key("title"): FilterAttr("title"),
    key("locale"): FilterAttr("locale"),
    key("name", "givenName"): FilterAttr("given_name"),
    key("name", "familyName"): FilterAttr("family_name"),
    key("active"): FilterAttr("is_active", BOOLEAN),
    key("emails", "value"): FilterAttr("emails__value", multi_valued=True),
    key("emails", "type"): FilterAttr("emails__type", multi_valued=True),
    key("emails", "primary"): FilterAttr("emails__primary", BOOLEAN, multi_valued=True),
    key("meta", "created"): FilterAttr("date_joined", DATETIME),
    key("meta", "lastModified"): FilterAttr("updated_at", DATETIME),
    key("groups", "value"): FilterAttr("teams__scim_id", UUID, multi_valued=True),
    **{key(attr, None, ENTERPRISE): FilterAttr(field) for attr, field in ENTERPRISE_FIELDS.items()},
    key("manager", "value", ENTERPRISE): FilterAttr("manager__scim_id", UUID),
})


class UserAdapter(ResourceAdapter, SCIMUser):
    resource_type = "User"
    endpoint = "Users"
    core_schema = SchemaURI.USER
    filter_schema = USER_FILTERS
    conflict_detail = "A user with this userName already exists in the organisation."
    groups_relation = "teams"  # user -> groups many-to-many (reverse of the group's members)

    extension_schemas = (ENTERPRISE,)

    @classmethod
    def extensions(cls) -> tuple[str, ...]:
        schema = get_backend().user_extension_schema()
        return cls.extension_schemas + ((schema["id"],) if schema else ())

    @classmethod
    def schema_definitions(cls) -> list[dict]:
        """Schemas beyond django-scim2's (the host's read-only extension), for /Schemas."""
        schema = get_backend().user_extension_schema()
        return [schema] if schema else []

    @classmethod
    def queryset(cls, *, organisation, projection: Projection):
        backend = get_backend()
        queryset = backend.user_queryset(organisation=organisation).select_related("manager")
        prefetches = [Prefetch("emails")]
        if projection.includes("groups"):
            groups = backend.group_model().objects.only("scim_id", "name").order_by("pk")
            prefetches.append(Prefetch(cls.groups_relation, queryset=groups))
        return queryset.prefetch_related(*prefetches)

    @property
    def display(self) -> str:
        return self.obj.username

    def to_dict(self) -> dict:
        user = self.obj
        backend = get_backend()
        formatted = " ".join(p for p in (user.given_name, user.family_name) if p)
        resource = {
            "schemas": [SchemaURI.USER],
            "id": str(user.scim_id),
            "userName": user.username,
            "name": {"givenName": user.given_name, "familyName": user.family_name, "formatted": formatted},
            "displayName": user.display_name or formatted or user.username,
            "active": user.is_active,
            "emails": self._emails(),
        }
        if user.external_id:
            resource["externalId"] = user.external_id
        if user.locale:
            resource["locale"] = user.locale
        if user.title:
            resource["title"] = user.title
        if self.projection.includes("groups"):
            base = self.base_location()
            resource["groups"] = [
                {"value": str(group.scim_id), "display": group.name, "$ref": f"{base}Groups/{group.scim_id}",
                 "type": "direct"}
                for group in getattr(user, self.groups_relation).all()
            ]
        enterprise = {attr: getattr(user, field) for attr, field in ENTERPRISE_FIELDS.items() if getattr(user, field)}
        if user.manager_id:
            enterprise["manager"] = {
                "value": str(user.manager.scim_id),
                "$ref": f"{self.base_location()}Users/{user.manager.scim_id}",
                "displayName": user.manager.get_full_name(),
            }
        if enterprise:
            resource["schemas"].append(ENTERPRISE)
            resource[ENTERPRISE] = enterprise
        extension = backend.user_extension(user)
        if extension:
            urn, block = extension
            resource["schemas"].append(urn)
            resource[urn] = block
        resource["meta"] = self.meta(user.date_joined, user.updated_at)
        return resource

    def _emails(self) -> list[dict]:
        emails = sorted(self.obj.emails.all(), key=lambda e: (not e.primary, e.position, e.pk))
        result = []
        for email in emails:
            item = {"value": email.value, "primary": email.primary}
            if email.type:
                item["type"] = email.type
            result.append(item)
        return result
