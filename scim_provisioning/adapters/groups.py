"""SCIM Group <-> the host's team (the backend's group model), on django-scim2's ``SCIMGroup``.

The adapter translates and validates; the backend writes (``SCIMBackend.group_*``). A write
first validates the whole request (every operation, every member value, with ONE query for
all member ids), then applies it: nothing is written when anything is invalid, and the view's
transaction rolls back anything a later failure (a duplicate name) leaves behind.

Decisions (Okta Group Push first, Microsoft Entra ID second; see scim-clients.md):

- **Members** are users of the token's organisation, named by their SCIM id. A value that is
  not one (unknown, malformed, another organisation's user) is a 400 ``invalidValue`` with
  the same detail in every case, in POST, PUT and every PATCH operation (removals included):
  the request is then not applied at all. A user deleted through SCIM may be removed from a
  group (that is how it leaves) but not added. Members without ``type`` are users (Okta);
  ``type`` other than ``User`` is refused (no nested groups); ``$ref`` and ``display`` are
  ignored (Entra sends ``"$ref": null``). One request names at most ``max_member_values``
  distinct members (400 ``tooMany`` beyond).
- **PUT** replaces what it names: ``displayName`` (required) and, when present, ``members``
  (the complete set; ``[]`` empties) and ``externalId``. A PUT without ``members`` (or with
  ``null``) leaves the members alone. RFC 7644 §3.5.1 allows either reading of an omitted
  readWrite attribute ("MAY be assumed to be not asserted"); Okta's AIW PUT always sends
  ``members``, and no client expects a rename to empty a team, so omission never destroys
  memberships. The same holds for an omitted ``externalId``.
- **PATCH** operations are case-insensitive (``Add``/``Replace``/``Remove``). ``members``:
  ``add`` merges and de-duplicates; ``remove`` with a ``value`` array removes only those
  members (Entra); ``remove`` of ``members[value eq "…"]`` (Okta, also ``or``-ed values)
  removes those; ``remove`` of ``members`` without a value empties the group; ``replace`` sets
  the complete list (``[]`` empties). ``displayName`` and ``externalId`` take ``add`` or
  ``replace`` with a path (Entra) or as keys of a path-less value (Okta's rename on every
  sync, ``{"id": <this id>, "displayName": …}``), which never touches members. An ``id``
  equal to the group's is accepted and ignored; another id is 400 ``mutability``. ``schemas``
  and ``meta`` keys in a path-less value are ignored; any other unknown path is 400
  ``invalidPath``. An empty ``Operations`` array is a no-op.
- **PATCH answers 204 No Content** (Entra asks for it; Okta accepts 200 or 204), so a large
  group is never re-serialised. A client that asks for attributes (``?attributes=`` or
  ``?excludedAttributes=``) gets 200 with the group under that projection; ``members`` are
  read only if that projection includes them.
- Every PUT and PATCH makes the team SCIM-managed: a team created by hand, found by the
  identity provider with ``displayName eq``, becomes SCIM-managed on its first change.
- A duplicate ``displayName`` (case-insensitive, per organisation) is the database's unique
  constraint: 409 ``uniqueness``, also between two concurrent POSTs.
"""

import uuid
from dataclasses import dataclass, field
from json.encoder import encode_basestring

from django.db.models import F, TextField
from django.db.models.functions import Cast

from django_scim.adapters import SCIMGroup
from django_scim.constants import SchemaURI
from scim2_filter_parser import ast as scim_ast

from .. import errors, rails, schemas
from ..json_rows import uuid_text
from ..streaming import Streamed, started_iterator
from ..backend import get_backend
from ..filters import DATETIME, EXACT, UUID, FilterAttr, FilterSchema, key
from ..projection import Projection
from .base import ResourceAdapter
from .values import max_length, name_text, text

