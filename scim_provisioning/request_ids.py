"""The request id of a SCIM request: what the client is answered in ``X-Request-Id`` and what
every activity-log line written for the request stores, so that a customer can send support
a request id instead of a token.

The client's own id is kept when it sent a well-formed one (1 to 64 characters of
``A-Z a-z 0-9 . _ : -``: it fits the log's column and cannot inject anything into a header,
a log or a page); otherwise (Okta and Entra send none) the id is a new UUID4 in hex.
"""

import re
import uuid

HEADER = "X-Request-Id"
_META_KEY = "HTTP_X_REQUEST_ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_from(meta) -> str:
    """The id for a request whose WSGI environ / ``request.META`` is ``meta``."""
    given = meta.get(_META_KEY, "")
    if isinstance(given, str) and _WELL_FORMED.fullmatch(given):
        return given
    return uuid.uuid4().hex
