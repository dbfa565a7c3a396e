"""The host hook class: how the SCIM app reaches the host's users and teams.

A host names its subclass in ``SCIM_PROVISIONING["BACKEND"]``; ``get_backend()`` is the only
resolver. Adapters (``scim_provisioning.adapters``) translate SCIM JSON into validated,
intended changes (``UserChanges``); the backend applies them with the host's own services and
is the only code that writes the host's models. Every method is called inside the SCIM
request's transaction, so a failure anywhere rolls everything back.

SCIM state is the app's own: every SCIM User is a ``models.SCIMUser`` row (what the identity
provider said: SCIM id, externalId, userName, names, e-mails, the other attributes as sent,
active, managed/deleted markers, timestamps) linked to one host user in one tenant. SCIM reads
come from those rows only. The backend mirrors onto the host's user what the host models; the
defaults serve ``django.contrib.auth``'s ``AbstractUser`` with a foreign key to the tenant:
``tenant_field`` ("organisation"), ``user_fields`` (givenName -> ``first_name``, familyName ->
``last_name``), ``email_field`` (the primary e-mail -> ``email``), ``is_active``, and the login
field (``username``, or ``login_field`` filled from ``login_field_source``). A host whose
people join tenants another way (a membership model) overrides ``user_host_create``,
``user_host_update`` and ``user_host_delete``. The group model (``group_model()``) has
``organisation``, ``scim_id``, ``name`` and a ``members`` many-to-many to the user model
(through a table unique per group and user), and ``external_id``, ``scim_managed``,
``created_at``, ``updated_at``. With the teams services (``group_services_module``) their
needs join in (``teams.services.model_requirements``). ``python manage.py scim_contract``
lists it all for the configured backend.
"""

import uuid
from collections.abc import Collection
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import import_module
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.signals import setting_changed
from django.db.models import QuerySet
from django.utils import timezone

from . import errors
from .conf import app_settings, organisation_model_name
from .contract import Requirement
from .prepared import PreparedRead, insert


@dataclass
class EmailChange:
    """One entry of a user's ``emails``, as the identity provider sent it (validated)."""

    value: str
    type: str = ""
    # None: the client did not say. The adapter settles it (``_one_primary``) before a
    # backend sees the change, so backends always get True or False.
    primary: bool | None = None
    display: str = ""  # a human-readable name of the address


@dataclass
class UserChanges:
    """The intended state of a user's SCIM-writable attributes after a write.

    Not a diff: every write (POST, PUT, PATCH) hands the backend the complete state, already
    validated by the adapter (types, lengths, e-mail syntax, references), and the backend
    writes what differs.

    - The ``FIELDS`` (``username`` … ``department``) are strings; ``""`` means unassigned.
    - ``emails``: the complete list in SCIM order; when not empty, exactly one is primary.
    - ``manager``: the manager, a user of the same organisation visible through SCIM and never
      the user itself (the adapter resolves the SCIM id), or None.
    - ``active``: True or False; None leaves it as it is (a PUT without ``active``). A create
      with None creates an active user.
    - ``attributes``: the complete document of the other RFC 7643 §4.1 core attributes
      (``nickName``, ``phoneNumbers``, ``addresses``, ``name.formatted``…) in SCIM shape,
      validated by ``adapters.attributes.normalise``; ``{}`` when none is assigned. Store it
      as it is and hand it back unchanged: SCIM ``roles`` in it is never the host's role.

    Never carries a password or a role: SCIM sets neither.
    """

    FIELDS: ClassVar[tuple[str, ...]] = (
        "username", "given_name", "family_name", "display_name", "title", "locale", "external_id",
        "employee_number", "cost_center", "enterprise_organization", "division", "department",
    )

    username: str
    given_name: str = ""
    family_name: str = ""
    display_name: str = ""
    title: str = ""
    locale: str = ""
    external_id: str = ""
    employee_number: str = ""
    cost_center: str = ""
    enterprise_organization: str = ""
    division: str = ""
    department: str = ""
    emails: list[EmailChange] = field(default_factory=list)
    manager: Any = None
    active: bool | None = None
    attributes: dict = field(default_factory=dict)

    def field_values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.FIELDS}


