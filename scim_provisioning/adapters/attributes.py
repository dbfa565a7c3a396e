"""The RFC 7643 §4.1 core User attributes the host does not model, kept as one JSON document.

Nothing the identity provider sends is lost: ``nickName``, ``profileUrl``, ``userType``,
``preferredLanguage``, ``timezone``, ``name.formatted/middleName/honorificPrefix/
honorificSuffix`` and the multi-valued ``phoneNumbers``, ``ims``, ``photos``, ``addresses``,
``entitlements``, ``roles`` and ``x509Certificates`` are validated, stored in SCIM shape
(``UserChanges.attributes``) and returned as they were sent. They are never interpreted: SCIM
``roles`` in particular is not the host's role.

The document (``normalise`` is the one validator; every write goes through it last):

- keys are the canonical SCIM names (``nickName``; ``name`` holds only the sub-attributes
  above, the modelled givenName/familyName live in columns); attribute names in the input
  compare case-insensitively and unknown sub-attributes are ignored;
- strings only for singular attributes and sub-attributes, at most ``STRING_LIMIT``
  characters (``x509Certificates.value``, a base64 certificate, ``CERTIFICATE_LIMIT``);
  ``null`` and ``""`` mean unassigned and are left out;
- multi-valued attributes are arrays of objects kept in the order sent; ``primary`` is a
  boolean (Entra's "True"/"False" strings are read as such) and true at most once per
  attribute; an entry left with nothing but ``type``/``primary`` is dropped;
- the whole document serialised is at most ``DOCUMENT_LIMIT`` bytes.

A breach of any rule is 400 ``invalidValue`` naming the attribute (never echoing the value)
and the write changes nothing.

PATCH (``AttributePatcher``), one mechanism for all of them, on ``patch.PatchTarget``:
singular attributes and ``name`` sub-attributes are set (add/replace) or removed; a whole
multi-valued attribute is appended to (add; entries equal to an existing one are skipped),
set (replace) or removed; ``attr[sub eq "x"]`` selects entries (strings compare
case-insensitively): remove deletes them, or only ``.sub``; add/replace set ``.sub`` (or the
sub-attributes of the value object) on each, creating ``{sub: "x", …}`` when none matches
(what Entra expects of ``phoneNumbers[type eq "mobile"].value``). An entry made primary makes
the attribute's other entries non-primary (RFC 7644 §3.5.2).
"""

import copy
import json

from .. import errors
from .patch import PatchTarget
from .values import boolean, lower_keys, text

STRING_LIMIT = 2048
CERTIFICATE_LIMIT = 16384
DOCUMENT_LIMIT = 32 * 1024

# lower-cased name -> SCIM name
SINGULAR = {name.lower(): name for name in ("nickName", "profileUrl", "userType", "preferredLanguage", "timezone")}
NAME_PARTS = {name.lower(): name for name in ("formatted", "middleName", "honorificPrefix", "honorificSuffix")}

_PLURAL_SUBS = ("value", "display", "type", "primary")
_ADDRESS_SUBS = ("formatted", "streetAddress", "locality", "region", "postalCode", "country", "type", "primary")
# lower-cased name -> (SCIM name, its sub-attributes)
MULTI_VALUED = {
    name.lower(): (name, subs)
    for name, subs in (
        ("phoneNumbers", _PLURAL_SUBS), ("ims", _PLURAL_SUBS), ("photos", _PLURAL_SUBS), ("addresses", _ADDRESS_SUBS),
        ("entitlements", _PLURAL_SUBS), ("roles", _PLURAL_SUBS), ("x509Certificates", _PLURAL_SUBS),
    )
}
# Sub-attributes that carry no content of their own: an entry with only these is no entry.
_MARKERS = frozenset({"type", "primary"})


def _limit(attr: str, sub: str | None) -> int:
    return CERTIFICATE_LIMIT if (attr, sub) == ("x509Certificates", "value") else STRING_LIMIT


def _string(value, name: str, limit: int = STRING_LIMIT) -> str:
    return text(value, name, limit=limit)


def _sub_value(attr: str, sub: str, value, name: str):
    """One checked sub-attribute value of a multi-valued entry; None when unassigned."""
    if value is None:
        return None
    if sub == "primary":
        return boolean(value, name)
    return _string(value, name, _limit(attr, sub)) or None


def _entry(attr: str, subs: tuple[str, ...], item, name: str) -> dict | None:
    """One checked entry, canonical names, unknown sub-attributes dropped; None if empty."""
    if not isinstance(item, dict):
        raise errors.InvalidValue(f"{name} must be an object.")
    parts = lower_keys(item)
    entry = {}
    for sub in subs:
        value = _sub_value(attr, sub, parts.get(sub.lower()), f"{name}.{sub}")
        if value is not None:
            entry[sub] = value
    return entry if set(entry) - _MARKERS else None


def _entries(attr: str, subs: tuple[str, ...], value, name: str) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.InvalidValue(f"{name} must be an array of objects.")
    entries = [_entry(attr, subs, item, f"{name}[{i}]") for i, item in enumerate(value)]
    return [entry for entry in entries if entry is not None]


