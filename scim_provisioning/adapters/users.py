"""SCIM User <-> the app's ``models.SCIMUser`` (linked to a host user), on django-scim2's
``SCIMUser``.

Reading: ``queryset`` (tenancy and prefetching) and ``to_dict``. Writing: POST, PUT and
PATCH are translated into a validated ``UserChanges`` (the user's complete intended state)
that the backend applies; DELETE asks the backend to delete. The adapter never writes a
model itself. Decisions:

- Input is read as Okta and Entra send it: attribute names in any case; read-only,
  never-stored and unknown attributes (``id``, ``meta``, ``schemas``, ``password``,
  ``groups``, other schema URNs such as the hub's read-only extension, misspellings) are
  ignored; ``null`` means unassigned. Known attributes with a wrong type or too long for
  their column are a 400 ``invalidValue`` naming the attribute.
- Every other RFC 7643 §4.1 core attribute the host does not model (``nickName``,
  ``phoneNumbers``, ``addresses``, ``roles``, ``name.formatted``, ``name.middleName``…) is
  kept as sent in one JSON document (``UserChanges.attributes``; rules and PATCH semantics in
  ``attributes``) and returned. ``name.formatted`` is never derived from the other parts.
  SCIM ``roles`` is stored, never the host's role. ``displayName`` is stored as sent.
- ``emails`` (value, type, display, primary) are stored in SCIM order; the first marked
  primary stays primary (or the first one if none is), and the output lists the primary
  first. A type (work, home…) may appear once per user (Entra).
- The enterprise ``manager`` arrives as ``{"value": id}``, a bare id (Entra) or a one-item
  list (Entra's older form); it must be another visible user of the same organisation. It is
  returned as ``{"value", "$ref", "displayName"}``; a manager deleted through SCIM is not
  returned.
- PUT replaces every writable attribute (absent means unassigned), except ``active``, which
  an absent value leaves as it is.
- PATCH (see ``patch.PatchOperationsMixin`` for the operation rules): ``add`` on a
  single-valued attribute sets it; ``add``/``replace`` on ``emails[type eq "x"].value``
  creates that e-mail when missing (``phoneNumbers[type eq "mobile"].value``,
  ``addresses[type eq "work"].streetAddress``… likewise); ``remove`` of something that is
  not there is a no-op; an explicit path naming no User attribute is 400 ``invalidPath``; a
  path-less value's unknown keys are ignored. An empty ``Operations`` changes nothing and answers the user.
- Owners and administrators (``backend.is_protected``) answer 403 to PUT, PATCH and DELETE.
"""

import copy
import uuid
from typing import NamedTuple

from django.db import connection
from django.db.models import OuterRef
from django_scim.adapters import SCIMUser
from django_scim.constants import SchemaURI

from .. import errors, json_rows, rails, schemas
from ..backend import EmailChange, UserChanges, get_backend
from ..filters import BOOLEAN, DATETIME, EXACT, UUID, FilterAttr, FilterSchema, key
from ..models import SCIMUser as SCIMUserModel, SCIMUserCount, SCIMUserEmail
from ..prepared import PreparedRead
from ..projection import Projection
from . import attributes
from .base import ResourceAdapter
from .patch import PatchOperationsMixin, PatchTarget
from .values import boolean, complex_value, email_address, lower_keys, max_length, name_text, text

ENTERPRISE = SchemaURI.ENTERPRISE_USER

# Enterprise extension attribute -> model field (manager is handled apart: a reference).
ENTERPRISE_FIELDS = {
    "employeeNumber": "employee_number",
    "costCenter": "cost_center",
    "organization": "enterprise_organization",
    "division": "division",
    "department": "department",
}

# Writable string attributes: lower-cased SCIM name -> (SCIM name, UserChanges field).
CORE_TEXT = {
    "username": ("userName", "username"),
    "displayname": ("displayName", "display_name"),
    "title": ("title", "title"),
    "locale": ("locale", "locale"),
    "externalid": ("externalId", "external_id"),
}
# The names the hub shows to people: no hidden or reordering characters, no outer whitespace.
NAME_FIELDS = frozenset({"username", "display_name"})
NAME_TEXT = {"givenname": ("name.givenName", "given_name"), "familyname": ("name.familyName", "family_name")}
ENTERPRISE_TEXT = {attr.lower(): (attr, field) for attr, field in ENTERPRISE_FIELDS.items()}

