"""RFC 9865 cursor pagination: opaque, signed keyset positions.

A cursor names a position in the primary-key order of one query (resource type, tenant and
filter): ``after`` pk (the page after it, ``nextCursor``) or ``before`` pk (the page before
it, ``previousCursor``). Keyset positions make pages stable under concurrent writes: a row
that existed for the whole walk is returned exactly once, whatever is created or deleted
meanwhile, and no page costs an OFFSET scan. Cursors are signed with the project's secret
key (``django.core.signing``), so a client can neither forge one nor reuse it for another
organisation or filter (``invalidCursor``), and they expire after ``CURSOR_TIMEOUT`` seconds
(``expiredCursor``).
"""

import hashlib
from dataclasses import dataclass

from django.core import signing

from . import errors
from .conf import app_settings

SALT = "scim_provisioning.cursors"
MAX_LENGTH = 512  # ours are ~100 characters; anything longer is refused before unsigning


@dataclass(frozen=True)
class Cursor:
    after: object = None  # the page of rows with pk > after (None and before None: the first page)
    before: object = None  # the page of rows with pk < before, the page preceding a position


def scope(*, resource_type: str, organisation, filter_string: str | None) -> str:
    digest = hashlib.sha256((filter_string or "").encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{resource_type}:{organisation.pk}:{digest}"


def encode(*, scope: str, after=None, before=None) -> str:
    return signing.dumps({"s": scope, "a": after, "b": before}, salt=SALT, compress=False)


def decode(value: str, *, scope: str) -> Cursor:
    """The position ``value`` names; ``""`` is the first page (RFC 9865 §2.1)."""
    if value == "":
        return Cursor()
    if len(value) > MAX_LENGTH or not value.isascii():
        raise errors.InvalidCursor()
    try:
        data = signing.loads(value, salt=SALT, max_age=app_settings.CURSOR_TIMEOUT)
    except signing.SignatureExpired:
        raise errors.ExpiredCursor()
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise errors.InvalidCursor()
    if not isinstance(data, dict) or data.get("s") != scope:
        raise errors.InvalidCursor()
    return Cursor(after=data.get("a"), before=data.get("b"))
