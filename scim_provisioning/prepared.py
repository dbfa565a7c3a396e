"""Reads of a fixed shape, compiled by the ORM once per process instead of once per request.

Building and compiling a queryset is most of a small read's time here: the token lookup
every SCIM request starts with costs ~1.0 ms through the ORM and ~0.3 ms as the SQL alone;
``GET /Users/{id}``'s read ~2.8 ms against ~0.6 ms. A ``PreparedRead`` keeps what the ORM
made of the queryset the first time (its SQL, where each argument goes in the parameters,
and the compiler that turns rows into model instances) and later only binds the new
arguments and runs the SQL::

    TOKEN = PreparedRead(lambda digest: SCIMToken.objects.filter(digest=digest))
    TOKEN.fetch("ab12…")  # -> [SCIMToken], the same instances the queryset would give

(A ``values_list()`` queryset gives its rows as the ORM would: tuples, or values with flat=True.)

The SQL, the parameters' conversion to database values and the rows' conversion back
(``from_db_value``, select_related instances, annotations) are the ORM's own; nothing here
writes SQL. How it finds the arguments: the queryset is built and compiled twice with two
sets of stand-in values; the parameters that differ are the arguments, as they are or as
the ORM converted them (a UUID becomes 32 hex digits on SQLite). A queryset this cannot
follow (an argument that changes the SQL itself, or that the ORM transforms otherwise:
``contains`` makes ``x`` into ``%x%``) is run through the ORM every time: slower, never wrong.

``context`` and ``key``: what is fixed for a plan (the organisation, the projection) is
given as ``context`` to ``build`` and must be identified by ``key``: one plan per key. So a
build may depend on the context only through what the key names.

A queryset with prefetches (``prefetch_related``) is not prepared: fold to-many relations
into the row instead (``json_rows``).

``insert(objs)`` is the same for the INSERT of new rows (a host user, its SCIM user, its
e-mails, an activity line: every create writes them): ``Model.save()`` costs ~0.45 ms a row
here, most of it building and compiling the InsertQuery; the INSERT the ORM compiled for the
first rows is kept per model and row count, and later rows only convert their values the way
the ORM does (``Field.get_db_prep_save``) and run it.
"""

import copy
import threading
import uuid
import weakref
from functools import partial

from django.core.signals import setting_changed
from django.db import connections, router, transaction
from django.db.models import Model, signals
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable, get_related_populators
from django.dispatch import receiver

MAX_PLANS = 1024

# How an argument can appear among the compiled parameters: (name, conversion(value, connection)).
_CONVERSIONS = (
    ("as is", lambda value, connection: value),
    ("hex", lambda value, connection: value.hex if isinstance(value, uuid.UUID) else None),
    ("text", lambda value, connection: str(value)),
    # SQLite's case-insensitive comparisons are LIKE patterns with the value escaped.
    ("like", lambda value, connection: connection.ops.prep_for_like_query(value) if isinstance(value, str) else None),
)


def _stand_ins(kind, n: int):
    if kind is uuid.UUID:
        return uuid.UUID(int=0x5CA1AB1E_0000_4000_8000_000000000000 + n)
    if kind is int:
        return -7_340_000_000 - n
    if kind is str:
        # With the characters a LIKE pattern escapes: a lookup that rewrites its value (SQLite's
        # iexact) is told from one that takes it as it is, and one that adds to it (contains,
        # startswith: "%x%") matches no conversion and is not prepared.
        return f"\x1f%_\\prepared-stand-in-{n}\x1f"
    raise Unpreparable(f"no stand-in for a {kind.__name__} argument")


class Unpreparable(Exception):
    pass


class _Plan:
    __slots__ = ("sql", "slots", "compiler", "trim", "rows")

    def __init__(self, compiler, sql: str, slots: list, rows: str):
        self.compiler, self.sql, self.slots, self.rows = compiler, sql, slots, rows
        self.trim = compiler.col_count if compiler.has_extra_select else None