# Core User attributes (RFC 7643 §4.1) that are read-only or never stored: accepted, ignored.
# The others the host does not model are kept in a JSON document (``attributes``).
IGNORED_CORE = frozenset({"id", "meta", "schemas", "password", "groups"})
EMAIL_FILTERS = frozenset({"type", "value", "primary"})
EMAIL_SUBS = ("value", "type", "primary", "display")

USER_FILTERS = FilterSchema({
    key("userName"): FilterAttr("user_name"),
    key("externalId"): FilterAttr("external_id", EXACT),
    key("id"): FilterAttr("scim_id", UUID),
    key("displayName"): FilterAttr("display_name"),
    key("title"): FilterAttr("title"),
    key("locale"): FilterAttr("locale"),
    key("name", "givenName"): FilterAttr("given_name"),
    key("name", "familyName"): FilterAttr("family_name"),
    key("active"): FilterAttr("active", BOOLEAN),
    key("emails", "value"): FilterAttr("emails__value", multi_valued=True),
    key("emails", "type"): FilterAttr("emails__type", multi_valued=True),
    key("emails", "primary"): FilterAttr("emails__primary", BOOLEAN, multi_valued=True),
    key("meta", "created"): FilterAttr("created_at", DATETIME),
    key("meta", "lastModified"): FilterAttr("updated_at", DATETIME),
    key("groups", "value"): FilterAttr("user__teams__scim_id", UUID, multi_valued=True,
                                       scope="user__teams__organisation"),
    **{key(attr, None, ENTERPRISE): FilterAttr(field) for attr, field in ENTERPRISE_FIELDS.items()},
    key("manager", "value", ENTERPRISE): FilterAttr("manager__scim_id", UUID),
})


class EmailRow(NamedTuple):
    """A stored e-mail as a read folds it in (``UserAdapter.queryset``): the fields of
    ``SCIMUserEmail`` that the response and its order need."""
    value: str
    type: str
    display: str
    primary: bool
    position: int
    pk: int


def _as_stored(document):
    """``document`` as the database hands it back. PostgreSQL's jsonb keeps object keys
    shorter first, then bytewise (arrays keep their order); other databases keep the text as
    written. So a response built from the instance in memory reads exactly like a later GET."""
    if connection.vendor != "postgresql":
        return document

    def ordered(value):
        if isinstance(value, dict):
            keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
            return {k: ordered(value[k]) for k in keys}
        if isinstance(value, list):
            return [ordered(item) for item in value]
        return value

    return ordered(document)


def _one_primary(emails: list[EmailChange]) -> list[EmailChange]:
    """At most one primary (RFC 7643 §2.4). The first e-mail marked primary stays primary and
    the others are not. With none marked, the first whose ``primary`` the client left unsaid
    becomes primary (Okta reads the primary address); an explicit ``false`` is respected."""
    primary = next((e for e in emails if e.primary), None)
    if primary is None:
        primary = next((e for e in emails if e.primary is None), None)
    return [EmailChange(e.value, e.type, e is primary, e.display) for e in emails]


def _email_matches(email: EmailChange, attr: str, value: str) -> bool:
    if attr == "type":
        return email.type.lower() == value.lower()
    if attr == "value":
        return email.value.lower() == value.lower()
    return email.primary == (value.lower() == "true")


