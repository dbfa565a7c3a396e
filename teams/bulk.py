"""Set-based SQL helpers for ``teams.services``: statements whose size does not grow with
the number of users.

An identity provider may push a group of tens of thousands of members. Passed as a plain
``IN (%s, %s, …)`` list, every id is one SQL parameter: SQLite refuses statements with more
than its variable limit (Django 5.2 assumes 999 and splits ``bulk_create`` accordingly), and
the statement text grows with the group. ``id_table`` instead passes the whole list as ONE
parameter, unpacked by the database (PostgreSQL ``unnest`` of an array, SQLite
``json_each``), and usable wherever Django accepts a subquery (``pk__in=id_table(ids)``).
Other databases fall back to a plain list. Both helpers use the default database, like the
rest of the app.
"""

import json
from collections.abc import Sequence

from django.db import connection
from django.db.models import Model
from django.db.models.constants import OnConflict
from django.db.models.expressions import RawSQL
from django.utils import timezone


def id_table(ids: Sequence[int]):
    """``ids`` as a one-parameter subquery of integers (or a list on other databases).

    ``ids`` must already be Python ints in the range of a 64-bit signed integer.
    """
    ids = list(ids)
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    if connection.vendor == "sqlite":
        return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),))
    return ids


def memberships_insert(*, membership_model: type[Model], user_model: type[Model], team_id: int, user_ids: Sequence[int]) -> None:
    """Insert (team, user) rows for every id in ``user_ids`` in ONE statement, skipping rows
    that already exist (the unique constraint on (team, user) decides, so concurrent
    additions of the same member do not fail).

    ``INSERT … SELECT`` from the user table over ``id_table``: Django's ``bulk_create`` would
    send one parameter per column per row and, on SQLite, split the rows into batches.
    The caller has validated the ids (organisation, not deleted).
    """
    if not user_ids:
        return
    ops = connection.ops
    qn = ops.quote_name
    meta = membership_model._meta
    team_col = meta.get_field("team").column
    user_col = meta.get_field("user").column
    created_field = meta.get_field("created_at")
    user_table = qn(user_model._meta.db_table)
    user_pk = qn(user_model._meta.pk.column)

    ids = id_table(user_ids)
    if isinstance(ids, RawSQL):
        ids_sql, ids_params = ids.sql, list(ids.params)
    else:
        ids_sql, ids_params = ", ".join(["%s"] * len(ids)), list(ids)
    sql = (
        f"{ops.insert_statement(on_conflict=OnConflict.IGNORE)} {qn(meta.db_table)} "
        f"({qn(team_col)}, {qn(user_col)}, {qn(created_field.column)}) "
        f"SELECT %s, {user_table}.{user_pk}, %s FROM {user_table} "
        f"WHERE {user_table}.{user_pk} IN ({ids_sql}) "
        f"{ops.on_conflict_suffix_sql([], OnConflict.IGNORE, [], [])}"
    )
    created_at = created_field.get_db_prep_value(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [team_id, created_at, *ids_params])
