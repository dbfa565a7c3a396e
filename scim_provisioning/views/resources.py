"""Generic SCIM resource endpoints (list, search, create, read, replace, patch, delete),
parametrised by an adapter class (``ResourceAdapter``). Views stay thin: they parse the
request, call the adapter inside one transaction, log the write, and render."""

import functools
import uuid
from contextlib import nullcontext

from django.db import IntegrityError, connection, transaction
from django.http import StreamingHttpResponse
from django_scim.constants import SchemaURI
from rest_framework.response import Response

from .. import cursors, errors, filters, streaming
from ..activity import event_record
from ..backend import create_retry, get_backend
from ..conf import app_settings
from ..models import SCIMEvent
from ..projection import Page, Projection, page_from
from .base import SCIMView, to_scim_error

SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


class ResourceMixin:
    adapter_setting = ""  # "USER_ADAPTER" / "GROUP_ADAPTER", set by the URLconf

    @property
    def adapter_class(self):
        return getattr(app_settings, self.adapter_setting)

    def projection_from_query(self) -> Projection:
        params = self.request.query_params
        return Projection.from_params(params.get("attributes"), params.get("excludedAttributes"))

    def render(self, adapter, status=200, location=False) -> Response:
        cls = self.adapter_class
        body = adapter.projection.apply(adapter.to_dict(), cls.core_schema, cls.extensions())
        response = self.response_for(body, status=status)
        if location:
            response["Location"] = adapter.location
        return response

    def response_for(self, body: dict, status: int = 200):
        """``Response(body)``, or, when an adapter streamed a part of ``body`` (a large group's
        members, GET only), the same bytes through a ``StreamingHttpResponse`` with the same
        headers (``finalize_response`` adds the rest; no Content-Length)."""
        if not streaming.contains_streamed(body):
            return Response(body, status=status)
        request = self.request
        renderer = request.accepted_renderer
        body_parts = streaming.render(renderer, body, request.accepted_media_type, self.get_renderer_context())
        # As DRF's Response sets it (rest_framework.response.Response.rendered_content).
        content_type = renderer.media_type if renderer.charset is None else f"{renderer.media_type}; charset={renderer.charset}"
        return StreamingHttpResponse(body_parts, status=status, content_type=content_type)

    def get_object(self, projection: Projection, *, for_update: bool = False, stream: bool = False):
        """The resource with this SCIM id in the token's organisation, else 404: another
        organisation's resources are indistinguishable from resources that do not exist.

        ``for_update`` (PUT, PATCH, DELETE) locks the row and loads it without its optional
        multi-valued attributes (a group's members): the write does not need them, and what
        the response shows is read after the write. ``stream`` (GET) lets the adapter stream
        what is too large to load (``load_streamed``)."""
        raw_id = self.kwargs["scim_id"]
        try:
            scim_id = uuid.UUID(raw_id)
        except ValueError:
            raise errors.NotFound(f"{self.adapter_class.resource_type} {raw_id[:64]} not found.")
        cls = self.adapter_class
        organisation = self.organisation
        if for_update:
            # NO KEY: a concurrent create naming this user as its manager (a foreign-key check,
            # FOR KEY SHARE) need not wait, and cannot deadlock with this write.
            obj = (cls.write_queryset(organisation=organisation)
                   .select_for_update(of=("self",), no_key=connection.features.has_select_for_no_key_update)
                   .filter(scim_id=scim_id).first())
        else:
            obj = cls.get_visible(organisation=organisation, projection=projection, scim_id=scim_id)
        if obj is None:
            raise errors.NotFound(f"{cls.resource_type} {raw_id[:64]} not found.")
        if stream:
            cls.load_streamed([obj], organisation=organisation, projection=projection)
        elif not for_update:
            cls.load_related([obj], organisation=organisation, projection=projection)
        return cls(obj, self.request, projection, organisation=organisation)

    def write(self, action: str, operation, *, resource_id: str = "", display="", retry_conflict: bool = False):
        """Run ``operation`` in one transaction and record the outcome in the activity log.

        ``operation`` returns ``(adapter, response)``: it builds the response itself, inside
        the transaction, so a failure while rendering (a host adapter or model that cannot
        produce its SCIM representation) rolls the write back and is answered and logged as
        a failure. Nothing commits unless the client is told it succeeded.

        The transaction starts with the backend's ``write_lock`` (the host's lock order). The
        operation parses the request body itself, so a write refused for its body (malformed
        JSON, a bad PATCH envelope) is logged like any other failure. ``display`` labels a
        failure's log line: a string, or a callable read after the operation ran.

        A success's log line is written in the same transaction (it commits with the write); a
        failure rolls back everything the operation did and its log line is written after the
        rollback, so it survives.

        ``retry_conflict``: an operation the database refuses (IntegrityError, a uniqueness
        constraint) runs once more, in a new transaction, inside ``create_retry()`` (a create
        that may bring a deleted user back, ``SCIMBackend.revive_after_conflict``); refused
        again, it is answered 409."""
        cls = self.adapter_class
        for attempt in range(2 if retry_conflict else 1):
            try:
                with transaction.atomic(), create_retry() if attempt else nullcontext():
                    return self._write_once(action, operation, resource_id=resource_id, display=display)
            except IntegrityError:
                if retry_conflict and not attempt:
                    continue
                err = errors.Conflict(cls.conflict_detail)
            except Exception as exc:  # noqa: BLE001 — every failure is answered and logged
                err = to_scim_error(exc, request_id=self.request_id)
            break
        event_record(
            organisation=self.organisation, action=action, outcome=SCIMEvent.Outcome.FAILURE,
            status_code=err.status, token=self.token, resource_type=cls.resource_type,
            resource_id=resource_id, resource_display=display() if callable(display) else display,
            detail=err.detail, request_id=self.request_id,
        )
        raise err

    def _write_once(self, action: str, operation, *, resource_id: str, display):
        """``write``'s transaction, opened by the caller: the lock, the operation, the success's
        log line. Returns the response."""
        cls = self.adapter_class
        get_backend().write_lock(organisation=self.organisation, resource_type=cls.resource_type)
        adapter, response = operation()
        # Inside the write's transaction: one INSERT and no commit of its own (an autocommit
        # INSERT after COMMIT was a second commit, a second WAL flush, per write), and the write
        # and its log line commit together or not at all.
        event_record(
            organisation=self.organisation, action=action, status_code=response.status_code,
            token=self.token, resource_type=cls.resource_type,
            resource_id=adapter.id if adapter else resource_id,
            resource_display=adapter.display if adapter else display, request_id=self.request_id,
        )
        return response

    def list_response(self, filter_string: str | None, page: Page, projection: Projection) -> Response:
        cls = self.adapter_class
        q, multi_valued = filters.to_q(filter_string, cls.filter_schema) if filter_string is not None else (None, False)

        @functools.cache
        def queryset():  # built when needed: a prepared read (below) needs none
            resources = cls.queryset(organisation=self.organisation, projection=projection)
            if q is None:
                return resources
            if multi_valued:
                # Filter through a subquery of ids rather than DISTINCT over whole rows.
                return resources.filter(pk__in=resources.model.objects.filter(q).values("pk"))
            return resources.filter(q)

        def count() -> int:  # asked only when the page does not tell the total
            kept = cls.kept_total(organisation=self.organisation) if filter_string is None else None
            return queryset().count() if kept is None else kept

        if page.cursor is not None:
            return self.cursor_page(queryset(), count(), filter_string, page, projection)
        read = None
        if q is not None and not multi_valued:
            read = cls.prepared_filter(organisation=self.organisation, projection=projection, q=q)
        rows, total = self.index_page(queryset, page, count, read or (
            lambda start, stop: list(queryset().order_by("pk")[start:stop])))
        return self.list_body(rows, projection, totalResults=total, startIndex=page.start_index)

    @staticmethod
    def index_page(queryset, page: Page, count, read) -> tuple[list, int]:
        """The page's rows and ``totalResults``. One row more than asked is read: when it is not
        there, the page is the last one and the total is known without a COUNT (a userName eq
        lookup, a first page of a small organisation, the last page of any). ``count()`` (a
        COUNT, or the kept total) is asked only when more rows follow, or when the page
        starts past the end. ``queryset()`` gives the filtered resources; ``read(start, stop)``
        reads their rows ``start:stop`` by primary key (a prepared read, or the queryset)."""
        if not page.count:
            return [], count()
        start, stop = page.offset, page.offset + page.count + 1
        if start >= DEEP_OFFSET:
            # Deep page: skip the offset over the primary keys alone (an index-only scan), then
            # read and join only the page's rows, instead of building every skipped row.
            ids = list(queryset().order_by("pk").values_list("pk", flat=True)[start:stop])
            rows = list(queryset().filter(pk__in=ids).order_by("pk")) if ids else []
        else:
            rows = read(start, stop)
        if len(rows) > page.count:
            return rows[: page.count], count()
        if rows or not page.offset:
            return rows, page.offset + len(rows)
        return rows, count()

    def list_body(self, rows: list, projection: Projection, **paging) -> Response:
        """A ListResponse of ``rows`` (model instances) under ``projection``, streamed when the
        adapter streams a part of it (a page of groups with many members)."""
        cls = self.adapter_class
        cls.load_streamed(rows, organisation=self.organisation, projection=projection)
        resources = [
            projection.apply(cls(obj, self.request, projection).to_dict(), cls.core_schema, cls.extensions())
            for obj in rows
        ]
        return self.response_for({
            "schemas": [SchemaURI.LIST_RESPONSE],
            **paging,
            "itemsPerPage": len(resources),
            "Resources": resources,
        })

    def cursor_page(self, queryset, total: int, filter_string, page: Page, projection: Projection) -> Response:
        """RFC 9865: one keyset page (``pk > after`` or ``pk < before``, one row more than asked to
        know whether another page follows), with ``nextCursor``/``previousCursor`` naming the
        positions around it. No OFFSET: every page costs what the first one does."""
        scope = cursors.scope(resource_type=self.adapter_class.resource_type, organisation=self.organisation,
                              filter_string=filter_string)
        position = cursors.decode(page.cursor, scope=scope)
        size = page.count
        if position.before is not None:
            rows = list(queryset.filter(pk__lt=position.before).order_by("-pk")[: size + 1])
            has_previous, has_next = len(rows) > size, True
            rows = rows[:size][::-1]
        else:
            if position.after is not None:
                queryset = queryset.filter(pk__gt=position.after)
            rows = list(queryset.order_by("pk")[: size + 1])
            has_previous, has_next = position.after is not None, len(rows) > size
            rows = rows[:size]
        paging = {"totalResults": total}
        if rows and has_next:
            paging["nextCursor"] = cursors.encode(scope=scope, after=rows[-1].pk)
        if rows and has_previous:
            paging["previousCursor"] = cursors.encode(scope=scope, before=rows[0].pk)
        return self.list_body(rows, projection, **paging)


