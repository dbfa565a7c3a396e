"""A to-many relation read in the same statement as its parent row: a correlated subquery
whose rows come back as one JSON array of arrays.

``GET /Users/{id}`` needs the user, its e-mails and its groups. Read as a row and two
prefetches, that is three statements, each compiled by the ORM and sent on its own round
trip; folded with ``JSONRows`` it is one (``adapters.users.UserAdapter.queryset``)::

    emails = SCIMUserEmail.objects.filter(scim_user=OuterRef("pk"))
    users.annotate(email_rows=JSONRows(emails, ["value", "type", "pk"]))
    # user.email_rows == [["a@x", "work", 7], ...], [] when there are none

Rows come in no particular order (sort them in Python: they are few), and values as JSON
has them: booleans may come back as 0/1 (SQLite), UUIDs as text, with or without dashes
(SQLite stores them as 32 hex digits). PostgreSQL and SQLite only (``supported``); on other
databases, read the relation apart (a prefetch).
"""

from django.db.models import F, JSONField, Subquery

VENDORS = frozenset({"postgresql", "sqlite"})


def supported(connection) -> bool:
    return connection.vendor in VENDORS


def uuid_text(value) -> str:
    """A UUID as the text of ``str(uuid)`` (lower-case, dashed), from a UUID or from what a
    database wrote for a UUID column (in JSON, or cast to text): PostgreSQL writes it so
    already, SQLite keeps 32 hex digits."""
    if not isinstance(value, str):
        return str(value)
    if len(value) == 32:
        value = value.lower()
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return value


class JSONRows(Subquery):
    output_field = JSONField()

    def __init__(self, queryset, fields: list[str]):
        self.width = len(fields)
        # Columns named c0, c1… so the outer SELECT can name them whatever the fields were.
        inner = queryset.order_by().values(**{f"c{i}": F(name) for i, name in enumerate(fields)})
        super().__init__(inner, output_field=JSONField())

    def as_sql(self, compiler, connection, template=None, **extra_context):
        columns = ", ".join(f"_r.c{i}" for i in range(self.width))
        if connection.vendor == "postgresql":
            # jsonb, not json: Django reads jsonb as text and JSONField parses it, as for a column.
            template = f"(SELECT COALESCE(jsonb_agg(jsonb_build_array({columns})), '[]'::jsonb) FROM (%(subquery)s) _r)"
        elif connection.vendor == "sqlite":
            template = f"(SELECT json_group_array(json_array({columns})) FROM (%(subquery)s) _r)"
        else:
            raise NotImplementedError(f"JSONRows on {connection.vendor}: check json_rows.supported() first.")
        return super().as_sql(compiler, connection, template=template, **extra_context)
