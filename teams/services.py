"""The teams app's writes: keyword-only ``<entity>_<action>`` functions, each one transaction.

Every service that can change someone's effective profile (membership, mapping, team
deletion, rank, the organisation's default) recomputes it for the affected users in the same
transaction, through ``profiles_recompute``, in a bounded number of SQL statements whatever
the team's size. The rule itself lives in ``teams.profiles`` (pure); ``profiles_recompute``
is its set-based twin.

Errors are ``TeamError`` subclasses (all ``ValueError``); a service that raises has applied
nothing. Their messages are for logs and developers, not for API clients.

Concurrency: each service starts by locking the organisation's row (PostgreSQL
``SELECT … FOR NO KEY UPDATE``, which does not conflict with rows merely referencing the
organisation). Team writes of one organisation are therefore serialised, and a
recomputation always sees every earlier committed change: two concurrent requests can never
leave a user with a profile computed from a stale membership or mapping. Taking that lock
first, before any other write, keeps the lock order the same everywhere (no deadlocks).
Host code that writes users and then recomputes them in the same transaction (e.g. a SCIM
PATCH that makes a user SCIM-managed) must call ``profiles_lock`` before its first write, for
the same reason; a write of single users takes it shared (``profiles_lock(shared=True)``,
then ``profiles_recompute_held``), so that such writes do not wait for each other.

Contract with the host project (the app never imports it):

* ``settings.TEAMS_ORGANISATION_MODEL``: the tenant. It has a nullable foreign key
  ``default_scim_profile`` to the profile model: the profile of SCIM-managed users who belong
  to no mapped team (``None``: no access).
* ``settings.TEAMS_PROFILE_MODEL``: a user profile, with ``organisation`` (FK to the tenant)
  and ``rank`` (an integer; higher grants more).
* ``settings.AUTH_USER_MODEL``: a user with ``organisation`` (FK to the tenant), ``profile``
  (nullable FK to the profile model), ``profile_team`` (nullable FK to ``teams.Team``, written
  only here), ``role``, a class attribute ``PROTECTED_ROLES`` (the roles SCIM and profile mapping
  never touch) and the property ``is_protected`` (``role in PROTECTED_ROLES``).
"""

from collections.abc import Iterable

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from . import holder
from .bulk import id_table, memberships_insert
from .models import Team, TeamMembership

MAX_ID = 2**63 - 1


class TeamError(ValueError):
    """Base class of the errors raised by this module."""


class MemberNotInOrganisation(TeamError):
    """Some user ids are not (usable) users of the team's organisation: another
    organisation's users, SCIM-deleted users (for additions), ids that do not exist or are
    not integers. ``user_ids`` holds the offending values, in the order given."""

    def __init__(self, user_ids: Iterable):
        self.user_ids = tuple(user_ids)
        super().__init__(f"Not users of the team's organisation: {list(self.user_ids)[:20]!r}")


class ProfileNotInOrganisation(TeamError):
    """The profile belongs to another organisation than the team."""


class TeamNameTaken(TeamError):
    """Another team of the organisation has this name (compared case-insensitively)."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"A team named {name!r} already exists in this organisation.")


class InvalidTeamField(TeamError):
    """A team's text field is empty where it may not be, too long, or has control characters."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


# --- the model contract ----------------------------------------------------------------------


def model_requirements() -> list[tuple[str, str, str, str]]:
    """What these services need of the host's models (the contract in this module's docstring),
    as ``(role, field, purpose, kind)``; a SCIM backend using these services adds them to its
    own requirements, so ``manage.py check`` names what is missing. ``kind`` is "field",
    "relation" (a foreign key) or "attribute" (a class attribute or property)."""
    return [
        ("tenant", "default_scim_profile", "the profile of SCIM users in no mapped team (nullable)", "relation"),
        ("profile", "organisation", "the profile's tenant", "relation"),
        ("profile", "rank", "an integer: the higher rank wins between mapped teams", "field"),
        *_holder_requirements(),
    ]