def normalise(data: dict) -> dict:
    """The document for the attributes of ``data`` (a User resource, or a stored document
    being checked again), validated; other attributes of ``data`` are not looked at."""
    fields = lower_keys(data)
    document = {}
    for key, attr in SINGULAR.items():
        value = _string(fields.get(key), attr)
        if value:
            document[attr] = value
    name = fields.get("name")
    if name is not None and not isinstance(name, dict):
        raise errors.InvalidValue("name must be an object.")
    parts = lower_keys(name or {})
    name_document = {}
    for key, sub in NAME_PARTS.items():
        value = _string(parts.get(key), f"name.{sub}")
        if value:
            name_document[sub] = value
    if name_document:
        document["name"] = name_document
    for key, (attr, subs) in MULTI_VALUED.items():
        entries = _entries(attr, subs, fields.get(key), attr)
        if sum(1 for entry in entries if entry.get("primary") is True) > 1:
            raise errors.InvalidValue(f"{attr}: at most one value may be primary.")
        if entries:
            document[attr] = entries
    size = len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
    if size > DOCUMENT_LIMIT:
        raise errors.InvalidValue(
            f"The user's other attributes (phoneNumbers, addresses, …) take more than {DOCUMENT_LIMIT} bytes."
        )
    return document


def handles(target: PatchTarget) -> bool:
    """True when ``target`` (a core User path) names an attribute kept in the document."""
    if target.attr == "name":
        return target.sub_attr in NAME_PARTS
    return target.attr in SINGULAR or target.attr in MULTI_VALUED


class AttributePatcher:
    """Applies PATCH operations to a copy of a document; ``result()`` checks it all again."""

    def __init__(self, document: dict | None):
        self.document = copy.deepcopy(document or {})

    def result(self) -> dict:
        return normalise(self.document)

    def apply(self, op: str, target: PatchTarget, value) -> None:
        if target.attr == "name":
            if target.filter_attr:
                raise errors.InvalidPath(f"{target.name}: name has no values to filter.")
            self._name_part(op, target, value)
        elif target.attr in SINGULAR:
            if target.sub_attr or target.filter_attr:
                raise errors.InvalidPath(f"{target.name}: this attribute has no sub-attributes or values to filter.")
            attr = SINGULAR[target.attr]
            self._set(self.document, attr, None if op == "remove" else _string(value, attr))
        elif target.filter_attr is None:
            self._whole(op, target, value)
        else:
            self._filtered(op, target, value)

    def name_value(self, op: str, value: dict) -> None:
        """A ``name`` object (path ``name`` or a path-less ``{"name": {…}}``): its parts set,
        the parts it does not carry left as they are; remove clears them all."""
        for key in NAME_PARTS:
            if op == "remove" or key in value:
                self._name_part(op, PatchTarget("name", key), value.get(key) if op != "remove" else None)

    def _name_part(self, op: str, target: PatchTarget, value) -> None:
        sub = NAME_PARTS[target.sub_attr]
        name = self.document.setdefault("name", {})
        self._set(name, sub, None if op == "remove" else _string(value, f"name.{sub}"))
        if not name:
            del self.document["name"]

    @staticmethod
    def _set(container: dict, key: str, value) -> None:
        if value is None or value == "":
            container.pop(key, None)
        else:
            container[key] = value

    def _whole(self, op: str, target: PatchTarget, value) -> None:
        attr, subs = MULTI_VALUED[target.attr]
        if target.sub_attr is not None:
            raise errors.InvalidPath(
                f'Name the {attr} value to change with a filter, e.g. {attr}[type eq "work"].{target.sub_attr}.'
            )
        current = self.document.get(attr, [])
        if op == "remove":
            current = []
        elif op == "replace":
            current = _entries(attr, subs, value, attr)
        else:
            added = [entry for entry in _entries(attr, subs, value, attr) if entry not in current]
            if any(entry.get("primary") is True for entry in added):
                current = [self._not_primary(entry) for entry in current]
            current = current + added
        self._set(self.document, attr, current or None)

    def _filtered(self, op: str, target: PatchTarget, value) -> None:
        attr, subs = MULTI_VALUED[target.attr]
        by_lower = {sub.lower(): sub for sub in subs}
        filter_sub = by_lower.get(target.filter_attr)
        sub = by_lower.get(target.sub_attr) if target.sub_attr else None
        if filter_sub is None or (target.sub_attr and sub is None):
            raise errors.InvalidPath(f"{target.name}: {attr} has the sub-attributes {', '.join(subs)}.")
        current = self.document.get(attr, [])
        matches = [entry for entry in current if self._matches(entry, filter_sub, target.filter_value)]
        if op == "remove":
            if sub is None:
                current = [entry for entry in current if not any(entry is m for m in matches)]
            else:
                for entry in matches:
                    entry.pop(sub, None)
                current = [entry for entry in current if set(entry) - _MARKERS]
            self._set(self.document, attr, current or None)
            return
        if sub is None:
            if not isinstance(value, dict):
                raise errors.InvalidValue(f"{target.name} must be an object.")
            parts = {by_lower[k]: v for k, v in lower_keys(value).items() if k in by_lower}
        else:
            parts = {sub: value}
        parts = {k: _sub_value(attr, k, v, f"{attr}.{k}") for k, v in parts.items()}
        if not matches:  # add or replace on a missing entry creates it (Entra)
            created = {}
            self._set(created, filter_sub, _sub_value(attr, filter_sub, target.filter_value, target.name))
            matches = [created]
            current = current + matches
        for entry in matches:
            for key, item in parts.items():
                self._set(entry, key, item)
        if any(entry.get("primary") is True for entry in matches):
            chosen = next(entry for entry in matches if entry.get("primary") is True)
            current = [entry if entry is chosen else self._not_primary(entry) for entry in current]
        current = [entry for entry in current if set(entry) - _MARKERS]  # e.g. created without a value
        self._set(self.document, attr, current or None)

    @staticmethod
    def _matches(entry: dict, sub: str, wanted: str) -> bool:
        actual = entry.get(sub)
        if isinstance(actual, bool):
            return actual == (wanted.lower() == "true")
        return isinstance(actual, str) and actual.lower() == wanted.lower()

    @staticmethod
    def _not_primary(entry: dict) -> dict:
        if entry.get("primary") is True:
            entry["primary"] = False
        return entry
