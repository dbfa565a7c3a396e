"""SCIM filter → Django ``Q``, on scim2-filter-parser's lexer, parser and AST.

Why not the library's SQL transpiler or its Q transpiler: both silently drop unknown
attributes (``a and unknown`` widens to ``a``), the SQL one runs unscoped raw SQL and fails
past 26 comparisons, and neither knows which attributes are case-exact. Here every attribute
is declared with its type (``FilterAttr``); anything undeclared is a 400 ``invalidFilter``.

The ``Q`` only narrows a queryset that the caller has already scoped to one organisation:
tenancy never depends on the filter.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from scim2_filter_parser import ast as scim_ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser

from .conf import app_settings
from .errors import InvalidFilter

STRING = "string"  # caseExact false (userName, emails, names)
EXACT = "exact"  # caseExact true (externalId)
BOOLEAN = "boolean"
DATETIME = "datetime"
UUID = "uuid"

MAX_COMPARISONS = 50

CORE_URNS = frozenset({
    "urn:ietf:params:scim:schemas:core:2.0:user",
    "urn:ietf:params:scim:schemas:core:2.0:group",
})


@dataclass(frozen=True)
class FilterAttr:
    """One filterable attribute: the ORM lookup path and the SCIM type.

    ``multi_valued`` marks lookups through a to-many relation (the result needs de-duplication).
    ``scope``: the lookup of the joined row's tenant, when the relation can reach another
    tenant's rows (a person's groups, a group's members' SCIM users): a comparison then only
    matches rows of the filtered row's own ``organisation``, in the same join.
    """

    lookup: str
    kind: str = STRING
    multi_valued: bool = False
    scope: str | None = None


def key(attr: str, sub_attr: str | None = None, uri: str | None = None) -> tuple:
    """The registry key of an attribute: names and URNs compare case-insensitively."""
    uri = uri.lower() if uri else None
    if uri in CORE_URNS:
        uri = None
    return (attr.lower(), sub_attr.lower() if sub_attr else None, uri)


class FilterSchema:
    """The filterable attributes of one resource type.

    ``attrs`` maps ``key(attr, sub_attr, uri)`` to ``FilterAttr``. A multi-valued complex
    attribute filtered without a sub-attribute (``emails eq "x"``) uses its ``value``.
    """

    def __init__(self, attrs: dict[tuple, FilterAttr]):
        self.attrs = attrs

    def resolve(self, attr: str, sub_attr: str | None, uri: str | None) -> FilterAttr:
        found = self.attrs.get(key(attr, sub_attr, uri))
        if found is None and sub_attr is None:
            found = self.attrs.get(key(attr, "value", uri))
        if found is None:
            name = ".".join(p for p in (uri, attr, sub_attr) if p)
            raise InvalidFilter(f"Filtering on '{name}' is not supported.")
        return found


def parse(filter_string: str):
    if len(filter_string) > app_settings.MAX_FILTER_LENGTH:
        raise InvalidFilter(f"The filter is longer than {app_settings.MAX_FILTER_LENGTH} characters.")
    if not filter_string.strip():
        raise InvalidFilter("The filter is empty.")
    try:
        return SCIMParser().parse(SCIMLexer().tokenize(filter_string))
    except RecursionError:
        raise InvalidFilter("The filter is nested too deeply.")
    except Exception:  # the lexer and parser raise several types for malformed input
        raise InvalidFilter("The filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2).")


def to_q(filter_string: str, schema: FilterSchema) -> tuple[Q, bool]:
    """Translate a filter. Returns ``(q, multi_valued)``; ``multi_valued`` means the query
    joins a to-many relation, so the caller must de-duplicate rows."""
    tree = parse(filter_string)
    translator = _Translator(schema)
    try:
        q = translator.filter(tree, namespace=None)
    except RecursionError:
        raise InvalidFilter("The filter is nested too deeply.")
    return q, translator.multi_valued


_NOTHING = Q(pk__in=[])

# eq/ne/co/sw/ew → ORM lookup, by case-sensitivity of the attribute (RFC 7643 caseExact).
_TEXT_LOOKUPS = {
    STRING: {"eq": "iexact", "ne": "iexact", "co": "icontains", "sw": "istartswith", "ew": "iendswith"},
    EXACT: {"eq": "exact", "ne": "exact", "co": "contains", "sw": "startswith", "ew": "endswith"},
}


class _Translator:
    def __init__(self, schema: FilterSchema):
        self.schema = schema
        self.comparisons = 0
        self.multi_valued = False

    def filter(self, node, namespace):
        if isinstance(node, scim_ast.Filter):
            inner_namespace = node.namespace if node.namespace is not None else namespace
            q = self.filter(node.expr, inner_namespace)
            return ~q if node.negated else q
        if isinstance(node, scim_ast.LogExpr):
            left = self.filter(node.expr1, namespace)
            right = self.filter(node.expr2, namespace)
            return left & right if node.op.lower() == "and" else left | right
        if isinstance(node, scim_ast.AttrExpr):
            return self.comparison(node, namespace)
        raise InvalidFilter("The filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2).")

    def comparison(self, node, namespace):
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            raise InvalidFilter(f"The filter has more than {MAX_COMPARISONS} comparisons.")
        path = node.attr_path
        if isinstance(path.attr_name, scim_ast.Filter):
            # emails[type eq "work"].value eq "x": the bracketed filter AND the comparison on
            # the namespace's sub-attribute, on the same related row.
            bracket = path.attr_name
            target = bracket.namespace
            condition = self.filter(bracket.expr, target)
            if target.sub_attr is None:
                raise InvalidFilter("A value filter must name a sub-attribute, e.g. emails[type eq \"work\"].value.")
            attr = self.schema.resolve(target.attr_name, target.sub_attr.value, target.uri)
            return condition & self.compare(attr, node.value, node.comp_value)
        if namespace is not None:
            # Inside brackets: "type" means "emails.type".
            attr = self.schema.resolve(namespace.attr_name, path.attr_name, namespace.uri)
        else:
            sub = path.sub_attr.value if path.sub_attr is not None else None
            attr = self.schema.resolve(path.attr_name, sub, path.uri)
        return self.compare(attr, node.value, node.comp_value)

    def compare(self, attr: FilterAttr, op: str, comp_value) -> Q:
        self.multi_valued = self.multi_valued or attr.multi_valued
        op = op.lower()
        if attr.scope is not None:
            # One Q, so one join: the compared row and its tenant are the same row. "ne" is
            # "not (eq within the tenant)".
            same_tenant = Q(**{attr.scope: F("organisation")})
            if op == "ne":
                return ~(self._compare(attr, "eq", comp_value) & same_tenant)
            return self._compare(attr, op, comp_value) & same_tenant
        return self._compare(attr, op, comp_value)

    def _compare(self, attr: FilterAttr, op: str, comp_value) -> Q:
        raw = comp_value.value if comp_value is not None else None
        if op == "pr":
            return self._present(attr)
        if raw is None:
            raise InvalidFilter(f"Operator '{op}' needs a value.")
        if raw == "null":
            if op == "eq":
                return ~self._present(attr)
            if op == "ne":
                return self._present(attr)
            raise InvalidFilter("null can only be compared with eq or ne.")
        if attr.kind in _TEXT_LOOKUPS:
            return self._text(attr.kind, attr.lookup, op, raw)
        handler = {BOOLEAN: self._boolean, DATETIME: self._datetime, UUID: self._uuid}[attr.kind]
        return handler(attr.lookup, op, raw)

    @staticmethod
    def _present(attr: FilterAttr) -> Q:
        if attr.kind in (STRING, EXACT):
            return Q(**{f"{attr.lookup}__gt": ""})
        return Q(**{f"{attr.lookup}__isnull": False})

    @staticmethod
    def _ordered(lookup, op, value):
        suffix = {"gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}.get(op)
        if suffix is None:
            return None
        return Q(**{f"{lookup}__{suffix}": value})

    def _text(self, kind, lookup, op, value):
        suffix = _TEXT_LOOKUPS[kind].get(op)
        if suffix:
            q = Q(**{f"{lookup}__{suffix}": value})
            return ~q if op == "ne" else q
        q = self._ordered(lookup, op, value)
        if q is None:
            raise InvalidFilter(f"Unknown filter operator '{op}'.")
        return q

    def _boolean(self, lookup, op, value):
        if op not in ("eq", "ne"):
            raise InvalidFilter(f"Operator '{op}' does not apply to a boolean.")
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise InvalidFilter("A boolean attribute compares with true or false.")
        q = Q(**{lookup: lowered == "true"})
        return ~q if op == "ne" else q

    def _datetime(self, lookup, op, value):
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            raise InvalidFilter(f"'{value[:64]}' is not an RFC 3339 date-time.")
        if op not in ("eq", "ne", "gt", "ge", "lt", "le"):
            raise InvalidFilter(f"Operator '{op}' does not apply to a date-time.")
        if moment.tzinfo is None:
            moment = timezone.make_aware(moment, timezone.get_default_timezone())
        try:
            moment = moment.astimezone(dt.timezone.utc)
        except OverflowError:
            # A valid date-time outside what Python can hold in UTC (0001-01-01T00:00:00+01:00
            # is before 0001-01-01 UTC; 9999-12-31T23:59:59-01:00 is after 9999-12-31 UTC):
            # every stored date-time is after, respectively before, it. Answered exactly here,
            # since the database adapter would overflow converting it.
            return self._beyond_range(lookup, op, early=moment.year == dt.MINYEAR)
        if op in ("eq", "ne"):
            q = Q(**{lookup: moment})
            return ~q if op == "ne" else q
        q = self._ordered(lookup, op, moment)
        if q is None:
            raise InvalidFilter(f"Operator '{op}' does not apply to a date-time.")
        return q

    @staticmethod
    def _beyond_range(lookup, op, *, early: bool) -> Q:
        """``lookup op instant`` where ``instant`` is earlier (``early``) or later than any
        date-time the database holds. ``ne`` matches rows without a date too, like ``~Q``."""
        if op == "ne":
            return ~_NOTHING
        if op == "eq":
            return _NOTHING
        asks_for_later = op in ("gt", "ge")
        if asks_for_later == early:
            return Q(**{f"{lookup}__isnull": False})
        return _NOTHING

    def _uuid(self, lookup, op, value):
        if op not in ("eq", "ne"):
            raise InvalidFilter(f"Operator '{op}' does not apply to an id.")
        try:
            q = Q(**{lookup: uuid.UUID(value)})
        except ValueError:
            q = _NOTHING  # no resource has a malformed id
        return ~q if op == "ne" else q