@dataclass(frozen=True)
class GroupMember:
    """A user that a group's member value names (see ``SCIMBackend.group_member_ids``)."""

    pk: object
    # False for a user that may leave a group but not join one (deleted through SCIM).
    can_join: bool = True


def keep_loaded(obj, relation: str, items) -> None:
    """Record that ``obj``'s to-many ``relation`` is exactly ``items`` (e.g. the e-mails a
    create just inserted, or no groups for a brand-new user), as a prefetch would. A backend
    whose ``user_create`` returns the new user with ``emails`` and its groups relation kept
    loaded lets the SCIM app answer from that instance instead of reading the user back."""
    manager = getattr(obj, relation)
    cache_name = getattr(manager, "prefetch_cache_name", None) or manager.field.remote_field.cache_name
    cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.pop(cache_name, None)
    queryset = manager.get_queryset()  # filtered on obj, not evaluated
    queryset._result_cache = list(items)
    queryset._prefetch_done = True
    cache[cache_name] = queryset


class SCIMBackend:
    """Base class. Subclasses override what their models need."""

    group_model_name = "teams.Team"
    # The teams app's services (a dotted module path): with them, every group write and every
    # user write keeps the members' effective profiles right (a team mapped to a profile gives
    # it to its SCIM-managed members; the tenant's default profile covers the others), and every
    # SCIM write takes their lock first. None: a host whose groups are not ``teams.Team`` gets
    # the plain writes below, and no profile rule.
    group_services_module = "teams.services"

    # --- how SCIM maps onto the host's user (defaults: AbstractUser with a tenant FK) ------
    # The user model's foreign key to the tenant, set when SCIM creates a user. None: users
    # join tenants another way (override ``user_host_create``).
    tenant_field: str | None = "organisation"
    # UserChanges field -> the user model's field it is copied to on every write. Fields the
    # model does not have are skipped; what is not mapped lives only in the SCIM user.
    user_fields: ClassVar[dict[str, str]] = {"given_name": "first_name", "family_name": "last_name"}
    # The user model's field that gets the primary e-mail (None: not copied).
    email_field: str | None = "email"
    # The user model's login field, when it is not ``username`` (e.g. ``email`` on a model with
    # ``USERNAME_FIELD = "email"``): the default user writes fill it too, from
    # ``login_field_source``. None: the model's ``USERNAME_FIELD``.
    login_field: str | None = None
    # Where the login field's value comes from: "userName" (SCIM userName, the default: Okta
    # and Entra send an e-mail address or UPN there) or "emails" (the primary e-mail, else the
    # userName).
    login_field_source = "userName"
    USERNAME_CONFLICT = "A user with this userName already exists in the organisation."
    # totalResults of an unfiltered /Users list from the counts PostgreSQL keeps of each
    # tenant's visible SCIM users (``models.SCIMUserCount``). Set it False when your
    # ``user_queryset`` hides more than the users deleted through SCIM.
    kept_user_count = True
    # GET /Users/{id} and the userName/externalId eq lookup compile their statements once per
    # organisation and process (``scim_provisioning.prepared``) from ``user_queryset``,
    # ``group_queryset`` and ``membership_table``. Set it False when those depend on more than
    # which organisation it is (a per-organisation setting that changes while the server runs).
    prepared_reads = True
    # A POST of a deleted userName brings that SCIM user back (``user_create``). Most creates are
    # of new people, so the question "is there a deleted one?" is asked only once the database
    # has refused the plain create: the userName's uniqueness constraint covers deleted SCIM
    # users too, and the view then runs the create once more, in a new transaction, inside
    # ``create_retry()``. Saves a round trip on every create; a revival or a 409 costs one
    # refused transaction. False: ask before every create.
    revive_after_conflict = True

    def group_services(self):
        return import_module(self.group_services_module) if self.group_services_module else None

    # --- the model contract (checked by manage.py check, see contract.py) ----------------
    def model_requirements(self) -> list[Requirement]:
        """What the default methods read and write on the host's models. A subclass that maps
        a piece differently (overriding the methods that use it) leaves it out here."""
        user = [Requirement("user", "is_active", "SCIM active is mirrored onto it")]
        user += [Requirement("user", target, f"SCIM {source} is mirrored onto it (the backend's user_fields)")
                 for source, target in self.user_fields.items()]
        if self.email_field and self.email_field != self.login_field_name():
            user.append(Requirement("user", self.email_field,
                                    "the primary e-mail is mirrored onto it (the backend's email_field)"))
        if self.tenant_field:
            user.append(Requirement("user", self.tenant_field,
                                    "the user's tenant, set when SCIM creates a user (the backend's tenant_field)",
                                    "relation"))
        tenant = [Requirement("tenant", "slug", "the scim_token command finds the tenant by it")]
        group = [
            Requirement("group", name, purpose)
            for name, purpose in (
                ("organisation", "the group's tenant"), ("scim_id", "the SCIM id"), ("name", "displayName"),
                ("members", "members"), ("external_id", "externalId"),
                ("scim_managed", "whether SCIM manages the group"), ("created_at", "meta.created"),
                ("updated_at", "meta.lastModified"),
            )
        ]
        services = self.group_services()
        extra = [Requirement(*r) for r in services.model_requirements()] if services is not None else []
        unique = {(r.model, r.field): r for r in reversed(user + tenant + group + extra)}  # the first of each stays
        return [r for r in user + tenant + group + extra if unique[(r.model, r.field)] is r]

    def contract_models(self) -> dict:
        """The host's models by role, for the contract check (``profile`` from the group
        services, when they are used)."""
        services = self.group_services()
        return {
            "user": get_user_model(),
            "tenant": apps.get_model(organisation_model_name()),
            "group": self.group_model(),
            **(services.contract_models() if services is not None else {}),
        }

    # --- reads: tenancy is decided here ----------------------------------------------
    def user_queryset(self, *, organisation) -> QuerySet:
        """Every SCIM user (``models.SCIMUser``) of ``organisation`` visible through SCIM (those
        deleted through SCIM are not), with its host user."""
        from .models import SCIMUser

        return SCIMUser.objects.filter(organisation=organisation, deleted_at__isnull=True).select_related("user")

    def group_model(self):
        return apps.get_model(self.group_model_name)

    def group_queryset(self, *, organisation) -> QuerySet:
        return self.group_model().objects.filter(organisation=organisation)

    def is_protected(self, link) -> bool:
        """True for SCIM users (``link``, a ``SCIMUser``) that SCIM may read but never change
        (the organisation's owner and administrators). Their PUT/PATCH/DELETE answer 403.
        Default: the host user's ``is_protected``, when it has one."""
        return bool(getattr(link.user, "is_protected", False))

    def protected_detail(self, link) -> str:
        """Why SCIM may not change ``link`` (the 403's detail, shown to the IdP's admin)."""
        return (f"{link.user_name} is an owner or administrator of the organisation and is managed "
                "in the application, not through SCIM.")

    def user_extension(self, link) -> tuple[str, dict] | None:
        """A read-only extension of the User resource, as ``(urn, block)`` (e.g. the user's
        role and effective profile), or None. Its schema is ``user_extension_schema()``."""
        return None

    def user_extension_schema(self) -> dict | None:
        """The schema definition (RFC 7643 §7) of ``user_extension``'s URN, for /Schemas."""
        return None

    # --- user writes: the SCIM user ------------------------------------------------------
    def user_create(self, *, organisation, changes: UserChanges):
        """POST /Users. Return the new SCIM user (``models.SCIMUser``), managed, with its host
        user (``user_host_create``).

        If a SCIM user of ``organisation`` deleted through SCIM has this userName
        (case-insensitively), bring it back instead: the same row and host user, their data
        kept, reactivated (unless ``changes.active`` is False) and the SCIM attributes replaced
        from ``changes``. A visible SCIM user with this userName makes the database's
        uniqueness constraint raise IntegrityError, which the view answers 409. With
        ``revive_after_conflict`` the deleted one is looked for only on the view's second try
        (``create_retry()``): on the first, it too makes the constraint refuse the create.
        """
        from .models import SCIMUser

        # Asked only when it can be so (``revive_after_conflict``): for the id alone (a narrow
        # statement, prepared); the deleted SCIM user is locked and loaded only when there is one.
        link = None
        asking = _RETRYING.get() or not self.revive_after_conflict
        if asking and _DELETED_WITH_NAME.fetch(organisation.pk, changes.username):
            link = (_deleted_named(organisation.pk, changes.username)
                    .select_for_update(of=("self",)).select_related("user").first())
        if link is not None and self.is_protected(link):
            link = None  # a protected account is never revived: the new row's constraint answers 409
        active = changes.active is not False
        revived = link is not None
        if revived:
            self.user_host_update(link=link, changes=changes, active=active)
        else:
            link = SCIMUser(organisation=organisation, user=self.user_host_create(
                organisation=organisation, changes=changes, active=active))
        link.deleted_at = None
        self._link_apply(link, changes, active=active)
        link.managed, link.updated_at = True, timezone.now()
        if revived:
            link.save()
        else:
            insert([link])  # the ORM's INSERT, compiled once (prepared.insert)
        emails = self._link_emails_set(link, changes.emails, delete_existing=revived)
        if revived or not getattr(link.user, "_scim_profile_set", False):
            self._user_profile_refresh(link)
        keep_loaded(link, "emails", emails)
        link.revived = revived  # False: a new host user, in no group yet (the response needs no query)
        return link

    def user_update(self, *, link, changes: UserChanges):
        """PUT or PATCH of a visible, unprotected SCIM user (locked by the caller). Return it.

        ``active=False`` deactivates (the user can no longer sign in); True reactivates; None
        leaves it. Memberships and everything else the user owns stay as they are. Nothing is
        written when nothing changes and SCIM manages the user already.
        """
        active = link.active if changes.active is None else changes.active
        newly_managed = not link.managed
        changed = self._link_apply(link, changes, active=active)
        emails_changed = self._emails_differ(link, changes.emails)
        if not (changed or emails_changed or newly_managed):
            return link
        if changed or emails_changed:
            names = {"username" if name == "user_name" else name for name in changed}
            self.user_host_update(link=link, changes=changes, active=active,
                                  changed=names | ({"emails"} if emails_changed else set()))
        link.managed, link.updated_at = True, timezone.now()
        link.save(update_fields=[*changed, "managed", "updated_at"])
        if emails_changed:
            keep_loaded(link, "emails", self._link_emails_set(link, changes.emails))
        if newly_managed:
            self._user_profile_refresh(link)
        return link

    def user_delete(self, *, link) -> None:
        """DELETE /Users/{id}: deactivate the SCIM user and its host account (``user_host_delete``)
        and hide it from SCIM (later reads answer 404, a later POST of its userName brings it
        back). Never destroy it or what it owns."""
        now = timezone.now()
        link.active = False
        link.deleted_at = now
        link.updated_at = now
        link.save(update_fields=["active", "deleted_at", "updated_at"])
        self.user_host_delete(link=link)

    def _user_profile_refresh(self, link) -> None:
        """The user is SCIM-managed now: give it its effective profile (from its mapped teams,
        else the tenant's default for SCIM users). One UPDATE: ``write_lock`` is held already."""
        services = self.group_services()
        if services is not None:
            services.profiles_recompute_held(organisation=link.organisation, user_ids=[link.user_id])

    def _link_apply(self, link, changes: UserChanges, *, active: bool) -> list[str]:
        """Set ``changes`` on the SCIM user (unsaved); return the names of the fields that changed.
        The caller marks it managed and stamps ``updated_at`` when it saves."""
        values = {("user_name" if name == "username" else name): value for name, value in changes.field_values().items()}
        values.update(manager=changes.manager, attributes=changes.attributes, active=active)
        changed = [name for name, value in values.items() if getattr(link, name) != value]
        for name in changed:
            setattr(link, name, values[name])
        return changed

    @staticmethod
    def _email_rows(emails) -> list[tuple]:
        return [(e.value, e.type, bool(e.primary), e.display) for e in emails]

    def _emails_differ(self, link, emails: list[EmailChange]) -> bool:
        current = sorted(link.emails.all(), key=lambda e: (e.position, e.pk))
        return self._email_rows(current) != self._email_rows(emails)

    def _link_emails_set(self, link, emails: list[EmailChange], *, delete_existing: bool = True) -> list:
        from .models import SCIMUserEmail

        if delete_existing:
            SCIMUserEmail.objects.filter(scim_user=link).delete()
        return insert([
            SCIMUserEmail(scim_user=link, value=value, type=type_, primary=primary, display=display, position=i)
            for i, (value, type_, primary, display) in enumerate(self._email_rows(emails))
        ])

    # --- user writes: the host's user (override for other models) ------------------------
    def user_host_create(self, *, organisation, changes: UserChanges, active: bool):
        """The host user of a new SCIM user, saved, with an unusable password. Default: a new
        instance of the user model in ``organisation`` (``tenant_field``), with what the host
        models set (``user_host_values``). A host whose people belong to several tenants finds
        the person here (e.g. by e-mail) and gives them a membership instead."""
        self._unique_clash_check(None, organisation=organisation, changes=changes)
        user = self.user_host_new(organisation=organisation)
        user.set_unusable_password()
        for name, value in self.user_host_values(changes, active=active).items():
            setattr(user, name, value)
        services = self.group_services()
        if services is not None:  # in no team yet: the tenant's default profile, in the INSERT
            for name, value in services.profile_of_new_user(organisation=organisation).items():
                setattr(user, name, value)
            user._scim_profile_set = True
        insert([user])  # save()'s INSERT, compiled once (a save() of the model's own is called)
        return user

    def user_host_new(self, *, organisation):
        """An unsaved host user for ``user_host_create``: the user model in ``organisation``
        (``tenant_field``). The hub makes it a member here."""
        return get_user_model()(**({self.tenant_field: organisation} if self.tenant_field else {}))

    def user_host_update(self, *, link, changes: UserChanges, active: bool, changed=None) -> None:
        """Mirror ``changes`` onto ``link.user``. ``changed``: the names of what this write
        changed (UserChanges fields, "emails", "active"), so that what the identity provider
        did not change is left as the host has it; None (a revival): everything. Default: the
        fields of ``user_host_values`` that differ, in one UPDATE (none when nothing differs)."""
        user = link.user
        self._unique_clash_check(user, organisation=link.organisation_id, changes=changes)
        values = self.user_host_values(changes, active=active, changed=changed)
        differ = [name for name, value in values.items() if getattr(user, name) != value]
        for name in differ:
            setattr(user, name, values[name])
        if differ:
            user.save(update_fields=differ)

    def user_host_delete(self, *, link) -> None:
        """DELETE /Users: the host account can no longer sign in. Default: ``is_active`` off."""
        type(link.user)._default_manager.filter(pk=link.user_id).update(is_active=False)
        link.user.is_active = False

    def user_host_values(self, changes: UserChanges, *, active: bool, changed=None) -> dict:
        """The host user's field values for ``changes``: the username (and the login field,
        when it is another), ``user_fields``, the primary e-mail in ``email_field``, and
        ``is_active``; only those that come from ``changed`` (see ``user_host_update``) unless
        it is None. Fields the user model does not have are left out."""
        model = get_user_model()
        present = {f.name for f in model._meta.concrete_fields}
        values = []  # (host field, value, what it comes from)
        values.append(("username", changes.username, "username"))
        login = self.login_field_name()
        if login is not None:
            values.append((login, self.login_value(changes),
                           "emails" if self.login_field_source == "emails" else "username"))
        values += [(target, getattr(changes, source), source) for source, target in self.user_fields.items()]
        if self.email_field and self.email_field != login:  # the login field's own rule wins
            values.append((self.email_field, next((e.value for e in changes.emails if e.primary), ""), "emails"))
        values.append(("is_active", active, "active"))
        return {name: value for name, value, source in values
                if name in present and (changed is None or source in changed
                                        or (source == "emails" and "username" in changed))}

    def field_limit(self, name: str) -> int | None:
        """The longest value of the UserChanges field ``name`` that every column it is written
        to takes (the SCIM user's, and the host user's it is mirrored to): SQLite would store a
        longer string silently and PostgreSQL refuse it, so the adapter checks first. Asked for
        every text attribute of every write: worked out once per backend class and settings."""
        key = (type(self), name)
        if key not in _FIELD_LIMITS:
            _FIELD_LIMITS[key] = self._field_limit(name)
        return _FIELD_LIMITS[key]

    def _field_limit(self, name: str) -> int | None:
        from .models import SCIMUser

        model = get_user_model()
        present = {f.name: f for f in model._meta.concrete_fields}
        targets = {"username": ["username", self.login_field_name()]}.get(name, []) + [self.user_fields.get(name)]
        limits = [SCIMUser._meta.get_field("user_name" if name == "username" else name).max_length]
        limits += [present[t].max_length for t in targets if t in present and present[t].max_length]
        return min(limit for limit in limits if limit)

    def login_field_name(self) -> str | None:
        """The user model's login field that the default writes fill besides ``username``, or
        None when the login field is ``username`` itself."""
        name = self.login_field or get_user_model().USERNAME_FIELD
        return None if name == "username" else name

    def login_value(self, changes: UserChanges) -> str:
        """The login field's value for ``changes`` (see ``login_field_source``)."""
        if self.login_field_source == "emails":
            primary = next((e.value for e in changes.emails if e.primary), "")
            if primary:
                return primary
        return changes.username

    def _unique_clash_check(self, user, *, organisation, changes: UserChanges) -> None:
        """409 naming the column when a value the default host writes set (the login field, the
        e-mail, a mapped field the host made unique) belongs to another host user, instead of
        the database's IntegrityError, which the view can only answer as a userName clash. No
        query when no such column is unique (the hub's case). ``user``: the host user being
        written, None for a new one."""
        from .models import SCIMUser

        model = get_user_model()
        values = self.user_host_values(changes, active=True)
        unique = [n for n, v in values.items()
                  if n not in ("username", "is_active") and v and self._is_unique(model, n)]
        if not unique:
            return
        links = SCIMUser.objects.filter(organisation=organisation, user_name__iexact=changes.username)
        if user is not None:
            links = links.exclude(user=user)
        if links.exists():
            raise errors.Conflict(self.USERNAME_CONFLICT)  # the userName clash comes first
        others = model._default_manager.exclude(pk=user.pk) if user is not None else model._default_manager.all()
        for name in unique:
            if others.filter(**{name: values[name]}).exists():
                raise errors.Conflict(
                    f"Another account already has this {name} ({values[name]}), which must be unique; "
                    "the userName is not taken."
                )

    @staticmethod
    def _is_unique(model, name: str) -> bool:
        try:
            return model._meta.get_field(name).unique
        except Exception:  # noqa: BLE001 — a missing field is not written
            return False

    # --- writes: locking ---------------------------------------------------------------
    def write_lock(self, *, organisation, resource_type: str) -> None:
        """Called first in every SCIM write's transaction (POST, PUT, PATCH, DELETE of
        ``resource_type``), before the resource's own row is locked. Take here the coarse
        locks the host's services take, so that every code path locks in the same order
        (no deadlock between a SCIM write and, say, an administrator's change). Default: the
        teams services' lock (the tenant's row), when they are used: shared for a User write
        (it changes one user and recomputes only that user's profile, so writes of different
        users run in parallel) and exclusive for a Group write (memberships change other
        users' profiles). Either way it conflicts with the services' mapping changes, so a
        recomputation never reads a mapping that is being changed. It also refreshes
        ``organisation.default_scim_profile_id``, which then stays current until the end of
        the transaction."""
        services = self.group_services()
        if services is not None:
            services.profiles_lock(organisation=organisation, shared=resource_type == "User")

    # --- groups (teams): writes ---------------------------------------------------------
    # The Groups adapter validates everything first (displayName, externalId, every member
    # value), then calls these inside the request's transaction. ``user_ids`` are primary
    # keys returned by ``group_member_ids`` for the same organisation, so an implementation
    # may trust them; if it checks again and refuses one, it raises ``ValueError`` (answered
    # 400 invalidValue; the request is rolled back). A duplicate name raises the database's
    # ``IntegrityError`` (answered 409 uniqueness). Membership writes are bulk statements:
    # their cost grows with the ids passed, never with the group's size, and they never
    # change a user's role.

    def group_member_ids(self, *, organisation, scim_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, GroupMember]:
        """``{scim_id: GroupMember}`` for every id in ``scim_ids`` that names a user of
        ``organisation``, in ONE query. A user deleted through SCIM is included with
        ``can_join=False``: it may still be removed from groups (that is how it leaves), not
        added. Ids missing from the result are unknown or another organisation's: the caller
        answers them all alike."""
        if not scim_ids:
            return {}
        from .models import SCIMUser

        rows = SCIMUser.objects.filter(organisation=organisation, scim_id__in=list(scim_ids))
        return {
            scim_id: GroupMember(pk=user_id, can_join=deleted_at is None)
            for scim_id, user_id, deleted_at in rows.values_list("scim_id", "user_id", "deleted_at")
        }

    def group_create(self, *, organisation, name: str, external_id: str = "", user_ids: Collection = ()):
        """Create and return a SCIM-managed group of ``organisation`` with these members."""
        services = self.group_services()
        if services is not None:
            with self._group_errors(services):
                return services.team_create(organisation=organisation, name=name, external_id=external_id,
                                            scim_managed=True, member_ids=user_ids)
        group = self.group_model().objects.create(
            organisation=organisation, name=name, external_id=external_id, scim_managed=True
        )
        self.group_members_add(group=group, user_ids=user_ids)
        return group

    def group_update(self, *, group, name: str | None = None, external_id: str | None = None) -> None:
        """Called once by every PUT and PATCH, before any membership change, even when
        nothing but members change: mark ``group`` SCIM-managed (a team linked by the identity
        provider becomes SCIM-managed from its first change), rename it and set its externalId
        (``None``: unchanged), and bump its last-modified time. ``group`` may be left stale."""
        fields = {"scim_managed": True, "updated_at": timezone.now()}
        services = self.group_services()
        if services is not None:
            if name is not None and name != group.name:
                with self._group_errors(services):
                    services.team_rename(team=group, name=name)
        elif name is not None:
            fields["name"] = name
        if external_id is not None:
            fields["external_id"] = external_id
        type(group).objects.filter(pk=group.pk).update(**fields)

    def group_members_add(self, *, group, user_ids: Collection) -> None:
        """Add these users (already-members are skipped): one INSERT."""
        if self._group_service_call("team_members_add", team=group, user_ids=user_ids):
            return
        if not user_ids:
            return
        through, group_fk, user_fk = self.membership_table()
        through.objects.bulk_create(
            [through(**{group_fk: group.pk, user_fk: user_id}) for user_id in user_ids], ignore_conflicts=True
        )

    def group_members_remove(self, *, group, user_ids: Collection) -> None:
        """Remove these users from ``group`` (non-members are ignored): one DELETE."""
        if self._group_service_call("team_members_remove", team=group, user_ids=user_ids):
            return
        if not user_ids:
            return
        through, group_fk, user_fk = self.membership_table()
        through.objects.filter(**{group_fk: group.pk, f"{user_fk}__in": list(user_ids)}).delete()

    def group_members_set(self, *, group, user_ids: Collection) -> None:
        """Make ``user_ids`` the complete member list: one DELETE of the others, one INSERT."""
        if self._group_service_call("team_members_set", team=group, user_ids=user_ids):
            return
        through, group_fk, user_fk = self.membership_table()
        through.objects.filter(**{group_fk: group.pk}).exclude(**{f"{user_fk}__in": list(user_ids)}).delete()
        self.group_members_add(group=group, user_ids=user_ids)

    def group_delete(self, *, group) -> None:
        """Delete the group and its memberships, never its users."""
        if self._group_service_call("team_delete", team=group):
            return
        group.delete()

    def _group_service_call(self, name: str, **kwargs) -> bool:
        """Run the teams service ``name`` (True), or do nothing when there are none (False)."""
        services = self.group_services()
        if services is None:
            return False
        with self._group_errors(services):
            getattr(services, name)(**kwargs)
        return True

    @staticmethod
    @contextmanager
    def _group_errors(services):
        """The teams services' errors as SCIM errors. Their text is for developers, never shown."""
        try:
            yield
        except services.TeamNameTaken:
            raise errors.Conflict("A group with this displayName already exists in the organisation.")
        except services.InvalidTeamField as exc:
            attribute = {"name": "displayName", "external_id": "externalId"}.get(exc.field, exc.field)
            raise errors.InvalidValue(f"{attribute} is empty, too long or contains control characters.")
        except services.MemberNotInOrganisation:
            raise errors.InvalidValue("A member is not a user of this organisation; no change was made.")
        except services.TeamError:
            raise errors.InvalidValue("The group could not be changed with these values.")

    def membership_table(self):
        """The members through model and its ``<group>_id`` / ``<user>_id`` column names."""
        field = self.group_model()._meta.get_field("members")
        return (field.remote_field.through, f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id")


_RETRYING = ContextVar("scim_provisioning_create_retrying", default=False)


@contextmanager
def create_retry():
    """Around a User create run a second time because the database refused the first
    (IntegrityError): ``user_create`` then looks for a deleted SCIM user to bring back
    (``SCIMBackend.revive_after_conflict``)."""
    token = _RETRYING.set(True)
    try:
        yield
    finally:
        _RETRYING.reset(token)


_FIELD_LIMITS: dict = {}
setting_changed.connect(lambda **kwargs: _FIELD_LIMITS.clear(), weak=False)


def _deleted_named(organisation_id, username: str):
    """The organisation's SCIM users deleted through SCIM with this userName (any case)."""
    from .models import SCIMUser

    return SCIMUser.objects.filter(organisation_id=organisation_id, user_name__iexact=username,
                                   deleted_at__isnull=False)


# user_create's question, asked of every create: is there one?
_DELETED_WITH_NAME = PreparedRead(lambda organisation_id, username: _deleted_named(
    organisation_id, username).values_list("pk")[:1])


def get_backend() -> SCIMBackend:
    return app_settings.BACKEND()
