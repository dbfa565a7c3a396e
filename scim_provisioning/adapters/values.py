"""Checks of SCIM attribute values, shared by the adapters.

Each answers 400 ``invalidValue`` naming the attribute, never echoing the value (it may be
personal data). Attribute names compare case-insensitively (RFC 7643 §2.1): look keys up in
``lower_keys(obj)`` with lower-case names.
"""

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