def _holder_requirements() -> list[tuple[str, str, str, str]]:
    """The profile holder's fields (``teams.holder``): the user model's by default, else the
    membership model's (``TEAMS_PROFILE_HOLDER``), which also links a user to a tenant."""
    who = "user" if holder.holder_user_field() == "pk" else "holder"
    needs = [
        (who, "organisation", "the tenant the profile applies in", "relation"),
        (who, "profile", "the effective profile (nullable), written by the teams services", "relation"),
        (who, "profile_team", "the team the profile comes from (nullable FK to teams.Team)", "relation"),
        (who, "role", "the role, compared with PROTECTED_ROLES", "field"),
        (who, "PROTECTED_ROLES", "the roles SCIM and profile mapping never touch", "attribute"),
    ]
    if who == "user":
        needs.append(("user", "is_protected", "True for a user with a protected role (a property)", "attribute"))
    else:
        needs.append(("holder", "user", "the person (FK to the user model)", "relation"))
    return needs


def contract_models() -> dict:
    """The models by role that ``model_requirements`` names beyond the user and the tenant
    (none while ``TEAMS_PROFILE_MODEL`` is unset: ``teams.E002`` reports that)."""
    models = {"profile": _profile_model()} if getattr(settings, "TEAMS_PROFILE_MODEL", None) else {}
    if holder.holder_user_field() != "pk":
        models["holder"] = holder.holder_model()
    return models


# --- helpers --------------------------------------------------------------------------------


def _organisation_model():
    return apps.get_model(settings.TEAMS_ORGANISATION_MODEL)


def _profile_model():
    return apps.get_model(settings.TEAMS_PROFILE_MODEL)


def _lock_organisation(organisation_id) -> int | None:
    """Lock the organisation's row for the rest of the transaction; return the id of its
    default profile for SCIM users, read fresh (an instance in memory may be stale)."""
    queryset = _organisation_model().objects.filter(pk=organisation_id)
    if connection.features.has_select_for_update:
        queryset = queryset.select_for_update(no_key=connection.features.has_select_for_no_key_update)
    return queryset.values_list("default_scim_profile_id", flat=True).get()


def _clean_text(field: str, value: str, *, max_length: int, required: bool) -> str:
    if not isinstance(value, str):
        raise InvalidTeamField(field, "must be a string")
    value = value.strip()
    if required and not value:
        raise InvalidTeamField(field, "may not be empty")
    if len(value) > max_length:
        raise InvalidTeamField(field, f"may have at most {max_length} characters")
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise InvalidTeamField(field, "may not contain control characters")
    return value


def _normalise_ids(user_ids: Iterable) -> tuple[list[int], list]:
    """(distinct valid integer ids in the order given, values that cannot be ids)."""
    ids: dict[int, None] = {}
    bad = []
    for value in user_ids:
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
            ids[value] = None
        else:
            bad.append(value)
    return list(ids), bad


def _validated_ids(*, organisation_id, user_ids: Iterable, allow_scim_deleted: bool = False) -> list[int]:
    """The distinct ids, all users of the organisation (and not SCIM-deleted unless
    ``allow_scim_deleted``), or ``MemberNotInOrganisation`` with every offending value."""
    ids, bad = _normalise_ids(user_ids)
    if ids:
        user = holder.holder_user_field()
        valid = holder.holders(organisation_id).filter(**{f"{user}__in": id_table(ids)})
        if not allow_scim_deleted:
            valid = valid.exclude(**{f"{user}__in": holder.deleted_user_ids(organisation_id)})
        found = set(valid.order_by().values_list(user, flat=True))
        bad.extend(i for i in ids if i not in found)
    if bad:
        raise MemberNotInOrganisation(bad)
    return ids


def _members_insert(*, team: Team, user_ids: list[int]) -> None:
    memberships_insert(membership_model=TeamMembership, user_model=get_user_model(), team_id=team.pk, user_ids=user_ids)


def _members_of(team: Team) -> QuerySet:
    return TeamMembership.objects.filter(team_id=team.pk).values("user_id")


def _check_profile(*, organisation_id, profile) -> None:
    if profile is not None and profile.organisation_id != organisation_id:
        raise ProfileNotInOrganisation("The profile belongs to another organisation.")