GROUP_FILTERS = FilterSchema({
    key("displayName"): FilterAttr("name"),
    key("externalId"): FilterAttr("external_id", EXACT),
    key("id"): FilterAttr("scim_id", UUID),
    key("members", "value"): FilterAttr("members__scim_links__scim_id", UUID, multi_valued=True,
                                        scope="members__scim_links__organisation"),
    key("members", "display"): FilterAttr("members__scim_links__user_name", multi_valued=True,
                                          scope="members__scim_links__organisation"),
    key("meta", "created"): FilterAttr("created_at", DATETIME),
    key("meta", "lastModified"): FilterAttr("updated_at", DATETIME),
})

# GET streams the members of a group (or of a page of groups) with more members than this in
# all, STREAM_CHUNK rows at a time; smaller ones are rendered in one piece, as before.
STREAM_THRESHOLD = 2_000
STREAM_CHUNK = 2_000

# Keys a path-less PATCH value may carry without effect (read-only, echoed back by clients).
IGNORED_PATCH_KEYS = frozenset({"schemas", "meta"})


@dataclass
class MembershipChange:
    """The net effect of a request's member operations, folded in order.

    Either *absolute* (``members`` is the complete final set: a replace or a clear happened)
    or *relative* (``added`` and ``removed``, disjoint, against whatever the group holds).
    Folding gives the same result as applying the operations one by one, with at most one
    DELETE and one INSERT, and without reading the group's current members.

    ``joining`` and ``leaving`` keep every id any operation named (to add or set, to remove),
    so that all of them are validated even when a later operation cancels an earlier one.
    """

    members: set | None = None
    added: set = field(default_factory=set)
    removed: set = field(default_factory=set)
    joining: set = field(default_factory=set)
    leaving: set = field(default_factory=set)

    def add(self, ids) -> None:
        ids = set(ids)
        self.joining |= ids
        if self.members is not None:
            self.members |= ids
        else:
            self.added |= ids
            self.removed -= ids

    def remove(self, ids) -> None:
        ids = set(ids)
        self.leaving |= ids
        if self.members is not None:
            self.members -= ids
        else:
            self.removed |= ids
            self.added -= ids

    def set(self, ids) -> None:
        self.members = set(ids)
        self.joining |= self.members
        self.added, self.removed = set(), set()


@dataclass
class GroupChange:
    """What a PUT or PATCH intends: ``None`` means unchanged."""

    name: str | None = None
    external_id: str | None = None
    membership: MembershipChange = field(default_factory=MembershipChange)


