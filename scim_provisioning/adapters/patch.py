"""PATCH plumbing (RFC 7644 §3.5.2) on django-scim2's: ``handle_operations`` →
``parse_path_and_values`` → ``split_path`` (scim2-filter-parser's ``AttrPath``) →
``handle_add`` / ``handle_remove`` / ``handle_replace``, made safe for what Okta and Entra send.

What this mixin adds to the library's pipeline:

- Operations are checked before anything runs: ``op`` is add, remove or replace in any case
  (Entra sends ``Add``/``Replace``/``Remove``), else 400 ``invalidSyntax``; a ``remove``
  without a path is 400 ``noTarget``; an add or replace without a path needs an object value
  (400 ``invalidValue``); key names (``op``, ``path``, ``value``) compare case-insensitively.
- A path that does not parse is 400 ``invalidPath`` (the library lets parser errors out).
- Path-less values: each key is a path (``name.givenName``, ``urn:…:User:employeeNumber``);
  a key that is an extension URN with an object value (``{"urn:…:enterprise:2.0:User":
  {"department": …}}``) is expanded into one path per attribute. Keys that do not parse are
  ignored, like unknown attributes in a POST or PUT body.
- ``target(attr_path)`` turns an ``AttrPath`` into a ``PatchTarget``: the attribute, its
  sub-attribute, its schema URN and the ``[attr eq "value"]`` value filter, the only filter
  form a PATCH path may carry here (anything else is 400 ``invalidPath``).
- The library's type check (a bool for ``active``) is dropped: the handlers check types.

Handlers receive the normalised operation; ``operation["path"] is None`` tells a path-less
value's key (ignore what is unknown) from an explicit path (reject it with ``invalidPath``).
"""

from dataclasses import dataclass

from django_scim.constants import VALID_PATCH_OPS
from scim2_filter_parser import ast as scim_ast
from scim2_filter_parser.attr_paths import AttrPath

from .. import errors
from .values import lower_keys


class _CaptureAll(dict):
    """An ``attr_map`` that maps every attribute, so that ``AttrPath`` keeps the values of
    the comparisons inside brackets (``emails[type eq "work"]`` → ``"work"``)."""

    def get(self, key, default=None):
        return ".".join(part for part in key if part)

    def __contains__(self, key):
        return True


@dataclass(frozen=True)
class PatchTarget:
    """What a PATCH path designates. Names are lower-cased; ``uri`` is None for core paths."""

    attr: str
    sub_attr: str | None = None
    uri: str | None = None
    filter_attr: str | None = None  # emails[type eq "work"] → "type"
    filter_value: str | None = None  # … → "work"

    @property
    def name(self) -> str:
        """The path as a client would write it, for error messages."""
        name = self.attr
        if self.filter_attr:
            name += f'[{self.filter_attr} eq "…"]'
        if self.sub_attr:
            name += f".{self.sub_attr}"
        return f"{self.uri}:{name}" if self.uri else name


