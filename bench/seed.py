"""Every bench row of users, e-mails, groups and memberships, written with bulk SQL (issue 11).

One function per table group, for both projects (ours: vxp_hub + teams; stock: bench/stock_scim).
Rows are generated, never loaded: user number ``i`` (0-based) always has the same userName,
externalId, SCIM id and primary key, so a run can grow a database (seed 0..10,000, measure, seed
10,000..100,000, measure ...) and the timed requests can name users without reading them back.

PostgreSQL: ``COPY ... FROM STDIN``; SQLite: ``executemany``. Columns not given here take the
model's defaults, prepared once from a template instance (``_rows``), so a new column with a
default needs no change here.

Our users' SCIM state is ``scim_provisioning.SCIMUser`` (issue 10): ``ours_users`` writes
the hub's users and their SCIM users, ``ours_emails`` the SCIM users' e-mails.
"""
import uuid
from contextlib import contextmanager

from django.db import connection, transaction

BATCH = 50_000


def user_name(i: int) -> str:
    return f"user{i:07}@bench.example"


def ours_user_scim_id(i: int) -> str:
    """The SCIM id of our user number i (what GET /Users/{id} takes)."""
    return str(uuid.UUID(int=(0xB3 << 120) | i, version=4))


# --- the writer -----------------------------------------------------------------------------------

def _rows(model, fixed: dict, varying: list[str], values):
    """Column names and row tuples: the model's defaults (a template instance), ``fixed`` field
    values, and per row the ``varying`` fields' values from ``values`` (iterable of tuples)."""
    template = model(**fixed)
    fields = [f for f in model._meta.concrete_fields
              if f.attname not in varying and not (f.primary_key and getattr(template, f.attname) is None)]
    constant = [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in fields]
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    prep = [by_name[a] for a in varying]
    needs_prep = [connection.vendor != "postgresql" and f.get_internal_type() in {"UUIDField", "JSONField"}
                  for f in prep]
    columns = [f.column for f in fields] + [f.column for f in prep]

    def gen():
        const = tuple(constant)
        for row in values:
            if any(needs_prep):
                row = tuple(f.get_db_prep_save(v, connection) if p else v for f, p, v in zip(prep, needs_prep, row))
            yield const + tuple(row)

    return columns, gen()


def _insert(model, columns, rows) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) >= BATCH:
                    cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)
                    batch = []
            if batch:
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)


@contextmanager
def _kept_count_added(model, org_id: int, added: int):
    """On PostgreSQL, the kept-count trigger (scim_provisioning migration 0006) off while the
    rows are copied, and their number added to the organisation's count once after: the
    trigger upserts one count row per copied row, and in one transaction those upserts grow
    with the versions of that row (90,000 users took 99 s, against 3 s without)."""
    if connection.vendor != "postgresql":
        yield
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER scim_user_count")
        yield
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the copied rows' foreign-key checks, now
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER scim_user_count")
        cursor.execute(
            "INSERT INTO scim_provisioning_scimusercount (organisation_id, shard, visible) VALUES (%s, 0, %s) "
            "ON CONFLICT (organisation_id, shard) DO UPDATE SET visible = scim_provisioning_scimusercount.visible "
            "+ EXCLUDED.visible", [org_id, added])