class GroupAdapter(ResourceAdapter, SCIMGroup):
    resource_type = "Group"
    endpoint = "Groups"
    core_schema = SchemaURI.GROUP
    filter_schema = GROUP_FILTERS
    conflict_detail = "A group with this displayName already exists in the organisation."

    # Distinct member values one request may name: beyond this, 400 tooMany (it also keeps
    # the one validation query within every database's parameter limit).
    max_member_values = 20_000

    # --- reading -------------------------------------------------------------------------
    @classmethod
    def schema_definitions(cls) -> list[dict]:
        """The Group schema as stored here (displayName required, members.display declared)."""
        return [schemas.GROUP]

    @classmethod
    def queryset(cls, *, organisation, projection: Projection):
        groups = get_backend().group_queryset(organisation=organisation)
        if not rails.links_manual_groups(organisation):
            groups = groups.filter(scim_managed=True)  # hand-made teams are not SCIM's to see
        return groups

    @classmethod
    def load_related(cls, objs, *, organisation, projection: Projection) -> None:
        """Members of every group on the page in ONE query, as (group, id, userName) tuples:
        no user instances, which cost most of the time on a 10,000-member group."""
        if not objs or not projection.includes("members"):
            return
        cls._attach(objs, cls._member_rows(organisation, [obj.pk for obj in objs]))

    @classmethod
    def load_streamed(cls, objs, *, organisation, projection: Projection) -> bool:
        """As ``load_related``, for a GET (one group, or a page): when the page's groups have
        more than ``STREAM_THRESHOLD`` members in all, their members are streamed instead of
        loaded (True). One query reads up to ``STREAM_THRESHOLD + 1`` rows; below the threshold
        those are the members (the same single statement as ``load_related``). Above it, a
        second statement reads all of them again through ``iterator()`` (a server-side cursor
        on PostgreSQL: one snapshot, ``STREAM_CHUNK`` rows in memory at a time), read while
        the response is written.

        Not streamed (loaded as before): a projection that selects inside members
        (``members.value``, ``members[value eq "…"]``), whose result depends on all of them."""
        pks = [obj.pk for obj in objs]
        if (not objs or not projection.includes("members") or not projection.keeps_whole("members")
                or pks != sorted(pks)):
            cls.load_related(objs, organisation=organisation, projection=projection)
            return False
        rows = cls._member_rows(organisation, pks)
        head = list(rows[: STREAM_THRESHOLD + 1])
        if len(head) <= STREAM_THRESHOLD:
            cls._attach(objs, head)
            return False
        del head
        stream = _MemberStream(started_iterator(rows, STREAM_CHUNK))
        for obj in objs:
            obj._scim_members = _StreamedMembers(stream, obj.pk)
        return True

    @staticmethod
    def _attach(objs, rows) -> None:
        members = {obj.pk: [] for obj in objs}
        for group_id, scim_id, username in rows:
            members[group_id].append((scim_id, username))
        for obj in objs:
            obj._scim_members = members[obj.pk]

    @staticmethod
    def _member_rows(organisation, group_ids):
        """(group pk, user SCIM id, userName) of the members of ``group_ids``, by group then
        user: the one place member rows are read (streamed or not)."""
        # Members are the users SCIM can see: one deleted through SCIM keeps its membership
        # (it may come back) but is not listed, as its own GET answers 404.
        # The member's SCIM user is its link in the group's organisation (a person may belong
        # to several), visible (not deleted through SCIM): all conditions in one filter() are one join.
        # The SCIM id as text, as the database writes it: no UUID object per member (most of
        # the Python time of a 100,000-member group), see ``json_rows.uuid_text``.
        backend = get_backend()
        through, group_fk, user_fk = backend.membership_table()
        link = f"{user_fk.removesuffix('_id')}__scim_links"
        return (
            through.objects.filter(**{f"{group_fk}__in": group_ids, f"{link}__organisation": organisation,
                                      f"{link}__deleted_at__isnull": True})
            .order_by(group_fk, user_fk)
            .values_list(group_fk, Cast(F(f"{link}__scim_id"), TextField()), f"{link}__user_name")
        )

    @staticmethod
    def member_value(base: str, scim_id, username) -> dict:
        value = uuid_text(scim_id)
        return {"value": value, "display": username, "$ref": f"{base}Users/{value}", "type": "User"}

    @staticmethod
    def member_json(base: str):
        """``member_value`` written straight as the SCIM renderer's compact JSON (the same bytes:
        tests/scim_provisioning/test_groups_streaming.py), for streamed members: no dict and
        no encoder call per member. The id is hex digits and dashes; the userName is escaped
        as ``json.dumps`` escapes it (its own ``encode_basestring``)."""
        ref = encode_basestring(f"{base}Users/")[:-1]

        def member(scim_id, username) -> str:
            value = uuid_text(scim_id)
            return f'{{"value":"{value}","display":{encode_basestring(username)},"$ref":{ref}{value}","type":"User"}}'

        return member

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
            members = self._members()
            if isinstance(members, _StreamedMembers):
                resource["members"] = members.placeholder(base, self.member_value, self.member_json)
            else:
                resource["members"] = [self.member_value(base, scim_id, username) for scim_id, username in members]
        resource["meta"] = self.meta(team.created_at, team.updated_at)
        return resource

    def _members(self) -> "list[tuple] | _StreamedMembers":
        """(id, userName) of each member: loaded with the page or the read (``load_related``),
        else one query (after a write, which loads the group without its members)."""
        team = self.obj
        if not hasattr(team, "_scim_members"):
            organisation = self.organisation if self.organisation is not None else team.organisation_id
            self.load_related([team], organisation=organisation, projection=self.projection)
        return team._scim_members

    # --- writing -------------------------------------------------------------------------
    @classmethod
    def create(cls, *, request, organisation, data: dict) -> "GroupAdapter":
        name = cls._display_name(data.get("displayName"))
        external_id = cls._external_id(data.get("externalId")) if data.get("externalId") is not None else ""
        membership = MembershipChange()
        if data.get("members") is not None:
            membership.set(cls._member_values(data["members"], "members"))
        resolved = cls._resolve(organisation, membership)
        rails.check_group_name(organisation=organisation, name=name,
                               queryset=get_backend().group_queryset(organisation=organisation))
        group = get_backend().group_create(
            organisation=organisation, name=name, external_id=external_id,
            user_ids=[resolved[v].pk for v in membership.members or ()],
        )
        return cls(group, request)

    def replace(self, data: dict) -> None:
        self._check_id(data.get("id"))
        change = GroupChange(name=self._display_name(data.get("displayName")))
        if data.get("externalId") is not None:
            change.external_id = self._external_id(data["externalId"])
        if data.get("members") is not None:
            change.membership.set(self._member_values(data["members"], "members"))
        self._apply(change)
        self.obj.refresh_from_db()

    def patch(self, operations: list) -> bool:
        with_body = bool(self.projection.attributes or self.projection.excluded)
        if not operations:
            return with_body  # a no-op (the Entra validator sends it); the team stays as it is
        for operation in operations:
            op = operation.get("op")
            if not isinstance(op, str) or op.lower() not in ("add", "remove", "replace"):
                raise errors.InvalidSyntax('Each operation needs "op": "add", "remove" or "replace".')
            path = operation.get("path")
            if path is not None and not isinstance(path, str):
                raise errors.InvalidPath('"path" must be a string.')
            if op.lower() == "remove" and not path:
                raise errors.NoTarget('A "remove" operation needs a "path".')
        self._change = GroupChange()
        # django-scim2's plumbing: path parsing (parse_path_and_values / split_path), op
        # dispatch (case-insensitive) and "remove needs a path"; the handle_* below record
        # the intended change, which _apply then validates and writes.
        self.handle_operations(operations)
        change, self._change = self._change, None
        self._apply(change)
        if with_body:
            self.obj.refresh_from_db()
        return with_body

    def delete(self) -> None:
        get_backend().group_delete(group=self.obj)

    def _apply(self, change: GroupChange) -> None:
        """Validate every member value (one query), then write through the backend."""
        membership = change.membership
        resolved = self._resolve(self.obj.organisation_id, membership)
        backend = get_backend()
        if change.name is not None and change.name.lower() != self.obj.name.lower():
            rails.check_group_name(organisation=self.organisation, name=change.name, exclude_pk=self.obj.pk,
                                   queryset=backend.group_queryset(organisation=self.organisation))
        backend.group_update(group=self.obj, name=change.name, external_id=change.external_id)
        if change.name is not None:  # for the activity log; responses re-read the row
            self.obj.name = change.name
        if membership.members is not None:
            backend.group_members_set(group=self.obj, user_ids=[resolved[v].pk for v in membership.members])
            return
        if membership.removed:
            backend.group_members_remove(group=self.obj, user_ids=[resolved[v].pk for v in membership.removed])
        if membership.added:
            backend.group_members_add(group=self.obj, user_ids=[resolved[v].pk for v in membership.added])

    # --- PATCH handlers (called by django-scim2's handle_operations) ----------------------
    def parse_path_and_values(self, path, value):
        if not path and not isinstance(value, dict):
            raise errors.InvalidValue("An operation without a path needs an object value of attributes.")
        if not path:
            pairs = []
            for name, item in value.items():
                if name.lower() in IGNORED_PATCH_KEYS:
                    continue
                pairs.append((self.split_path(name), item))
            return pairs
        return [(self.split_path(path), value)]

    def split_path(self, path: str):
        try:
            return super().split_path(path)
        except Exception:  # the lexer and parser raise several types for malformed paths
            raise errors.InvalidPath(f"'{path[:100]}' is not a valid PATCH path.")

    def handle_add(self, path, value, operation):
        self._handle("add", path, value)

    def handle_remove(self, path, value, operation):
        self._handle("remove", path, value)

    def handle_replace(self, path, value, operation):
        self._handle("replace", path, value)

    def _handle(self, op: str, path, value) -> None:
        attr, selected = _target(path)
        change = self._change
        if attr == "id":
            if op == "remove":
                raise errors.Mutability("id cannot be removed.")
            self._check_id(value)
        elif attr == "displayname":
            if op == "remove":
                raise errors.InvalidValue("displayName is required and cannot be removed.")
            change.name = self._display_name(value)
        elif attr == "externalid":
            change.external_id = "" if op == "remove" or value is None else self._external_id(value)
        elif attr == "members" and selected is not None:
            if op != "remove":
                raise errors.InvalidPath('A members[value eq "…"] path is only supported with "remove".')
            change.membership.remove(selected)
        elif attr == "members":
            if op == "add":
                change.membership.add(self._member_values(value, "members"))
            elif op == "replace":
                change.membership.set(self._member_values(value if value is not None else [], "members"))
            elif value is None:
                change.membership.set([])  # remove "members" without a value: all of them
            else:
                change.membership.remove(self._member_values(value, "members"))
        else:
            raise errors.InvalidPath(f"'{attr}' cannot be changed on a Group; use displayName, externalId or members.")

    # --- validation ----------------------------------------------------------------------
    def _check_id(self, value) -> None:
        if value is None:
            return
        if not isinstance(value, str) or _uuid(value) != self.obj.scim_id:
            raise errors.Mutability("id is read-only and must be this group's id.")

    @classmethod
    def _display_name(cls, value) -> str:
        return name_text(value, "displayName", limit=max_length(get_backend().group_model(), "name"), required=True)

    @classmethod
    def _external_id(cls, value) -> str:
        return text(value, "externalId", limit=max_length(get_backend().group_model(), "external_id"))

    @classmethod
    def _member_values(cls, value, where: str) -> list[uuid.UUID | str]:
        """The member ids of a ``members`` value: a list of ``{"value": "<user id>"}`` objects
        (a single object is accepted too). Ids are returned as UUIDs when well-formed, else as
        the raw string, which ``_resolve`` refuses like any other unknown id."""
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            raise errors.InvalidValue(f"{where} must be an array of objects with a user id in \"value\".")
        ids = []
        for member in value:
            if not isinstance(member, dict):
                raise errors.InvalidValue(f"{where} must be an array of objects with a user id in \"value\".")
            fields = {k.lower(): v for k, v in member.items() if isinstance(k, str)}
            kind = fields.get("type")
            if kind is not None and (not isinstance(kind, str) or kind.lower() != "user"):
                raise errors.InvalidValue("Only users can be members of a group (nested groups are not supported).")
            raw = fields.get("value")
            if not isinstance(raw, str):
                raise errors.InvalidValue(f"Each member of {where} needs a user id as a string in \"value\".")
            ids.append(_uuid(raw) or raw)
        return ids

    @classmethod
    def _resolve(cls, organisation, membership: MembershipChange) -> dict:
        """``{value: GroupMember}`` for every member value the request names, in one query;
        400 if any is not a user of the organisation (the same answer for unknown, malformed
        and other organisations' ids, and for deleted users named to join)."""
        values = membership.joining | membership.leaving
        if not values:
            return {}
        if len(values) > cls.max_member_values:
            raise errors.TooMany(f"A request may name at most {cls.max_member_values} members; split it.")
        well_formed = [v for v in values if isinstance(v, uuid.UUID)]
        found = get_backend().group_member_ids(organisation=organisation, scim_ids=well_formed)
        invalid = [v for v in values if v not in found or (v in membership.joining and not found[v].can_join)]
        if invalid:
            shown = str(min(invalid, key=str))[:64]
            more = f" ({len(invalid)} member values are not users.)" if len(invalid) > 1 else ""
            raise errors.InvalidValue(f"Member '{shown}' is not a user of this organisation; no change was made.{more}")
        return found