class PatchOperationsMixin:
    ATTR_MAP = _CaptureAll()

    def handle_operations(self, operations: list) -> None:
        checked = []
        for index, operation in enumerate(operations):
            checked.extend(self._expand_extension_path(self._checked_operation(index, operation)))
        super().handle_operations(checked)

    def _expand_extension_path(self, operation: dict) -> list[dict]:
        """A path naming a whole extension schema (``"path": "urn:…:enterprise:2.0:User"``)
        means each of its attributes: add/replace take an object of them (as a path-less value
        keyed by the URN would), remove removes every writable one."""
        path = operation["path"]
        urn = {u.lower(): u for u in self.extensions()}.get(path.lower()) if path else None
        if urn is None:
            return [operation]
        if operation["op"] == "remove":
            return [{"op": "remove", "path": f"{urn}:{name}", "value": None} for name in self._writable(urn)]
        if not isinstance(operation["value"], dict):
            raise errors.InvalidValue(f"{urn} must be an object of attributes.")
        return [{"op": operation["op"], "path": None, "value": {urn: operation["value"]}}]

    @classmethod
    def _writable(cls, urn: str) -> list[str]:
        schema = next((s for s in cls.schema_definitions() if s["id"] == urn), {"attributes": []})
        return [a["name"] for a in schema["attributes"] if a.get("mutability") not in ("readOnly", "immutable")]

    @staticmethod
    def _checked_operation(index: int, operation: dict) -> dict:
        fields = lower_keys(operation)
        op, path, value = fields.get("op"), fields.get("path"), fields.get("value")
        if not isinstance(op, str) or op.lower() not in VALID_PATCH_OPS:
            raise errors.InvalidSyntax(f"Operations[{index}].op must be \"add\", \"remove\" or \"replace\".")
        op = op.lower()
        if path is not None and not isinstance(path, str):
            raise errors.InvalidPath(f"Operations[{index}].path must be a string.")
        if path is not None and not path.strip():
            path = None
        if path is None and op == "remove":
            raise errors.NoTarget(f"Operations[{index}]: a remove operation needs a path.")
        if path is None and not isinstance(value, dict):
            raise errors.InvalidValue(
                f"Operations[{index}]: without a path, value must be an object of attributes to {op}."
            )
        return {"op": op, "path": path, "value": value}

    def parse_path_and_values(self, path, value) -> list:
        if path is not None:
            return [(self.split_path(path), value)]
        urns = {urn.lower(): urn for urn in self.extensions()}
        pairs = []
        for key, item in value.items():
            urn = urns.get(key.lower())
            if urn is None:
                pairs.append((self._split_leniently(key), item))
            elif isinstance(item, dict):
                pairs.extend((self._split_leniently(f"{urn}:{k}"), v) for k, v in item.items())
            elif item is not None:
                raise errors.InvalidValue(f"{urn} must be an object of attributes.")
        return [(attr_path, item) for attr_path, item in pairs if attr_path is not None]

    def split_path(self, path: str) -> AttrPath:
        try:
            return super().split_path(path)
        except Exception:  # the lexer and parser raise several types (and RecursionError)
            raise errors.InvalidPath(f"'{path[:100]}' is not a valid attribute path.")

    def _split_leniently(self, key: str) -> AttrPath | None:
        try:
            return self.split_path(key)
        except errors.InvalidPath:
            return None

    def _default_validate_op(self, path, value, operation) -> None:
        """Types are checked by the handlers (the library would refuse ``"False"``)."""

    @staticmethod
    def target(attr_path: AttrPath) -> PatchTarget:
        # split_path parsed `<path> eq ""`: anything but one comparison of one path (with at
        # most one `x eq "value"` bracket) is not a PATCH path.
        invalid = errors.InvalidPath(
            'A PATCH path is an attribute, optionally with one equality filter, e.g. emails[type eq "work"].value.'
        )
        root = attr_path.ast
        outer = getattr(root, "expr", None)
        if root.negated or not isinstance(outer, scim_ast.AttrExpr) or outer.value.lower() != "eq":
            raise invalid
        paths = list(attr_path)
        last = paths[-1]
        sub = last.sub_attr.lower() if last.sub_attr else None
        bracket = outer.attr_path.attr_name
        if not isinstance(bracket, scim_ast.Filter):
            if len(paths) != 1:
                raise invalid
            return PatchTarget(last.attr_name.lower(), sub, last.uri)
        node = bracket
        while isinstance(node, scim_ast.Filter) and not node.negated:
            node = node.expr
        value = attr_path.transpiler.params.get("a")
        if (len(paths) != 2 or not isinstance(node, scim_ast.AttrExpr) or node.value.lower() != "eq"
                or not isinstance(value, str) or not paths[0].sub_attr):
            raise invalid
        return PatchTarget(last.attr_name.lower(), sub, last.uri, paths[0].sub_attr.lower(), value)
