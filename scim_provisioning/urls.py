"""SCIM 2.0 routes. Mount with ``path("scim/v2/", include("scim_provisioning.urls"))``.

Every route matches with and without a trailing slash (POST and PATCH cannot follow a
redirect) and resource names case-insensitively (Microsoft's tests ask for /users); any
``{id}`` string reaches the view, which answers a SCIM 404 for ids it does not know.
"""

from django.urls import re_path

from .views.discovery import (
    NotFoundView,
    NotImplementedView,
    ResourceTypesView,
    SchemasView,
    ServiceProviderConfigView,
)
from .views.resources import ResourceDetailView, ResourceListView, ResourceSearchView

app_name = "scim_provisioning"


def ci(word: str) -> str:
    """A regex matching ``word`` in any letter case (Django URL patterns take no (?i) flag)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


def resource(endpoint: str, adapter_setting: str, name: str) -> list:
    kwargs = {"adapter_setting": adapter_setting}
    return [
        re_path(rf"^{ci(endpoint)}/?$", ResourceListView.as_view(**kwargs), name=f"{name}-list"),
        re_path(rf"^{ci(endpoint)}/\.search/?$", ResourceSearchView.as_view(**kwargs), name=f"{name}-search"),
        re_path(rf"^{ci(endpoint)}/(?P<scim_id>[^/]+)/?$", ResourceDetailView.as_view(**kwargs), name=f"{name}-detail"),
    ]


urlpatterns = [
    re_path(r"^$", NotFoundView.as_view(), name="root"),
    *resource("Users", "USER_ADAPTER", "users"),
    *resource("Groups", "GROUP_ADAPTER", "groups"),
    re_path(rf"^{ci('ServiceProviderConfig')}/?$", ServiceProviderConfigView.as_view(), name="service-provider-config"),
    re_path(rf"^{ci('ResourceTypes')}/?$", ResourceTypesView.as_view(), name="resource-types"),
    re_path(rf"^{ci('ResourceTypes')}/(?P<resource_id>[^/]+)/?$", ResourceTypesView.as_view(), name="resource-type"),
    re_path(rf"^{ci('Schemas')}/?$", SchemasView.as_view(), name="schemas"),
    re_path(rf"^{ci('Schemas')}/(?P<schema_id>[^/]+)/?$", SchemasView.as_view(), name="schema"),
    re_path(rf"^(?:{ci('Bulk')}|{ci('Me')}|\.search)/?$", NotImplementedView.as_view(), name="not-implemented"),
    # [\s\S], not ".": an id or path with a newline (%0A) must reach a SCIM 404 too, never
    # Django's HTML one.
    re_path(r"^[\s\S]*$", NotFoundView.as_view(), name="not-found"),
]