# From this offset on, an index page reads its primary keys first (``index_page``).
DEEP_OFFSET = 1000


def _patch_operations(data: dict) -> list:
    """The ``Operations`` of a PatchOp message (RFC 7644 §3.5.2), or a 400."""
    schemas = data.get("schemas")
    if schemas is not None and (not isinstance(schemas, list) or SchemaURI.PATCH_OP not in schemas):
        raise errors.InvalidSyntax(f"A PATCH request's schemas must contain {SchemaURI.PATCH_OP}.")
    operations = data.get("Operations", data.get("operations"))
    if operations is None:
        raise errors.InvalidSyntax("A PATCH request needs an Operations array.")
    if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
        raise errors.InvalidSyntax("Operations must be an array of objects.")
    return operations


class ResourceListView(ResourceMixin, SCIMView):
    """GET /Users (list, filter, page), POST /Users (create)."""

    def get(self, request, *args, **kwargs):
        params = request.query_params
        page = page_from(params.get("startIndex"), params.get("count"), params.get("cursor"))
        return self.list_response(params.get("filter"), page, self.projection_from_query())

    def post(self, request, *args, **kwargs):
        cls = self.adapter_class
        projection = self.projection_from_query()
        seen = {}

        def create():
            data = self.body()
            name = data.get("userName") or data.get("displayName")
            seen["display"] = name if isinstance(name, str) else ""
            adapter = cls.create(request=request, organisation=self.organisation, data=data)
            adapter.projection = projection
            return adapter, self.render(adapter, status=201, location=True)

        return self.write(f"{cls.resource_type.lower()}.create", create, display=lambda: seen.get("display", ""),
                          retry_conflict=cls.retry_refused_create())