def _row_kind(queryset) -> str:
    """What the queryset yields: "models", "tuples" (``values_list()``) or "flat"
    (``values_list(flat=True)``); anything else (``values()``, named rows, values_list with
    annotations, whose columns the ORM reorders) is not prepared."""
    if queryset._prefetch_related_lookups:
        raise Unpreparable("prefetch_related: fold the relation into the row (json_rows) instead")
    if queryset._iterable_class is ModelIterable:
        return "models"
    query = queryset.query
    if query.extra_select or query.annotation_select:
        raise Unpreparable("values_list() with annotations")
    if queryset._iterable_class is ValuesListIterable:
        return "tuples"
    if queryset._iterable_class is FlatValuesListIterable:
        return "flat"
    raise Unpreparable(f"rows as {queryset._iterable_class.__name__}")


class PreparedRead:
    def __init__(self, build):
        """``build(*arguments)``, or ``build(context, *arguments)`` when ``fetch`` is given a
        context, returns the queryset. Arguments are str, int or UUID values (a plan is made
        per the arguments' types: an organisation's primary key may be either)."""
        self.build = build
        self._plans: dict = {}
        self._lock = threading.Lock()
        _ALL.add(self)

    def forget(self) -> None:
        """Drop every plan (the settings changed: the same key may build another queryset)."""
        self._plans = {}

    def fetch(self, *arguments, context=None, key=None, using: str = "default") -> list:
        kinds = tuple(map(type, arguments))
        plan = self._plans.get((using, key, kinds))
        if plan is None:
            if len(self._plans) >= MAX_PLANS:  # keys from the request (page bounds): bounded
                self.forget()
            plan = self._plan(context, key, kinds, using)
        if plan is False:  # unpreparable: the ORM, as written
            return list(self._queryset(context, arguments, using))
        connection = connections[using]
        params = [value if position is None else convert(arguments[position], connection)
                  for value, position, convert in plan.slots]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        if plan.trim is not None:
            rows = [row[: plan.trim] for row in rows]
        if plan.rows == "models":
            return _instances(plan.compiler, connection, using, rows)
        converted = _converter(plan.compiler, connection).results_iter([rows], tuple_expected=True)
        return [row[0] for row in converted] if plan.rows == "flat" else list(converted)

    def _queryset(self, context, arguments, using):
        build = self.build if context is None else partial(self.build, context)
        return build(*arguments).using(using)

    def _plan(self, context, key, kinds, using):
        with self._lock:
            try:
                plan = self._compile(context, kinds, using)
            except Exception:  # noqa: BLE001 — a stand-in the ORM refuses, a shape it cannot
                plan = False  # compile twice alike: read through the ORM, which says what is wrong
            self._plans[(using, key, kinds)] = plan
            return plan

    def _compile(self, context, kinds, using) -> _Plan:
        connection = connections[using]
        first = [_stand_ins(kind, 2 * i) for i, kind in enumerate(kinds)]
        second = [_stand_ins(kind, 2 * i + 1) for i, kind in enumerate(kinds)]
        queryset = self._queryset(context, first, using)
        rows = _row_kind(queryset)
        compiler_a = queryset.query.get_compiler(using=using, connection=connection)
        sql_a, params_a = compiler_a.as_sql()
        sql_b, params_b = (self._queryset(context, second, using).query
                           .get_compiler(using=using, connection=connection).as_sql())
        if sql_a != sql_b or len(params_a) != len(params_b):
            raise Unpreparable
        slots, seen = [], set()
        for a, b in zip(params_a, params_b):
            if a == b:
                slots.append((a, None, None))
                continue
            slot = next(((None, i, convert) for i in range(len(kinds)) for _, convert in _CONVERSIONS
                         if convert(first[i], connection) == a and convert(second[i], connection) == b), None)
            if slot is None:
                raise Unpreparable
            slots.append(slot)
            seen.add(slot[1])
        if seen != set(range(len(kinds))):  # an argument the SQL does not carry as a parameter
            raise Unpreparable
        return _Plan(compiler_a, sql_a, slots, rows)


_ALL: "weakref.WeakSet[PreparedRead]" = weakref.WeakSet()


@receiver(setting_changed)
def _settings_changed(**kwargs) -> None:
    for prepared in list(_ALL):
        prepared.forget()
    _INSERTS.clear()


# (using, model, row count) -> (sql, the fields in parameter order) of an INSERT ... RETURNING pk.
_INSERTS: dict = {}
MAX_INSERT_ROWS = 16  # more rows (an unusual number of e-mails): the ORM, which batches


