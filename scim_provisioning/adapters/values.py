"""Checks of SCIM attribute values, shared by the adapters.

Each answers 400 ``invalidValue`` naming the attribute, never echoing the value (it may be
personal data). Attribute names compare case-insensitively (RFC 7643 §2.1): look keys up in
``lower_keys(obj)`` with lower-case names.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ..errors import InvalidValue

TRUE_FALSE = {"true": True, "false": False}


def lower_keys(obj: dict) -> dict:
    """``obj`` with lower-cased keys (``"Primary"`` → ``"primary"``)."""
    return {key.lower(): value for key, value in obj.items()}


def max_length(model, field_name: str) -> int | None:
    """The column length of ``model.field_name``: SQLite would store longer strings silently
    and PostgreSQL would refuse them, so adapters check first."""
    return model._meta.get_field(field_name).max_length


def text(value, attr: str, *, limit: int | None = None, required: bool = False) -> str:
    """A string attribute; None (unassigned) is ``""``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidValue(f"{attr} must be a string.")
    if required and not value.strip():
        raise InvalidValue(f"{attr} is required and must not be empty.")
    if limit is not None and len(value) > limit:
        raise InvalidValue(f"{attr} is longer than {limit} characters.")
    return value


# Unicode categories a name shown to people must not contain: controls (Cc: tab, newline, C1),
# format characters (Cf: the bidi embeddings, overrides, isolates and marks U+202A-U+202E,
# U+2066-U+2069, U+200E/U+200F, U+061C; the zero-width U+200B-U+200D, U+2060, U+FEFF; soft
# hyphen, tags), line and paragraph separators, surrogates.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# Letters and marks that render as nothing (Unicode Default_Ignorable_Code_Point outside Cf).
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")


def name_text(value, attr: str, *, limit: int | None = None, required: bool = False) -> str:
    """A name the hub shows to people (userName, displayName): ``text`` that reads as what it
    is. It must not hide or reorder characters (a bidi override makes
    ``"\u202eelpmaxe.omed@renwo"`` display as ``owner@demo.example``; a zero-width space makes a
    second ``owner@demo.example``), nor begin or end with whitespace of any kind. Letters,
    marks and spaces of every script are fine (José, 山田, Zoë with a combining diaeresis)."""
    value = text(value, attr, limit=limit, required=required)
    for char in value:
        if unicodedata.category(char) in _HIDDEN_CATEGORIES or char in _INVISIBLE:
            label = unicodedata.name(char, "a control character")
            raise InvalidValue(
                f"{attr} must not contain control, bidirectional-formatting or invisible characters "
                f"(it contains U+{ord(char):04X}, {label})."
            )
    if value != value.strip():
        raise InvalidValue(f"{attr} must not begin or end with whitespace.")
    return value


def boolean(value, attr: str) -> bool:
    """true/false, or the strings "True"/"False" in any case (Entra without its
    aadOptscim062020 flag sends strings)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_FALSE:
        return TRUE_FALSE[value.strip().lower()]
    raise InvalidValue(f"{attr} must be true or false.")


def complex_value(value, attr: str) -> dict:
    """A complex attribute (an object); None (unassigned) is ``{}``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidValue(f"{attr} must be an object.")
    return lower_keys(value)


def email_address(value, attr: str, *, limit: int | None = None) -> str:
    address = text(value, attr, limit=limit, required=True)
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidValue(f"{attr} is not a valid e-mail address.")
    return address
