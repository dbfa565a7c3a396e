"""Discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes, Schemas.

They state exactly what this service provider supports. Read-only: other methods answer 405.
"""

import copy

from django_scim.constants import SchemaURI
from django_scim.schemas import ALL as LIBRARY_SCHEMAS
from django.urls import NoReverseMatch, reverse
from rest_framework.response import Response

from .. import errors
from ..conf import app_settings
from ..selectors import scim_base_url
from .base import SCIMView

RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def _adapters():
    return [app_settings.USER_ADAPTER, app_settings.GROUP_ADAPTER]


def _list(resources: list) -> dict:
    return {
        "schemas": [SchemaURI.LIST_RESPONSE],
        "totalResults": len(resources),
        "startIndex": 1,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def _authentication_schemes(request) -> list[dict]:
    schemes = [{
        "type": "oauthbearertoken",
        "name": "OAuth Bearer Token",
        "description": app_settings.TOKEN_DESCRIPTION,
        "primary": True,
    }]
    try:
        token_url = request.build_absolute_uri(reverse("scim_provisioning_oauth:token"))
    except NoReverseMatch:  # the host did not mount scim_provisioning.oauth_urls
        return schemes
    schemes.append({
        "type": "oauth2",
        "name": "OAuth 2.0 client credentials",
        "description": f"Trade the organisation's client id and secret at {token_url} for a Bearer access token.",
        "specUri": "https://www.rfc-editor.org/rfc/rfc6749#section-4.4",
        "primary": False,
    })
    return schemes


class ServiceProviderConfigView(SCIMView):
    def get(self, request, *args, **kwargs):
        base = scim_base_url(request=request)
        return Response({
            "schemas": [SchemaURI.SERVICE_PROVIDER_CONFIG],
            "documentationUri": None,
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": app_settings.MAX_PAGE_SIZE},
            # RFC 9865 §4: index paging (startIndex) and cursor paging (cursor) on Users and Groups.
            "pagination": {
                "cursor": True,
                "index": True,
                "defaultPaginationMethod": "index",
                "defaultPageSize": app_settings.DEFAULT_PAGE_SIZE,
                "maxPageSize": app_settings.MAX_PAGE_SIZE,
                "cursorTimeout": app_settings.CURSOR_TIMEOUT,
            },
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": _authentication_schemes(request),
            "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base}ServiceProviderConfig"},
        })


def _resource_type(adapter, base: str) -> dict:
    return {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": adapter.resource_type,
        "name": adapter.resource_type,
        "endpoint": f"/{adapter.endpoint}",
        "description": f"{adapter.resource_type} resources",
        "schema": adapter.core_schema,
        "schemaExtensions": [{"schema": urn, "required": False} for urn in adapter.extensions()],
        "meta": {"resourceType": "ResourceType", "location": f"{base}ResourceTypes/{adapter.resource_type}"},
    }


class ResourceTypesView(SCIMView):
    def get(self, request, *args, **kwargs):
        base = scim_base_url(request=request)
        types = [_resource_type(adapter, base) for adapter in _adapters()]
        wanted = kwargs.get("resource_id")
        if wanted is None:
            return Response(_list(types))
        for item in types:
            if item["id"].lower() == wanted.lower():
                return Response(item)
        raise errors.NotFound(f"ResourceType {wanted[:64]} not found.")


def schema_definitions(base: str) -> list[dict]:
    """The schemas of the configured resource types: django-scim2's definitions of the core
    and enterprise schemas, plus any an adapter declares (``schema_definitions()``)."""
    wanted: dict[str, None] = {}
    extra: list[dict] = []
    for adapter in _adapters():
        wanted[adapter.core_schema] = None
        for urn in adapter.extensions():
            wanted[urn] = None
        extra.extend(getattr(adapter, "schema_definitions", lambda: [])())
    known = {schema["id"]: schema for schema in LIBRARY_SCHEMAS}
    known.update({schema["id"]: schema for schema in extra})
    result = []
    for urn in wanted:
        if urn not in known:
            continue
        schema = copy.deepcopy(known[urn])
        schema["schemas"] = [SCHEMA_SCHEMA]
        schema["meta"] = {"resourceType": "Schema", "location": f"{base}Schemas/{urn}"}
        result.append(schema)
    return result


class SchemasView(SCIMView):
    def get(self, request, *args, **kwargs):
        schemas = schema_definitions(scim_base_url(request=request))
        wanted = kwargs.get("schema_id")
        if wanted is None:
            return Response(_list(schemas))
        for schema in schemas:
            if schema["id"].lower() == wanted.lower():
                return Response(schema)
        raise errors.NotFound(f"Schema {wanted[:128]} not found.")


class NotFoundView(SCIMView):
    """Any other path under the SCIM root: a SCIM 404 (after authentication)."""

    def _not_found(self, request, *args, **kwargs):
        raise errors.NotFound("There is no SCIM endpoint at this path.")

    get = post = put = patch = delete = _not_found


class NotImplementedView(SCIMView):
    """/Bulk, /Me and the root /.search: honest 501s (see ServiceProviderConfig)."""

    def _not_implemented(self, request, *args, **kwargs):
        raise errors.NotImplementedFeature()

    get = post = put = patch = delete = _not_implemented