class UserAdapter(PatchOperationsMixin, ResourceAdapter, SCIMUser):
    resource_type = "User"
    endpoint = "Users"
    core_schema = SchemaURI.USER
    filter_schema = USER_FILTERS
    conflict_detail = "A user with this userName already exists in the organisation."

    extension_schemas = (ENTERPRISE,)

    @classmethod
    def extensions(cls) -> tuple[str, ...]:
        schema = get_backend().user_extension_schema()
        return cls.extension_schemas + ((schema["id"],) if schema else ())

    @classmethod
    def schema_definitions(cls) -> list[dict]:
        """The User and enterprise schemas as stored here, and the host's extension, for /Schemas."""
        schema = get_backend().user_extension_schema()
        return [schemas.USER, schemas.ENTERPRISE_USER, *([schema] if schema else [])]

    def __init__(self, obj, request, projection: Projection | None = None, *, organisation=None):
        super().__init__(obj, request, projection, organisation=organisation)
        if organisation is not None and obj.organisation_id == organisation.pk:
            obj.organisation = organisation  # the token's tenant: no query to read it again

    # --- reading -------------------------------------------------------------------------
    @classmethod
    def queryset(cls, *, organisation, projection: Projection):
        """What a read shows, in one statement where the database allows it: the SCIM user,
        its manager (a join), and, when ``projection`` returns them, its e-mails and groups
        folded in as JSON (``json_rows``; on other databases a prefetch and ``load_related``).
        The host user, and whatever the backend joins to it, only when the host's extension is
        asked for: nothing else a read shows comes from it."""
        return cls._read_queryset(organisation, cls._read_shape(projection))

    @classmethod
    def _read_shape(cls, projection: Projection) -> tuple[bool, bool, bool]:
        """What of the user a read under ``projection`` loads: (the host's extension, e-mails, groups)."""
        return cls._extension_in(projection), projection.includes("emails"), projection.includes("groups")

    @classmethod
    def _read_queryset(cls, organisation, shape: tuple[bool, bool, bool]):
        extension, emails, groups = shape
        backend = get_backend()
        users = backend.user_queryset(organisation=organisation)
        if not extension:
            users = users.select_related(None)
        users = users.select_related("manager")
        if not json_rows.supported(connection):
            return users.prefetch_related("emails")
        if emails:
            users = users.annotate(email_rows=json_rows.JSONRows(
                SCIMUserEmail.objects.filter(scim_user=OuterRef("pk")), list(EmailRow._fields)))
        if groups:
            through, group_fk, user_fk = backend.membership_table()
            group = group_fk.removesuffix("_id")
            memberships = through.objects.filter(**{
                user_fk: OuterRef("user_id"), f"{group}__in": backend.group_queryset(organisation=organisation)})
            users = users.annotate(group_rows=json_rows.JSONRows(
                memberships, [group_fk, f"{group}__scim_id", f"{group}__name"]))
        return users

    @classmethod
    def get_visible(cls, *, organisation, projection: Projection, scim_id: uuid.UUID):
        """``GET /Users/{id}``, the read identity providers send most after the lookup: its
        statement compiled once per organisation, shape and process (``prepared``), when the
        backend allows it (``SCIMBackend.prepared_reads``)."""
        backend = get_backend()
        if not backend.prepared_reads or not json_rows.supported(connection):
            return super().get_visible(organisation=organisation, projection=projection, scim_id=scim_id)
        shape = cls._read_shape(projection)
        rows = _USER_BY_SCIM_ID.fetch(scim_id, context=(organisation, shape),
                                      key=(type(backend), organisation.pk, shape))
        return rows[0] if rows else None

    @classmethod
    def prepared_filter(cls, *, organisation, projection: Projection, q):
        """The lookup identity providers send before every create or update (``userName eq``,
        ``externalId eq``: one comparison with a text value), prepared like ``get_visible``,
        one plan per page bounds. Comparisons that add to the value (``co``, ``sw``) are not
        prepared (``prepared``): the ORM reads them."""
        backend = get_backend()
        if (not backend.prepared_reads or not json_rows.supported(connection) or q.negated
                or len(q.children) != 1 or not isinstance(q.children[0], tuple)):
            return None
        lookup, value = q.children[0]
        if not isinstance(value, str):
            return None
        shape = cls._read_shape(projection)

        def read(start: int, stop: int) -> list:
            return _USERS_WHERE.fetch(value, context=(organisation, shape, lookup, start, stop),
                                      key=(type(backend), organisation.pk, shape, lookup, start, stop))

        return read

    @classmethod
    def write_queryset(cls, *, organisation):
        """A write needs the host user (``is_protected``, the host's update) and the stored
        e-mails (PATCH edits them)."""
        return (get_backend().user_queryset(organisation=organisation)
                .select_related("manager").prefetch_related("emails"))

    @classmethod
    def kept_total(cls, *, organisation) -> int | None:
        """The visible SCIM users, as PostgreSQL's triggers keep them (``SCIMUserCount``): one
        indexed read of at most 16 rows instead of a COUNT that grows with the organisation."""
        if connection.vendor != "postgresql" or not get_backend().kept_user_count:
            return None
        rows = SCIMUserCount.objects.filter(organisation=organisation).values_list("visible", flat=True)
        return sum(rows)

    @classmethod
    def load_related(cls, objs, *, organisation, projection: Projection) -> None:
        """The groups of every user on the page in ONE query, as (id, displayName) tuples, and
        only the organisation's: a person may belong to several tenants."""
        if not objs or not projection.includes("groups"):
            return
        if hasattr(objs[0], "group_rows"):  # folded into the read (``queryset``)
            for obj in objs:
                obj._scim_groups = [(json_rows.uuid_text(scim_id), name) for _, scim_id, name in sorted(obj.group_rows)]
            return
        backend = get_backend()
        through, group_fk, user_fk = backend.membership_table()
        group = group_fk.removesuffix("_id")
        rows = (
            through.objects.filter(**{f"{user_fk}__in": [obj.user_id for obj in objs],
                                      f"{group}__in": backend.group_queryset(organisation=organisation)})
            .order_by(group_fk)
            .values_list(user_fk, f"{group}__scim_id", f"{group}__name")
        )
        groups = {obj.user_id: [] for obj in objs}
        for user_id, scim_id, name in rows:
            groups[user_id].append((scim_id, name))
        for obj in objs:
            obj._scim_groups = groups[obj.user_id]

    @property
    def display(self) -> str:
        return self.obj.user_name

    def to_dict(self) -> dict:
        link = self.obj
        backend = get_backend()
        resource = {
            "schemas": [SchemaURI.USER],
            "id": str(link.scim_id),
            "userName": link.user_name,
        }
        stored = link.attributes or {}
        name = {attr: value for attr, value in (("givenName", link.given_name), ("familyName", link.family_name)) if value}
        name.update(stored.get("name", {}))  # formatted, middleName…: as sent, never derived
        if name:  # unassigned attributes are left out, never sent as "" (RFC 7643 §2.5)
            resource["name"] = name
        if link.display_name:
            resource["displayName"] = link.display_name
        resource["active"] = link.active
        if self.projection.includes("emails"):  # else not loaded (``queryset``)
            resource["emails"] = self._emails()
        if link.external_id:
            resource["externalId"] = link.external_id
        if link.locale:
            resource["locale"] = link.locale
        if link.title:
            resource["title"] = link.title
        resource.update((attr, value) for attr, value in stored.items() if attr != "name")
        if self.projection.includes("groups"):
            base = self.base_location()
            resource["groups"] = [
                {"value": str(scim_id), "display": name, "$ref": f"{base}Groups/{scim_id}", "type": "direct"}
                for scim_id, name in self._groups()
            ]
        enterprise = {attr: getattr(link, field) for attr, field in ENTERPRISE_FIELDS.items() if getattr(link, field)}
        if link.manager_id and link.manager.deleted_at is None:
            # {"value": …} is the shape Entra can read (a bare string breaks it); no displayName,
            # which clients would only echo back.
            enterprise["manager"] = {
                "value": str(link.manager.scim_id),
                "$ref": f"{self.base_location()}Users/{link.manager.scim_id}",
            }
        if enterprise:
            resource["schemas"].append(ENTERPRISE)
            resource[ENTERPRISE] = enterprise
        extension = backend.user_extension(link) if self._extension_requested() else None
        if extension:
            urn, block = extension
            resource["schemas"].append(urn)
            resource[urn] = block
        resource["meta"] = self.meta(link.created_at, link.updated_at)
        return resource

    def _groups(self) -> list[tuple]:
        """(id, displayName) of the user's groups: loaded with the page (``load_related``), else
        one query."""
        if not hasattr(self.obj, "_scim_groups"):
            type(self).load_related([self.obj], organisation=self.organisation, projection=self.projection)
        return self.obj._scim_groups

    def _extension_requested(self) -> bool:
        return self._extension_in(self.projection)

    @staticmethod
    def _extension_in(projection: Projection) -> bool:
        """The host's extension is ``returned: request`` (RFC 7643 §7): only when ``attributes``
        names it, so clients that know only the standard schemas can read every user."""
        schema = get_backend().user_extension_schema()
        return bool(schema) and projection.requests(schema["id"])

    def _stored_emails(self) -> list:
        """The SCIM user's e-mails in SCIM order: folded into the read (``EmailRow``), else the
        rows (from the prefetch cache when there is one)."""
        rows = getattr(self.obj, "email_rows", None)
        if rows is not None:
            return sorted((EmailRow(v, t, d, bool(p), pos, pk) for v, t, d, p, pos, pk in rows),
                          key=lambda e: (e.position, e.pk))
        return sorted(self.obj.emails.all(), key=lambda e: (e.position, e.pk))

    def _emails(self) -> list[dict]:
        emails = self._stored_emails()
        primary = next((e for e in emails if e.primary), None)
        emails.sort(key=lambda e: e is not primary)  # stable: the primary first, then SCIM order
        result = []
        for email in emails:
            item = {"value": email.value, "primary": email is primary}
            if email.type:
                item["type"] = email.type
            if email.display:
                item["display"] = email.display
            result.append(item)
        return result

    # --- writing (each called inside the view's transaction) -----------------------------
    @classmethod
    def retry_refused_create(cls) -> bool:
        return get_backend().revive_after_conflict  # the retry looks for a deleted user to bring back

    @classmethod
    def create(cls, *, request, organisation, data: dict) -> "UserAdapter":
        # An unsaved SCIM user stands in while the body is read (no pk: no self-manager).
        adapter = cls(SCIMUserModel(organisation=organisation), request, organisation=organisation)
        changes = adapter.changes_from_resource(data)
        rails.check_username(organisation=organisation, username=changes.username)
        link = get_backend().user_create(organisation=organisation, changes=changes)
        adapter._answer_from(link)
        return adapter

    def _answer_from(self, link) -> None:
        """Answer from the SCIM user just written when it holds what the response needs (its
        e-mails kept loaded, ``backend.keep_loaded``); else read it back as GET would. A SCIM
        user the backend created with a new host user (``revived`` False) is in no group."""
        if "emails" not in getattr(link, "_prefetched_objects_cache", {}):
            self._reload(link)
            return
        link.attributes = _as_stored(link.attributes)
        if getattr(link, "revived", True) is False:
            link._scim_groups = []
        self.obj = link

    def replace(self, data: dict) -> None:
        self._check_changeable()
        changes = self.changes_from_resource(data)
        rails.check_username(organisation=self.organisation, username=changes.username, previous=self.obj.user_name)
        self._answer_from(get_backend().user_update(link=self.obj, changes=changes))

    def patch(self, operations: list) -> bool:
        self._check_changeable()
        if not operations:
            return True
        self._state = self.changes_from_user()
        self._emails_patched = False
        self._attributes = attributes.AttributePatcher(self._state.attributes)
        self.handle_operations(operations)
        changes = self._state
        changes.attributes = self._attributes.result()
        if self._emails_patched:
            self._check_email_types(changes.emails, "emails")
            changes.emails = _one_primary(changes.emails)
        rails.check_username(organisation=self.organisation, username=changes.username, previous=self.obj.user_name)
        self._answer_from(get_backend().user_update(link=self.obj, changes=changes))
        return True

    def delete(self) -> None:
        self._check_changeable()
        get_backend().user_delete(link=self.obj)

    def _check_changeable(self) -> None:
        backend = get_backend()
        if backend.is_protected(self.obj):
            raise errors.Forbidden(backend.protected_detail(self.obj))

    def _reload(self, link) -> None:
        """Read the written SCIM user back exactly as GET would."""
        self.obj = type(self).queryset(organisation=self.organisation, projection=self.projection).get(pk=link.pk)
        self.obj.organisation = self.organisation

    # --- SCIM JSON -> UserChanges --------------------------------------------------------
    def changes_from_resource(self, data: dict) -> UserChanges:
        """A POST or PUT body as the user's complete intended state."""
        fields = lower_keys(data)
        changes = UserChanges(username="")
        for scim_key, (attr, field) in CORE_TEXT.items():
            setattr(changes, field, self._text(field, fields.get(scim_key), attr, required=field == "username"))
        name = complex_value(fields.get("name"), "name")
        for scim_key, (attr, field) in NAME_TEXT.items():
            setattr(changes, field, self._text(field, name.get(scim_key), attr))
        changes.attributes = attributes.normalise(data)
        changes.emails = _one_primary(self._emails_from(fields.get("emails"), "emails"))
        if fields.get("active") is not None:
            changes.active = boolean(fields["active"], "active")
        enterprise = complex_value(fields.get(ENTERPRISE.lower()), ENTERPRISE)
        for scim_key, (attr, field) in ENTERPRISE_TEXT.items():
            setattr(changes, field, self._text(field, enterprise.get(scim_key), attr))
        changes.manager = self._manager(enterprise.get("manager"), "manager")
        return changes

    def changes_from_user(self) -> UserChanges:
        """The user's current state, which PATCH operations then edit."""
        link = self.obj
        emails = [EmailChange(e.value, e.type, e.primary, e.display) for e in self._stored_emails()]
        values = {name: getattr(link, "user_name" if name == "username" else name) for name in UserChanges.FIELDS}
        return UserChanges(**values, emails=emails, manager=link.manager, active=link.active,
                           attributes=copy.deepcopy(link.attributes or {}))

    def _text(self, field: str, value, attr: str, required: bool = False) -> str:
        check = name_text if field in NAME_FIELDS else text
        return check(value, attr, limit=get_backend().field_limit(field), required=required)

    def _email_set(self, email: EmailChange, sub_attr: str, value, attr: str) -> None:
        """Set one sub-attribute (value, type or primary) of ``email``, checked."""
        model = SCIMUserEmail
        if sub_attr == "value":
            email.value = email_address(value, attr, limit=max_length(model, "value"))
        elif sub_attr in ("type", "display"):
            setattr(email, sub_attr, text(value, attr, limit=max_length(model, sub_attr)))
        else:
            email.primary = None if value is None else boolean(value, attr)

    def _email_from(self, item, attr: str) -> EmailChange:
        if not isinstance(item, dict):
            raise errors.InvalidValue(f"{attr} must be an object with a value.")
        parts = lower_keys(item)
        email = EmailChange("")
        for sub_attr in EMAIL_SUBS:
            self._email_set(email, sub_attr, parts.get(sub_attr), f"{attr}.{sub_attr}")
        return email

    def _emails_from(self, value, attr: str) -> list[EmailChange]:
        if value is None:
            return []
        if isinstance(value, dict):  # OneLogin sends the primary e-mail as an object
            value = [value]
        if not isinstance(value, list):
            raise errors.InvalidValue(f"{attr} must be an array of e-mail objects.")
        emails = [self._email_from(item, f"{attr}[{i}]") for i, item in enumerate(value)]
        self._check_email_types(emails, attr)
        return emails

    @staticmethod
    def _check_email_types(emails: list[EmailChange], attr: str) -> None:
        types = [e.type.lower() for e in emails if e.type]
        if len(types) != len(set(types)):
            raise errors.InvalidValue(f"{attr}: each type (work, home, …) may be used by one e-mail only.")

    @staticmethod
    def _manager_id(value, attr: str) -> str | None:
        if isinstance(value, list):  # Entra's older form: [{"$ref": …, "value": id}]
            if len(value) > 1:
                raise errors.InvalidValue(f"{attr} takes one user.")
            value = value[0] if value else None
        if isinstance(value, dict):
            value = lower_keys(value).get("value")
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise errors.InvalidValue(f'{attr} must be a user id or {{"value": "<user id>"}}.')
        return value

    def _manager(self, value, attr: str):
        ref = self._manager_id(value, attr)
        if ref is None:
            return None
        try:
            scim_id = uuid.UUID(ref)
        except ValueError:
            scim_id = None
        manager = None
        if scim_id is not None:
            manager = get_backend().user_queryset(organisation=self.organisation).filter(scim_id=scim_id).first()
        if manager is None:
            raise errors.InvalidValue(f"{attr}: there is no user with id {ref[:64]} in this organisation.")
        if self.obj.pk is not None and manager.pk == self.obj.pk:
            raise errors.InvalidValue(f"{attr}: a user cannot be its own manager.")
        return manager

    # --- PATCH: django-scim2 calls these for each (path, value) --------------------------
    def handle_add(self, path, value, operation) -> None:
        self._patch("add", path, value, operation)

    def handle_replace(self, path, value, operation) -> None:
        self._patch("replace", path, value, operation)

    def handle_remove(self, path, value, operation) -> None:
        self._patch("remove", path, value, operation)

    def _patch(self, op: str, path, value, operation: dict) -> None:
        target = self.target(path)
        explicit = operation["path"] is not None
        uri = (target.uri or "").lower()
        enterprise_only = uri == ENTERPRISE.lower()
        if uri and not enterprise_only and uri != SchemaURI.USER.lower():
            if explicit and uri not in {urn.lower() for urn in self.extensions()}:
                raise errors.InvalidPath(f"{target.name} is not an attribute of a User.")
            return  # another extension (read-only) or, path-less, an unknown URN: ignored
        attr = target.attr
        if not enterprise_only and attr in IGNORED_CORE:
            return
        if not enterprise_only and attributes.handles(target):
            self._attributes.apply(op, target, value)
        elif attr in ENTERPRISE_TEXT or (attr in CORE_TEXT and not enterprise_only):
            scim_name, field = ENTERPRISE_TEXT[attr] if attr in ENTERPRISE_TEXT else CORE_TEXT[attr]
            self._simple(target)
            self._patch_text(op, field, value, scim_name)
        elif attr == "manager":
            self._patch_manager(op, target, value)
        elif enterprise_only:
            self._unknown(target, explicit)
        elif attr == "name":
            self._patch_name(op, target, value, explicit)
        elif attr == "active":
            self._simple(target)
            if op == "remove":
                raise errors.InvalidValue("active cannot be removed; replace it with false to deactivate the user.")
            self._state.active = boolean(value, "active")
        elif attr == "emails":
            self._patch_emails(op, target, value)
        else:
            self._unknown(target, explicit)

    @staticmethod
    def _unknown(target: PatchTarget, explicit: bool) -> None:
        if explicit:
            raise errors.InvalidPath(f"{target.name} is not an attribute of a User.")

    @staticmethod
    def _simple(target: PatchTarget) -> None:
        if target.sub_attr or target.filter_attr:
            raise errors.InvalidPath(f"{target.name}: this attribute has no sub-attributes or values to filter.")

    def _patch_text(self, op: str, field: str, value, scim_name: str) -> None:
        if op == "remove":
            if field == "username":
                raise errors.InvalidValue("userName is required and cannot be removed.")
            value = None
        setattr(self._state, field, self._text(field, value, scim_name, required=field == "username"))

    def _patch_name(self, op: str, target: PatchTarget, value, explicit: bool) -> None:
        if target.filter_attr:
            raise errors.InvalidPath(f"{target.name}: name has no values to filter.")
        sub = target.sub_attr
        if sub is None:
            # RFC 7644 §3.5.2.3: sub-attributes not in the value are left as they are.
            parts = {} if op == "remove" else complex_value(value, "name")
            for scim_key, (attr, field) in NAME_TEXT.items():
                if op == "remove" or scim_key in parts:
                    self._patch_text(op, field, parts.get(scim_key), attr)
            self._attributes.name_value(op, parts)  # formatted, middleName…
        elif sub in NAME_TEXT:
            attr, field = NAME_TEXT[sub]
            self._patch_text(op, field, value, attr)
        else:
            self._unknown(target, explicit)

    def _patch_manager(self, op: str, target: PatchTarget, value) -> None:
        if target.sub_attr not in (None, "value"):
            if target.sub_attr in ("displayname", "$ref"):
                return  # read-only
            raise errors.InvalidPath(f"{target.name} is not an attribute of a User.")
        if target.filter_attr not in (None, "value") or (target.filter_attr and op != "remove"):
            raise errors.InvalidPath('A manager filter is only for removal: manager[value eq "<user id>"].')
        state = self._state
        if op != "remove":
            state.manager = self._manager(value, "manager")
            return
        wanted = target.filter_value if target.filter_attr else self._manager_id(value, "manager")
        if wanted is None or (state.manager is not None and str(getattr(state.manager, self.id_field)).lower() == wanted.lower()):
            state.manager = None

    def _patch_emails(self, op: str, target: PatchTarget, value) -> None:
        self._emails_patched = True
        state = self._state
        if target.filter_attr is None:
            if target.sub_attr is not None:
                raise errors.InvalidPath(
                    f'Name the e-mail to change with a filter, e.g. emails[type eq "work"].{target.sub_attr}.'
                )
            if op == "replace":
                state.emails = self._emails_from(value, "emails")
            elif op == "add":
                for email in self._emails_from(value, "emails"):
                    self._email_merge(state.emails, email)
            elif value is None:
                state.emails = []
            else:
                gone = {e.value.lower() for e in self._emails_from(value, "emails")}
                state.emails = [e for e in state.emails if e.value.lower() not in gone]
            return
        if target.filter_attr not in EMAIL_FILTERS or target.sub_attr not in (None, *EMAIL_SUBS):
            raise errors.InvalidPath(f"{target.name}: e-mails are selected by type, value or primary.")
        matches = [e for e in state.emails if _email_matches(e, target.filter_attr, target.filter_value)]
        if op == "remove":
            if target.sub_attr in (None, "value"):  # an e-mail without its value is no e-mail
                state.emails = [e for e in state.emails if not any(e is m for m in matches)]
            for email in matches:
                if target.sub_attr in ("type", "display"):
                    setattr(email, target.sub_attr, "")
                elif target.sub_attr == "primary":
                    email.primary = False
            return
        created = not matches
        if created:  # add or replace on a missing e-mail creates it (Entra's "Add Attributes")
            matches = [EmailChange("")]
            self._email_set(matches[0], target.filter_attr, target.filter_value, target.name)
        parts = complex_value(value, target.name) if target.sub_attr is None else {target.sub_attr: value}
        for email in matches:
            for sub_attr in EMAIL_SUBS:
                if sub_attr in parts:
                    self._email_set(email, sub_attr, parts[sub_attr], target.name)
        if created:
            if not matches[0].value:
                raise errors.NoTarget(f"{target.name}: no e-mail matches, and the operation has no value to create one.")
            state.emails.append(matches[0])
        chosen = next((e for e in matches if e.primary), None)
        if chosen is not None:
            for email in state.emails:
                email.primary = email is chosen

    @staticmethod
    def _email_merge(emails: list[EmailChange], new: EmailChange) -> None:
        """``add`` of an e-mail: one with the same type or address is updated, else appended."""
        for email in emails:
            if (new.type and email.type.lower() == new.type.lower()) or email.value.lower() == new.value.lower():
                email.value, email.type = new.value, new.type or email.type
                email.display = new.display or email.display
                email.primary = email.primary or new.primary
                merged = email
                break
        else:
            emails.append(new)
            merged = new
        if new.primary:
            for email in emails:
                email.primary = email is merged


def _users_where(context, value):
    organisation, shape, lookup, start, stop = context
    return UserAdapter._read_queryset(organisation, shape).filter(**{lookup: value}).order_by("pk")[start:stop]


_USER_BY_SCIM_ID = PreparedRead(
    lambda context, scim_id: UserAdapter._read_queryset(*context).filter(scim_id=scim_id)[:1])
_USERS_WHERE = PreparedRead(_users_where)