def _reset_sequences(*models) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def analyze() -> None:
    """Planner statistics for the new rows (autovacuum may be off or late: without them
    PostgreSQL plans a list as if the organisation had 11 users and sorts all of them)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _next_pk(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


# --- ours: vxp_hub + teams ------------------------------------------------------------------------

def ours_organisation() -> dict:
    """The organisation, its SCIM token, one team "All users" (the bench group). Idempotent."""
    from scim_provisioning.services import token_generate
    from teams.models import Team
    from vxp_hub.models import Organisation
    from vxp_hub.services import organisation_create

    org = Organisation.objects.filter(slug="bench").first() or organisation_create(name="Bench", slug="bench")
    team = Team.objects.filter(organisation=org, name="All users").first() or \
        Team.objects.create(organisation=org, name="All users")
    _, raw = token_generate(organisation=org)
    return {"org": org.pk, "team": team.pk, "group": str(team.scim_id), "token": raw}


def ours_users(org_id: int, start: int, end: int) -> tuple[int, int]:
    """Users start..end-1 of the organisation and their SCIM users (what SCIM reads); returns
    the primary keys of user number 0 and of its SCIM user."""
    from scim_provisioning.models import SCIMUser
    from vxp_hub.models import User

    base = _next_pk(User) - start
    columns, rows = _rows(
        User, {"organisation_id": org_id, "given_name": "Bench", "password": "!"},
        ["id", "username", "family_name", "email"],
        ((base + i, user_name(i), f"User{i:07}", user_name(i)) for i in range(start, end)))
    _insert(User, columns, rows)
    _reset_sequences(User)
    link_base = _next_pk(SCIMUser) - start
    columns, rows = _rows(
        SCIMUser, {"organisation_id": org_id, "given_name": "Bench"},
        ["id", "user_id", "user_name", "family_name", "external_id", "scim_id"],
        ((link_base + i, base + i, user_name(i), f"User{i:07}", f"ext{i:08}", uuid.UUID(ours_user_scim_id(i)))
         for i in range(start, end)))
    with _kept_count_added(SCIMUser, org_id, end - start):
        _insert(SCIMUser, columns, rows)
    _reset_sequences(SCIMUser)
    return base, link_base


def ours_emails(link_base: int, start: int, end: int) -> None:
    """One primary work e-mail (the userName) per SCIM user."""
    from scim_provisioning.models import SCIMUserEmail

    columns, rows = _rows(SCIMUserEmail, {"type": "work", "primary": True}, ["scim_user_id", "value"],
                          ((link_base + i, user_name(i)) for i in range(start, end)))
    _insert(SCIMUserEmail, columns, rows)
    _reset_sequences(SCIMUserEmail)


def ours_memberships(team_id: int, base: int, start: int, end: int) -> None:
    from teams.models import TeamMembership

    columns, rows = _rows(TeamMembership, {"team_id": team_id}, ["user_id"],
                          ((base + i,) for i in range(start, end)))
    _insert(TeamMembership, columns, rows)
    _reset_sequences(TeamMembership)


def ours(start: int, end: int) -> dict:
    """Our project grown to users 0..end-1 (users start.. are new), all in the bench team."""
    info = ours_organisation()
    base, link_base = ours_users(info["org"], start, end)
    ours_emails(link_base, start, end)
    ours_memberships(info["team"], base, start, end)
    analyze()
    return info


def ours_sample(names: list[str]) -> list[str]:
    """SCIM ids of the users so named, in that order (the one read of a user's SCIM id)."""
    from scim_provisioning.models import SCIMUser

    found = dict(SCIMUser.objects.filter(user_name__in=names).values_list("user_name", "scim_id"))
    return [str(found[n]) for n in names]


# --- stock django-scim2 (bench/stock_scim) --------------------------------------------------------

def stock_group() -> dict:
    """The service user the bearer middleware logs in, and the group "All users". Idempotent."""
    from stockapp.models import Group, User

    if not User.objects.filter(username="scim-service").exists():
        User.objects.create(username="scim-service", is_staff=True, scim_id="service")
    group = Group.objects.filter(name="All users").first() or Group.objects.create(name="All users")
    group.refresh_from_db()
    return {"group": group.scim_id, "group_pk": group.pk}


def stock_users(start: int, end: int) -> int:
    """Users start..end-1 (scim_id = str(pk), as django-scim2 sets it); returns the pk base."""
    from stockapp.models import User

    base = _next_pk(User) - start
    columns, rows = _rows(
        User, {"first_name": "Bench", "password": "!"},
        ["id", "username", "last_name", "email", "scim_id", "scim_username", "scim_external_id"],
        ((base + i, user_name(i), f"User{i:07}", user_name(i), str(base + i), user_name(i), f"ext{i:08}")
         for i in range(start, end)))
    _insert(User, columns, rows)
    _reset_sequences(User)
    return base


def stock_memberships(group_pk: int, base: int, start: int, end: int) -> None:
    from stockapp.models import User

    through = User.scim_groups.through
    first = _next_pk(through) - start
    columns, rows = _rows(through, {"group_id": group_pk}, ["id", "user_id"],
                          ((first + i, base + i) for i in range(start, end)))
    _insert(through, columns, rows)
    _reset_sequences(through)


def stock(start: int, end: int) -> dict:
    info = stock_group()
    base = stock_users(start, end)
    stock_memberships(info["group_pk"], base, start, end)
    analyze()
    return info


def stock_sample(names: list[str]) -> list[str]:
    from stockapp.models import User

    found = dict(User.objects.filter(username__in=names).values_list("username", "scim_id"))
    return [found[n] for n in names]
