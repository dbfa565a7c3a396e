"""Pure helpers for SCIM bearer tokens: generate, digest, hint. No database here.

A token is ``<prefix><43 url-safe characters>`` (256 bits from ``secrets``). Only its SHA-256
digest is stored; a 256-bit random secret needs no slow password hash. The hint (prefix and
last four characters) lets an administrator recognise a token without revealing it.
"""

import hashlib
import hmac
import secrets
import string

TOKEN_BYTES = 32  # 256 bits
# After the host's prefix: an OAuth access token is ``<prefix>at_…``, a client secret
# ``<prefix>cs_…``; a static token has neither (its body alone is 43 characters).
ACCESS_TOKEN_MARK = "at_"
CLIENT_SECRET_MARK = "cs_"
_BODY_LENGTH = 43  # len(secrets.token_urlsafe(32))
_ALPHABET = frozenset(string.ascii_letters + string.digits + "-_")


class RawToken(str):
    """A raw token: an ordinary ``str`` everywhere, except that its ``repr`` hides it.

    Reprs are what end up in logs by accident: Django's template engine logs the whole
    context at DEBUG when a variable is missing, and tracebacks and error reporters show the
    locals of every frame. The value itself (``str()``, templates, JSON) is unchanged.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "<RawToken (hidden)>"


def generate(prefix: str) -> RawToken:
    return RawToken(prefix + secrets.token_urlsafe(TOKEN_BYTES))


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def hint(raw: str, prefix: str) -> str:
    return f"{prefix}…{raw[-4:]}"


def is_well_formed(raw: str, prefix: str) -> bool:
    """True when ``raw`` has our shape; anything else is refused before the database."""
    if not raw.startswith(prefix):
        return False
    body = raw[len(prefix):]
    return len(body) == _BODY_LENGTH and all(c in _ALPHABET for c in body)


def digests_match(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii"), b.encode("ascii"))
