"""``attributes`` / ``excludedAttributes`` (RFC 7644 §3.4.2.5) and paging parameters."""

import re
from dataclasses import dataclass

from .conf import app_settings
from .errors import InvalidCursor, InvalidValue

ALWAYS_RETURNED = frozenset({"id", "schemas"})

# attributes=emails[type eq "work"] (Microsoft's SCIM tests send it; RFC 7644 names plain
# attributes only): the multi-valued attribute, keeping the entries that match.
_VALUE_FILTER = re.compile(
    r'^(?P<attr>[A-Za-z][\w$]*)\[\s*(?P<sub>[A-Za-z][\w$]*)\s+eq\s+"(?P<value>[^"]*)"\s*\](?:\.(?P<tail>[\w$]+))?$',
    re.IGNORECASE,
)
MAX_START_INDEX = 2**31 - 1


def _names(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        items = value.split(",")
    else:
        raise InvalidValue("attributes and excludedAttributes are comma-separated attribute names.")
    names = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidValue("attributes and excludedAttributes are comma-separated attribute names.")
        item = item.strip()
        if item:
            names.append(item)
    return names


def _split(name: str, urns: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """``urn:…:User:name.givenName`` → (urn, ["name", "givenname"]); names lower-cased."""
    lowered = name.lower()
    for urn in urns:
        if lowered.startswith(urn.lower() + ":"):
            rest = name[len(urn) + 1:]
            return urn, [p.lower() for p in rest.split(".") if p]
        if lowered == urn.lower():
            return urn, []
    return None, [p.lower() for p in name.split(".") if p]


@dataclass(frozen=True)
class Projection:
    """Which attributes a response carries. Built from the query string or a .search body."""

    attributes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, attributes, excluded) -> "Projection":
        return cls(tuple(_names(attributes)), tuple(_names(excluded)))

    def includes(self, top_level: str) -> bool:
        """Whether a top-level attribute (e.g. "members") is returned at all, so that callers
        can skip loading it."""
        top = top_level.lower()
        if self.attributes:
            return any(_attribute_part(name).split(".")[0] == top for name in self.attributes)
        return not any(_attribute_part(name) == top for name in self.excluded)

    def keeps_whole(self, top_level: str) -> bool:
        """Whether ``apply`` passes a top-level attribute through as it is (named whole in
        ``attributes``, or not named at all): no sub-attribute (``members.value``) or value
        filter (``members[value eq "…"]``) selects inside it."""
        top = top_level.lower()
        for name in (*self.attributes, *self.excluded):
            lowered = name.strip().lower()
            part = lowered.rsplit(":", 1)[-1] if lowered.startswith("urn:") else lowered
            if top in lowered and part != top:  # conservative: anything else naming it
                return False
        return True

    def requests(self, urn: str) -> bool:
        """Whether ``attributes`` explicitly names the schema ``urn`` or one of its attributes
        (how a client asks for attributes whose ``returned`` is ``request``)."""
        urn = urn.lower()
        return any(name.lower() == urn or name.lower().startswith(urn + ":") for name in self.attributes)

    def apply(self, resource: dict, core_urn: str, extension_urns: tuple[str, ...] = ()) -> dict:
        if not self.attributes and not self.excluded:
            return resource
        urns = (core_urn, *extension_urns)
        if self.attributes:
            kept: dict = {}
            for name in self.attributes:
                if _copy_filtered(resource, kept, name):
                    continue
                urn, parts = _split(name, urns)
                _copy_path(resource, kept, urn if urn in extension_urns else None, parts)
            for name in ALWAYS_RETURNED:
                if name in resource:
                    kept[name] = resource[name]
            return kept
        result = dict(resource)
        for name in self.excluded:
            urn, parts = _split(name, urns)
            _drop_path(result, urn if urn in extension_urns else None, parts)
        return result


def _attribute_part(name: str) -> str:
    """"urn:…:Group:members" → "members"; "name.givenName" → "name.givenname"."""
    lowered = name.lower()
    lowered = lowered.rsplit(":", 1)[-1] if lowered.startswith("urn:") else lowered
    return lowered.split("[", 1)[0]


def _copy_filtered(source: dict, target: dict, name: str) -> bool:
    """Copy the entries of a multi-valued attribute that match ``attr[sub eq "value"]``
    (optionally one sub-attribute of them). False when ``name`` is not of that form."""
    match = _VALUE_FILTER.match(name.strip())
    if match is None:
        return False
    k = _find(source, match["attr"].lower())
    if k is None or not isinstance(source[k], list):
        return True
    wanted, sub, tail = match["value"].lower(), match["sub"].lower(), (match["tail"] or "").lower()
    for item in source[k]:
        if not isinstance(item, dict):
            continue
        found = _find(item, sub)
        if found is None or str(item[found]).lower() != wanted:
            continue
        if tail:
            tail_key = _find(item, tail)
            item = {tail_key: item[tail_key]} if tail_key else {}
        target.setdefault(k, []).append(item)
    return True


def _find(container: dict, name: str):
    for k in container:
        if k.lower() == name:
            return k
    return None


def _copy_path(source: dict, target: dict, urn: str | None, parts: list[str]) -> None:
    if urn is not None:
        block = source.get(urn)
        if not isinstance(block, dict):
            return
        if not parts:
            target[urn] = block
            return
        sub: dict = target.setdefault(urn, {})
        _copy_path(block, sub, None, parts)
        return
    if not parts:
        return
    k = _find(source, parts[0])
    if k is None or k in ALWAYS_RETURNED:
        return
    if len(parts) == 1:
        target[k] = source[k]
        return
    value = source[k]
    if isinstance(value, dict):
        sub = target.setdefault(k, {})
        _copy_path(value, sub, None, parts[1:])
    elif isinstance(value, list):
        existing = target.setdefault(k, [{} for _ in value])
        for item, out in zip(value, existing):
            if isinstance(item, dict):
                _copy_path(item, out, None, parts[1:])


def _drop_path(resource: dict, urn: str | None, parts: list[str]) -> None:
    if urn is not None:
        if not parts:
            resource.pop(urn, None)
            return
        block = resource.get(urn)
        if isinstance(block, dict):
            block = dict(block)
            _drop_path(block, None, parts)
            resource[urn] = block
        return
    if not parts:
        return
    k = _find(resource, parts[0])
    if k is None or k in ALWAYS_RETURNED:
        return
    if len(parts) == 1:
        resource.pop(k)
        return
    value = resource[k]
    if isinstance(value, dict):
        value = dict(value)
        _drop_path(value, None, parts[1:])
        resource[k] = value
    elif isinstance(value, list):
        new = []
        for item in value:
            if isinstance(item, dict):
                item = dict(item)
                _drop_path(item, None, parts[1:])
            new.append(item)
        resource[k] = new


@dataclass(frozen=True)
class Page:
    start_index: int
    count: int
    # RFC 9865: the raw ``cursor`` parameter ("" asks for the first page), or None for index
    # paging. Decoded by the list view, which knows the query it must belong to.
    cursor: str | None = None

    @property
    def offset(self) -> int:
        return self.start_index - 1


def _integer(value, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidValue(f"{name} must be an integer.")
    if isinstance(value, int):
        return max(-MAX_START_INDEX, min(value, MAX_START_INDEX))
    text = value.strip()
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidValue(f"{name} must be an integer.")
    if len(digits) > 10:  # absurdly large: clamp rather than overflow the database
        return -MAX_START_INDEX if text.startswith("-") else MAX_START_INDEX
    return int(text)


def page_from(start_index, count, cursor=None) -> Page:
    """RFC 7644 §3.4.2.4: startIndex < 1 is 1; count < 0 is 0; count is capped at MAX_PAGE_SIZE.
    RFC 9865: ``cursor`` selects cursor paging instead; it cannot be combined with startIndex."""
    if cursor is not None:
        if not isinstance(cursor, str):
            raise InvalidCursor("cursor must be a string.")
        if start_index not in (None, ""):
            raise InvalidValue("Use either startIndex (index paging) or cursor (cursor paging), not both.")
    start = max(1, min(_integer(start_index, "startIndex", 1), MAX_START_INDEX))
    size = _integer(count, "count", app_settings.DEFAULT_PAGE_SIZE)
    size = max(0, min(size, app_settings.MAX_PAGE_SIZE))
    return Page(start, size, cursor)
