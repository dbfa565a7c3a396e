"""SCIM Group <-> the host's team (the backend's group model), on django-scim2's ``SCIMGroup``.

Reading is complete here; writes are completed with the Groups endpoint.
"""

from django.db.models import Prefetch
from django_scim.adapters import SCIMGroup
from django_scim.constants import SchemaURI
from django.contrib.auth import get_user_model

from ..backend import get_backend
from ..filters import DATETIME, EXACT, UUID, FilterAttr, FilterSchema, key
from ..projection import Projection
from .base import ResourceAdapter

GROUP_FILTERS = FilterSchema({
    key("displayName"): FilterAttr("name"),
    key("externalId"): FilterAttr("external_id", EXACT),
    key("id"): FilterAttr("scim_id", UUID),
    key("members", "value"): FilterAttr("members__scim_id", UUID, multi_valued=True),
    key("members", "display"): FilterAttr("members__username", multi_valued=True),
    key("meta", "created"): FilterAttr("created_at", DATETIME),
    key("meta", "lastModified"): FilterAttr("updated_at", DATETIME),
})


class GroupAdapter(ResourceAdapter, SCIMGroup):
    resource_type = "Group"
    endpoint = "Groups"
    core_schema = SchemaURI.GROUP
    filter_schema = GROUP_FILTERS
    conflict_detail = "A group with this displayName already exists in the organisation."

    @classmethod
    def queryset(cls, *, organisation, projection: Projection):
        queryset = get_backend().group_queryset(organisation=organisation)
        if projection.includes("members"):
            members = get_user_model().objects.only("scim_id", "username").order_by("pk")
            queryset = queryset.prefetch_related(Prefetch("members", queryset=members))
        return queryset

    @property
    def display(self) -> str:
        return self.obj.name

    def to_dict(self) -> dict:
        team = self.obj
        resource = {
            "schemas": [SchemaURI.GROUP],
            "id": str(team.scim_id),
            "displayName": team.name,
        }
        if team.external_id:
            resource["externalId"] = team.external_id
        if self.projection.includes("members"):
            base = self.base_location()
            resource["members"] = [
                {"value": str(user.scim_id), "display": user.username, "$ref": f"{base}Users/{user.scim_id}",
                 "type": "User"}
                for user in team.members.all()
            ]
        resource["meta"] = self.meta(team.created_at, team.updated_at)
        return resource