class ResourceSearchView(ResourceMixin, SCIMView):
    """POST /Users/.search (RFC 7644 §3.4.3): the query in the body, paging from the body."""

    def post(self, request, *args, **kwargs):
        data = self.body()
        schemas = data.get("schemas")
        if not isinstance(schemas, list) or SEARCH_REQUEST not in schemas:
            raise errors.InvalidSyntax(f"A search request's schemas must contain {SEARCH_REQUEST}.")
        filter_string = data.get("filter")
        if filter_string is not None and not isinstance(filter_string, str):
            raise errors.InvalidFilter("filter must be a string.")
        page = page_from(data.get("startIndex"), data.get("count"), data.get("cursor"))
        projection = Projection.from_params(data.get("attributes"), data.get("excludedAttributes"))
        return self.list_response(filter_string, page, projection)


class ResourceDetailView(ResourceMixin, SCIMView):
    """GET, PUT, PATCH, DELETE /Users/{id}."""

    def get(self, request, *args, **kwargs):
        return self.render(self.get_object(self.projection_from_query(), stream=True))

    def post(self, request, *args, **kwargs):
        raise errors.MethodNotAllowed("POST creates resources on the collection, not on a resource id.")

    def _action(self, verb: str) -> str:
        return f"{self.adapter_class.resource_type.lower()}.{verb}"

    def put(self, request, *args, **kwargs):
        projection = self.projection_from_query()

        def replace():
            data = self.body()
            adapter = self.get_object(projection, for_update=True)
            adapter.replace(data)
            return adapter, self.render(adapter)

        return self.write(self._action("replace"), replace, resource_id=self.kwargs["scim_id"][:64])

    def patch(self, request, *args, **kwargs):
        projection = self.projection_from_query()

        def apply():
            operations = _patch_operations(self.body())
            adapter = self.get_object(projection, for_update=True)
            with_body = adapter.patch(operations)
            return adapter, self.render(adapter) if with_body else Response(status=204)

        return self.write(self._action("patch"), apply, resource_id=self.kwargs["scim_id"][:64])

    def delete(self, request, *args, **kwargs):
        def remove():
            adapter = self.get_object(Projection(), for_update=True)
            adapter.delete()
            return adapter, Response(status=204)

        return self.write(self._action("delete"), remove, resource_id=self.kwargs["scim_id"][:64])