def insert(objs: list, *, using: str | None = None) -> list:
    """INSERT ``objs`` (new, unsaved instances of one model whose primary key the database
    assigns) in one statement, as ``bulk_create`` would: the same SQL and parameters, and each
    instance gets its primary key and is no longer "adding". Instances of a model with
    ``pre_save``/``post_save`` receivers are saved one by one (``Model.save``), so whoever
    listens is told, and so are those of a model with a ``save()`` of its own; values the ORM
    would not pass as they are (an expression), a primary key already set, or many rows go
    through the ORM too (``_orm_insert``). ``using``: the database routers' choice, as for save()."""
    if not objs:
        return objs
    model = type(objs[0])
    using = using or router.db_for_write(model, instance=objs[0])
    if (signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model)
            or any(_saves_itself(obj) for obj in objs)):
        return _orm_insert(objs, using, each=True)
    if len(objs) > MAX_INSERT_ROWS or any(obj.pk is not None for obj in objs):
        return _orm_insert(objs, using)
    connection = connections[using]
    plan = _INSERTS.get((using, model, len(objs)))
    if plan is None:
        plan = _INSERTS[(using, model, len(objs))] = _insert_plan(model, objs, connection)
    if plan is False:
        return _orm_insert(objs, using)
    sql, fields = plan
    params = []
    for obj in objs:
        # As save() does: refuse an unsaved related object, take a key assigned since.
        obj._prepare_related_fields_for_save(operation_name="insert")
        for field in fields:
            value = field.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                return _orm_insert(objs, using)
            params.append(field.get_db_prep_save(value, connection))
    # As save() does: a refused INSERT inside atomic() marks it for rollback.
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        pks = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, using
    return objs


def _saves_itself(obj) -> bool:
    """A ``save()`` other than Model's: the model's own, or AbstractBaseUser's while a raw
    password waits to be validated (``set_password``; an unusable password needs nothing)."""
    from django.contrib.auth.base_user import AbstractBaseUser

    save = type(obj).save
    if save is AbstractBaseUser.save:
        return obj._password is not None
    return save is not Model.save


def _orm_insert(objs: list, using: str, *, each: bool = False) -> list:
    """``bulk_create`` (it batches), or ``save()`` row by row when receivers must be told or
    the database cannot return the new keys of a bulk INSERT (SQLite before 3.35)."""
    if each or not connections[using].features.can_return_rows_from_bulk_insert:
        for obj in objs:
            obj.save(force_insert=True, using=using)
        return objs
    return type(objs[0])._default_manager.using(using).bulk_create(objs)


def _insert_plan(model, objs, connection):
    """The ORM's INSERT of ``objs`` with RETURNING pk, when every row is one ``%s`` a field and
    the database returns the new keys of several rows (PostgreSQL, SQLite 3.35+); else False
    (PostgreSQL's UNNEST form of several rows has a parameter a column: left to the ORM)."""
    from django.db.models.sql import InsertQuery

    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.generated and f is not opts.auto_field]
    if (opts.auto_field is None or opts.pk is not opts.auto_field or opts.parents or opts.proxy
            or not connection.features.can_return_rows_from_bulk_insert
            or any(hasattr(f, "get_placeholder") for f in fields)):
        return False
    query = InsertQuery(model)
    query.insert_values(fields, objs)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [opts.pk]
    statements = compiler.as_sql()
    if len(statements) != 1 or len(statements[0][1]) != len(fields) * len(objs):
        return False
    return statements[0][0], fields


def _converter(template, connection):
    compiler = copy.copy(template)
    compiler.connection = connection  # this thread's connection, not the one it was planned on
    return compiler


def _instances(template, connection, using, rows) -> list:
    """Model instances of ``rows``, as ``django.db.models.query.ModelIterable`` makes them."""
    compiler = _converter(template, connection)
    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    populators = get_related_populators(klass_info, select, using)
    objs = []
    for row in compiler.results_iter([rows]):
        obj = model_cls.from_db(using, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, position in (annotation_col_map or {}).items():
            setattr(obj, name, row[position])
        objs.append(obj)
    return objs