def _save_name(team: Team, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            team.save(update_fields=update_fields)
    except IntegrityError as exc:
        if Team.objects.filter(organisation_id=team.organisation_id, name__iexact=team.name).exclude(pk=team.pk).exists():
            raise TeamNameTaken(team.name) from exc
        raise


# --- profiles -------------------------------------------------------------------------------


def profiles_lock(*, organisation, shared: bool = False) -> int | None:
    """Take the lock every service here takes first (see the module docstring), for a host
    transaction that will write users before recomputing them. Must run inside a transaction;
    a no-op on databases without row locks. Returns the organisation's default profile for
    SCIM users, read under the lock, and refreshes ``organisation.default_scim_profile_id``
    with it: it cannot change until the transaction ends.

    ``shared=True`` is for a transaction that writes single users and recomputes only those
    users (``profiles_recompute_held``), never a team, a mapping, a rank or the default: on
    PostgreSQL it takes ``FOR SHARE`` on the organisation's row, so such transactions run in
    parallel with each other, while every service here (``FOR NO KEY UPDATE``, which conflicts
    with ``FOR SHARE``) waits for them and they wait for it: a recomputation never reads a
    mapping or membership that another transaction is changing. A shared holder must not take
    the exclusive lock later in the same transaction (two of them would deadlock). On other
    databases it is the exclusive lock (SQLite's IMMEDIATE transactions serialise writers
    anyway)."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("profiles_lock() needs an open transaction.")
    if shared and connection.vendor == "postgresql":
        default_profile_id = _lock_organisation_shared(organisation.pk)
    else:
        default_profile_id = _lock_organisation(organisation.pk)
    organisation.default_scim_profile_id = default_profile_id
    return default_profile_id


def _lock_organisation_shared(organisation_id) -> int | None:
    """``SELECT … FOR SHARE`` (PostgreSQL): Django's select_for_update has no shared mode. Not
    ``FOR KEY SHARE``: that one does not conflict with the services' ``FOR NO KEY UPDATE``."""
    model = _organisation_model()
    quote = connection.ops.quote_name
    column = model._meta.get_field("default_scim_profile").column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = %s "
            "FOR SHARE",
            [organisation_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise _organisation_model().DoesNotExist("No such organisation.")
    return row[0]


def profiles_recompute_held(*, organisation, user_ids) -> int:
    """``profiles_recompute`` for a caller that holds ``profiles_lock`` (shared or not) in the
    current transaction: one UPDATE, no lock statement, no savepoint. The default profile is
    read inside the UPDATE; the caller's lock keeps it and every mapping from changing until
    the transaction ends."""
    default = Subquery(_organisation_model().objects.filter(pk=organisation.pk).values("default_scim_profile_id")[:1])
    return _recompute(organisation_id=organisation.pk, default_profile_id=default, user_ids=user_ids)


def profile_of_new_user(*, organisation) -> dict:
    """The profile fields of a user SCIM is creating now, for its INSERT (it belongs to no team
    yet, so the rule gives it the organisation's default for SCIM users): saves the UPDATE
    ``profiles_recompute_held`` would cost. The caller holds ``profiles_lock``, which refreshed
    ``organisation.default_scim_profile_id``."""
    return {"profile_id": organisation.default_scim_profile_id, "profile_team_id": None}


@transaction.atomic
def profiles_recompute(*, organisation, user_ids=None) -> int:
    """Recompute the effective profile and ``profile_team`` of the organisation's
    SCIM-managed, unprotected users (the rule: ``teams.profiles.effective_profile``).

    ``user_ids``: ``None`` for all of them; or the users to consider, as an iterable of ids or
    as a queryset of ids (``….values("user_id")``), which becomes a subquery: prefer it for
    large sets. Other users in it (protected, not SCIM-managed, another organisation's) are
    left alone. Returns how many users were recomputed (changed or not).

    Two statements whatever the number of users: one locks the organisation (and reads its
    default profile), one UPDATE sets every user from correlated subqueries.
    """
    default_profile_id = _lock_organisation(organisation.pk)
    return _recompute(organisation_id=organisation.pk, default_profile_id=default_profile_id, user_ids=user_ids)


def _recompute(*, organisation_id, default_profile_id, user_ids) -> int:
    """``profiles_recompute`` without the lock, for services that hold it already: one UPDATE."""
    Holder, user = holder.holder_model(), holder.holder_user_field()
    users = holder.holders(organisation_id).filter(
        **{f"{user}__in": holder.managed_user_ids(organisation_id, include_deleted=True)}
    ).exclude(role__in=list(Holder.PROTECTED_ROLES))
    if user_ids is not None:
        if not isinstance(user_ids, QuerySet):
            user_ids, _ = _normalise_ids(user_ids)
            if not user_ids:
                return 0
            user_ids = id_table(user_ids)
        users = users.filter(**{f"{user}__in": user_ids})

    # The user's mapped teams, best first: highest rank, then lowest team id (teams.profiles).
    best = TeamMembership.objects.filter(
        user_id=OuterRef(user), team__organisation_id=organisation_id, team__profile__isnull=False
    ).order_by("-team__profile__rank", "team_id")
    profile = Subquery(best.values("team__profile_id")[:1])
    if default_profile_id is not None:  # an id, or an expression reading it (profiles_recompute_held)
        default = default_profile_id if hasattr(default_profile_id, "resolve_expression") else Value(default_profile_id)
        profile = Coalesce(profile, default, output_field=BigIntegerField())
    return users.update(profile_id=profile, profile_team_id=Subquery(best.values("team_id")[:1]))


@transaction.atomic
def profile_set_rank(*, profile, rank: int) -> None:
    """Change a profile's rank and recompute the members of the teams mapped to it (only
    their best team can change)."""
    if not isinstance(rank, int) or isinstance(rank, bool) or not 0 <= rank <= 32767:
        raise ValueError("A rank is an integer from 0 to 32767.")
    default_profile_id = _lock_organisation(profile.organisation_id)
    _profile_model().objects.filter(pk=profile.pk).update(rank=rank)
    profile.rank = rank
    _recompute(
        organisation_id=profile.organisation_id,
        default_profile_id=default_profile_id,
        user_ids=TeamMembership.objects.filter(team__profile_id=profile.pk).values("user_id"),
    )


@transaction.atomic
def profile_delete(*, profile) -> None:
    """Delete a profile: teams mapped to it become unmapped, users holding it lose it, and an
    organisation whose default it was gets none; then everyone SCIM manages is recomputed
    (a bounded number of statements, whatever the organisation's size)."""
    organisation_id = profile.organisation_id
    _lock_organisation(organisation_id)
    _profile_model().objects.filter(pk=profile.pk).delete()  # SET_NULL on every reference
    default_profile_id = _lock_organisation(organisation_id)  # read again: it may be gone
    _recompute(organisation_id=organisation_id, default_profile_id=default_profile_id, user_ids=None)


# --- teams ----------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *,
    organisation,
    name: str,
    external_id: str = "",
    scim_managed: bool = False,
    profile=None,
    member_ids: Iterable[int] = (),
) -> Team:
    """A new team, with its members and mapping; the members' profiles are recomputed.

    Raises ``TeamNameTaken``, ``InvalidTeamField``, ``ProfileNotInOrganisation``,
    ``MemberNotInOrganisation`` (and then creates nothing).
    """
    default_profile_id = _lock_organisation(organisation.pk)
    _check_profile(organisation_id=organisation.pk, profile=profile)
    team = Team(
        organisation=organisation,
        name=_clean_text("name", name, max_length=255, required=True),
        external_id=_clean_text("external_id", external_id, max_length=255, required=False),
        scim_managed=scim_managed,
        profile=profile,
    )
    ids = _validated_ids(organisation_id=organisation.pk, user_ids=member_ids)
    _save_name(team)
    _members_insert(team=team, user_ids=ids)
    if ids and profile is not None:  # members of an unmapped team keep their profile
        _recompute(organisation_id=organisation.pk, default_profile_id=default_profile_id, user_ids=ids)
    return team


@transaction.atomic
def team_rename(*, team: Team, name: str) -> Team:
    """Rename the team (profiles do not depend on names). Raises ``TeamNameTaken``,
    ``InvalidTeamField``."""
    _lock_organisation(team.organisation_id)
    team.name = _clean_text("name", name, max_length=255, required=True)
    _save_name(team, update_fields=["name", "updated_at"])
    return team


@transaction.atomic
def team_delete(*, team: Team) -> None:
    """Delete the team and its memberships, never its users; its former members get their
    profile recomputed without it."""
    default_profile_id = _lock_organisation(team.organisation_id)
    # Unmap first, so that the recomputation (while the memberships still exist) ignores it.
    Team.objects.filter(pk=team.pk).update(profile=None)
    _recompute(organisation_id=team.organisation_id, default_profile_id=default_profile_id, user_ids=_members_of(team))
    team.delete()


@transaction.atomic
def team_members_add(*, team: Team, user_ids: Iterable[int]) -> None:
    """Add users to the team in one INSERT; already-members and repeated ids are ignored.

    Raises ``MemberNotInOrganisation`` (and adds no one) for ids that are not users of the
    team's organisation or are SCIM-deleted.
    """
    default_profile_id = _lock_organisation(team.organisation_id)
    ids = _validated_ids(organisation_id=team.organisation_id, user_ids=user_ids)
    if not ids:
        return
    _members_insert(team=team, user_ids=ids)
    # Recomputed even if this instance says "unmapped": the row may have changed since it was read.
    _recompute(organisation_id=team.organisation_id, default_profile_id=default_profile_id, user_ids=ids)


@transaction.atomic
def team_members_remove(*, team: Team, user_ids: Iterable[int]) -> None:
    """Remove users from the team in one DELETE; ids that are not members are ignored.

    Raises ``MemberNotInOrganisation`` (and removes no one) for ids that are not users of
    the team's organisation. SCIM-deleted users may be removed: that is how they leave.
    """
    default_profile_id = _lock_organisation(team.organisation_id)
    ids = _validated_ids(organisation_id=team.organisation_id, user_ids=user_ids, allow_scim_deleted=True)
    if not ids:
        return
    TeamMembership.objects.filter(team_id=team.pk, user_id__in=id_table(ids)).delete()
    _recompute(organisation_id=team.organisation_id, default_profile_id=default_profile_id, user_ids=ids)


@transaction.atomic
def team_members_set(*, team: Team, user_ids: Iterable[int]) -> None:
    """Make ``user_ids`` the team's complete member list: add the missing ones and remove
    the others, in bulk (one SELECT of the leavers, one DELETE, one INSERT, one UPDATE).

    Raises ``MemberNotInOrganisation`` (and changes nothing) like ``team_members_add``.
    """
    default_profile_id = _lock_organisation(team.organisation_id)
    ids = _validated_ids(organisation_id=team.organisation_id, user_ids=user_ids)
    leaving = TeamMembership.objects.filter(team_id=team.pk).order_by()
    if ids:
        leaving = leaving.exclude(user_id__in=id_table(ids))
    removed = list(leaving.values_list("user_id", flat=True))
    if removed:
        leaving.delete()
    _members_insert(team=team, user_ids=ids)
    _recompute(organisation_id=team.organisation_id, default_profile_id=default_profile_id, user_ids=[*ids, *removed])


@transaction.atomic
def team_set_profile(*, team: Team, profile, actor=None) -> Team:
    """Map the team to ``profile`` (``None``: unmap it) and recompute its members.

    ``actor`` is accepted so that callers can say who did it, but this app keeps no activity
    log: the host records the change (the hub: ``vxp_hub.services.team_map_profile``).
    Raises ``ProfileNotInOrganisation`` for another organisation's profile.
    """
    default_profile_id = _lock_organisation(team.organisation_id)
    _check_profile(organisation_id=team.organisation_id, profile=profile)
    team.profile = profile
    team.save(update_fields=["profile", "updated_at"])
    _recompute(organisation_id=team.organisation_id, default_profile_id=default_profile_id, user_ids=_members_of(team))
    return team