class _MemberStream:
    """One cursor over the member rows of a page of groups, ordered by group then user, shared
    by the groups' placeholders: each takes its own rows, in page order (ascending pk, which
    ``load_streamed`` checks), as the response is written."""

    def __init__(self, rows):
        self._rows = rows  # already started (streaming.started_iterator)
        self._pending = None  # the first row of the next group, read past the previous one

    def chunks(self, group_id):
        """Lists of (SCIM id, userName) of the group's members."""
        chunk = []
        while True:
            row, self._pending = (self._pending or next(self._rows, None)), None
            if row is None:
                break
            if row[0] != group_id:
                self._pending = row
                break
            chunk.append((row[1], row[2]))
            if len(chunk) >= STREAM_CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def close(self) -> None:
        self._rows.close()


@dataclass
class _StreamedMembers:
    stream: _MemberStream
    group_id: int

    def placeholder(self, base: str, member_value, member_json) -> Streamed:
        return Streamed(self.stream.chunks(self.group_id), close=self.stream.close,
                        item=lambda row: member_value(base, *row), item_json=lambda row, write=member_json(base): write(*row))


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None


def _target(path) -> tuple[str, set | None]:
    """A parsed PATCH path (django-scim2's ``AttrPath``) → (lower-cased attribute name, the
    member ids selected by a ``members[value eq "…"]`` filter, or None without a filter).

    Read from the path's syntax tree, because django-scim2 drops filter values whose
    attribute is not in its ``ATTR_MAP``. Only the Group core schema's attributes (plain or
    with the core URN) are accepted; sub-attributes and other filters are 400 invalidPath.
    """
    expr = path.ast.expr if isinstance(path.ast, scim_ast.Filter) and not path.ast.negated else None
    if not isinstance(expr, scim_ast.AttrExpr):  # e.g. 'a eq "x" or b': split_path appended ' eq ""'
        raise errors.InvalidPath("A PATCH path names one attribute, e.g. members or displayName.")
    node = expr.attr_path
    if isinstance(node.attr_name, scim_ast.Filter):
        bracket = node.attr_name
        target = bracket.namespace
        if target.attr_name.lower() != "members" or target.sub_attr is not None or node.sub_attr is not None:
            raise errors.InvalidPath('Only members[value eq "<user id>"] filters are supported in a Group path.')
        _check_uri(target.uri)
        return "members", _selected_members(bracket.expr)
    _check_uri(node.uri)
    if node.sub_attr is not None:
        raise errors.InvalidPath(f"'{node.attr_name}.{node.sub_attr.value}' cannot be changed on a Group.")
    return node.attr_name.lower(), None


def _check_uri(uri) -> None:
    if uri is not None and uri.lower() != SchemaURI.GROUP.lower():
        raise errors.InvalidPath(f"'{uri[:100]}' is not a schema of the Group resource.")


def _selected_members(node) -> set:
    """The ids of ``value eq "a"`` (or ``value eq "a" or value eq "b"``) inside brackets."""
    if isinstance(node, scim_ast.Filter):
        if node.negated:
            raise errors.InvalidPath('Only members[value eq "<user id>"] filters are supported in a Group path.')
        return _selected_members(node.expr)
    if isinstance(node, scim_ast.LogExpr) and node.op.lower() == "or":
        return _selected_members(node.expr1) | _selected_members(node.expr2)
    if (
        isinstance(node, scim_ast.AttrExpr)
        and node.value.lower() == "eq"
        and isinstance(node.attr_path.attr_name, str)
        and node.attr_path.sub_attr is not None
        and node.attr_path.sub_attr.value.lower() == "value"
        and node.comp_value is not None
    ):
        raw = node.comp_value.value
        return {_uuid(raw) or raw}
    raise errors.InvalidPath('Only members[value eq "<user id>"] filters are supported in a Group path.')
