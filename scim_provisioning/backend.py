"""The host hook class: how the SCIM app reaches the host's users and teams.

A host names its subclass in ``SCIM_PROVISIONING["BACKEND"]``; ``get_backend()`` is the only
resolver. Adapters (``scim_provisioning.adapters``) translate SCIM JSON into validated,
intended changes (``UserChanges``); the backend applies them with the host's own services and
is the only code that writes the host's models. Every method is called inside the SCIM
request's transaction, so a failure anywhere rolls everything back.

Model contract of the default implementation (override the methods to map other models):
the user model (``AUTH_USER_MODEL``) has ``organisation``, ``scim_id`` (UUID, unique),
``scim_deleted_at``, ``scim_managed``, ``scim_updated_at``, ``is_active``, ``manager`` (a
foreign key to the user model), one field per name in ``UserChanges.FIELDS``, a database
constraint making ``username`` unique per organisation (case-insensitive), a JSON field
``scim_attributes`` (default ``dict``) holding ``UserChanges.attributes`` (the other RFC 7643
§4.1 core attributes, in SCIM shape), and an ``emails`` reverse relation whose rows have
``value``, ``type``, ``display``, ``primary`` and ``position``; the group model
(``group_model()``) has ``organisation``, ``scim_id``, ``name`` and a ``members``
many-to-many to the user model (through a table unique per group and user), and
``external_id``, ``scim_managed``, ``created_at``, ``updated_at``. With the teams services
(``group_services_module``) their needs join in (``teams.services.model_requirements``).
``python manage.py scim_contract`` lists it all for the configured backend. A user model whose
login field is not ``username`` (``USERNAME_FIELD = "email"``) gets it filled from the
userName (``login_field``, ``login_field_source``).
"""

import uuid
from collections.abc import Collection
from contextlib import contextmanager
from importlib import import_module
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from . import errors
from .conf import app_settings, organisation_model_name
from .contract import Requirement


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
    # The user model's login field, when it is not ``username`` (e.g. ``email`` on a model with
    # ``USERNAME_FIELD = "email"``): the default user writes fill it too, from
    # ``login_field_source``. None: the model's ``USERNAME_FIELD``.
    login_field: str | None = None
    # Where the login field's value comes from: "userName" (SCIM userName, the default: Okta
    # and Entra send an e-mail address or UPN there) or "emails" (the primary e-mail, else the
    # userName).
    login_field_source = "userName"
    USERNAME_CONFLICT = "A user with this userName already exists in the organisation."

    def group_services(self):
        return import_module(self.group_services_module) if self.group_services_module else None

    # --- the model contract (checked by manage.py check, see contract.py) ----------------
    def model_requirements(self) -> list[Requirement]:
        """What the default methods read and write on the host's models. A subclass that maps
        a piece differently (overriding the methods that use it) leaves it out here."""
        user = [
            Requirement("user", "organisation", "the user's tenant: every SCIM request sees one", "relation"),
            Requirement("user", "scim_id", "the SCIM id (UUID, unique)"),
            Requirement("user", "scim_deleted_at", "DELETE /Users hides the account instead of destroying it"),
            Requirement("user", "scim_managed", "whether SCIM manages the user"),
            Requirement("user", "scim_updated_at", "when SCIM last changed the user"),
            Requirement("user", "updated_at", "meta.lastModified"),
            Requirement("user", "is_active", "SCIM active"),
            Requirement("user", "date_joined", "meta.created"),
            Requirement("user", "manager", "the enterprise extension's manager", "relation"),
            Requirement("user", "scim_attributes", "the other RFC 7643 core attributes, kept as sent"),
            Requirement("user", "emails", "SCIM emails: rows with value, type, display, primary, position", "reverse"),
        ]
        user += [Requirement("user", name, "a SCIM attribute the default adapter writes") for name in UserChanges.FIELDS]
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
        return user + tenant + group + extra

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
        """Every user of ``organisation`` visible through SCIM (SCIM-deleted users are not)."""
        return get_user_model().objects.filter(organisation=organisation, scim_deleted_at__isnull=True)

    def group_model(self):
        return apps.get_model(self.group_model_name)

    def group_queryset(self, *, organisation) -> QuerySet:
        return self.group_model().objects.filter(organisation=organisation)

    def is_protected(self, user) -> bool:
        """True for users SCIM may read but never change (the organisation's owner and
        administrators). Their PUT/PATCH/DELETE answer 403."""
        return bool(getattr(user, "is_protected", False))

    def protected_detail(self, user) -> str:
        """Why SCIM may not change ``user`` (the 403's detail, shown to the IdP's admin)."""
        return (f"{user.username} is an owner or administrator of the organisation and is managed "
                "in the hub, not through SCIM.")

    def user_extension(self, user) -> tuple[str, dict] | None:
        """A read-only extension of the User resource, as ``(urn, block)`` (e.g. the user's
        role and effective profile), or None. Its schema is ``user_extension_schema()``."""
        return None

    def user_extension_schema(self) -> dict | None:
        """The schema definition (RFC 7643 §7) of ``user_extension``'s URN, for /Schemas."""
        return None

    # --- user writes -------------------------------------------------------------------
    def user_create(self, *, organisation, changes: UserChanges):
        """POST /Users. Return the new user, SCIM-managed, with an unusable password.

        If a user of ``organisation`` deleted through SCIM has this userName
        (case-insensitively), bring that account back instead: the same row, its data kept,
        ``scim_deleted_at`` cleared, reactivated (unless ``changes.active`` is False) and its
        SCIM attributes replaced from ``changes``. A visible user with this userName makes
        the database's uniqueness constraint raise IntegrityError, which the view answers 409.
        """
        model = get_user_model()
        user = (
            model.objects.select_for_update()
            .filter(organisation=organisation, username__iexact=changes.username, scim_deleted_at__isnull=False)
            .first()
        )
        if user is None or self.is_protected(user):  # a protected account is never revived: 409
            user = model(organisation=organisation)
            user.set_unusable_password()
        user.scim_deleted_at = None
        self._user_apply(user, changes, active=changes.active is not False)
        self._unique_clash_check(user, organisation=organisation, changes=changes)
        user.save()
        self._user_emails_set(user, changes.emails)
        self._user_profile_refresh(user, organisation=organisation)
        return user

    def user_update(self, *, user, changes: UserChanges):
        """PUT or PATCH of a visible, unprotected user (locked by the caller). Return it.

        ``active=False`` deactivates (the user can no longer log in); True reactivates; None
        leaves it. Memberships and everything else the user owns stay as they are.
        """
        self._user_apply(user, changes, active=user.is_active if changes.active is None else changes.active)
        self._unique_clash_check(user, organisation=user.organisation, changes=changes)
        user.save()
        self._user_emails_set(user, changes.emails)
        self._user_profile_refresh(user, organisation=user.organisation)
        return user

    def _user_profile_refresh(self, user, *, organisation) -> None:
        """The user is SCIM-managed now: give it its effective profile (from its mapped teams,
        else the tenant's default for SCIM users). One UPDATE: ``write_lock`` is held already."""
        services = self.group_services()
        if services is not None:
            services.profiles_recompute_held(organisation=organisation, user_ids=[user.pk])

    def user_delete(self, *, user) -> None:
        """DELETE /Users/{id}: deactivate the account and hide it from SCIM (later reads answer
        404, a later POST of its userName brings it back). Never destroy it or what it owns."""
        now = timezone.now()
        user.is_active = False
        user.scim_deleted_at = now
        user.scim_updated_at = now
        user.save()

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
        """409 naming the column when a value the default writes set besides userName (the login
        field, or a ``UserChanges.FIELDS`` column the host made unique) belongs to another user,
        instead of the database's IntegrityError, which the view can only answer as a userName
        clash. No query when no such column is unique (the hub's case)."""
        model = type(user)
        login = self.login_field_name()
        names = [n for n in (*UserChanges.FIELDS, *([login] if login else [])) if n != "username"]
        unique = [n for n in dict.fromkeys(names) if self._is_unique(model, n) and getattr(user, n)]
        if not unique:
            return
        others = model._default_manager.exclude(pk=user.pk) if user.pk else model._default_manager.all()
        if others.filter(organisation=organisation, username__iexact=changes.username).exists():
            raise errors.Conflict(self.USERNAME_CONFLICT)  # the userName clash comes first, as before
        for name in unique:
            if others.filter(**{name: getattr(user, name)}).exists():
                raise errors.Conflict(
                    f"Another account already has this {name} ({getattr(user, name)}), which must be unique; "
                    "the userName is not taken."
                )

    @staticmethod
    def _is_unique(model, name: str) -> bool:
        try:
            return model._meta.get_field(name).unique
        except Exception:  # noqa: BLE001 — a missing field is the contract check's (E010) to report
            return False

    def _user_apply(self, user, changes: UserChanges, *, active: bool) -> None:
        for name, value in changes.field_values().items():
            setattr(user, name, value)
        login = self.login_field_name()
        if login is not None:
            setattr(user, login, self.login_value(changes))
        user.manager = changes.manager
        user.scim_attributes = changes.attributes
        user.is_active = active
        user.scim_managed = True
        user.scim_updated_at = timezone.now()

    @staticmethod
    def _user_emails_set(user, emails: list[EmailChange]) -> None:
        user.emails.all().delete()
        user.emails.model.objects.bulk_create(
            user.emails.model(user=user, value=e.value, type=e.type, display=e.display, primary=e.primary,
                              position=i)
            for i, e in enumerate(emails)
        )

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
        rows = get_user_model().objects.filter(organisation=organisation, scim_id__in=list(scim_ids))
        return {
            scim_id: GroupMember(pk=pk, can_join=deleted_at is None)
            for scim_id, pk, deleted_at in rows.values_list("scim_id", "pk", "scim_deleted_at")
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


def get_backend() -> SCIMBackend:
    return app_settings.BACKEND()
