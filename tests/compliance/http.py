"""The one HTTP client of the compliance suites: real requests over a real socket.

Each identity provider's traffic is reproduced with its own headers (``OKTA``, ``OKTA_RUNSCOPE``,
``ENTRA``, from ``/work/shared/scim-clients.md`` §1.1, §1.2, §3.2), and every request can
override them, so a test reads like the wire capture it reproduces::

    okta = SCIMHttp(base_url, token=raw, profile=OKTA)
    r = okta.get("Users", params={"filter": 'userName eq "a@b.example"'})
    body = expect(r, 200)

Redirects are never followed: POST and PATCH cannot follow one, so a redirect is a failure the
suites must see. The standard library only (``urllib``), so nothing here needs pinning.
"""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

SCIM_JSON = "application/scim+json"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# What the clients put on the wire (scim-clients.md §1.1: an Okta engineer's capture).
OKTA = {
    "User-Agent": "Okta SCIM Client 1.0.0",
    "Accept": "application/scim+json",
    "Accept-Charset": "utf-8",
    "Accept-Encoding": "gzip,deflate",
    "Content-Type": "application/scim+json; charset=utf-8",
}
# Okta's Runscope/BlazeMeter test files (§3.2): another User-Agent, and POST bodies sent as
# plain application/json.
OKTA_RUNSCOPE = {
    "User-Agent": "OKTA SCIM Integration",
    "Accept-Charset": "utf-8",
    "Content-Type": "application/json",
}
# Microsoft Entra ID (§1.2, §4.3): bodies as application/scim+json, form-encoded queries.
ENTRA = {
    "Accept": "application/scim+json",
    "Content-Type": "application/scim+json",
}

# ``auth=`` values: the default sends "Bearer <token>"; these send something else.
BARE_TOKEN = object()  # the token with no scheme (Okta's custom-header mode, §1.1)
NO_AUTH = object()  # no Authorization header at all


@dataclass
class Response:
    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float
    request_body: bytes | None = None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def json(self):
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))

    def describe(self) -> str:
        """The exchange as text, for assertion messages."""
        sent = f"\n  sent: {self.request_body.decode('utf-8', 'replace')[:800]}" if self.request_body else ""
        text = self.body.decode("utf-8", "replace")[:1500]
        return f"{self.method} {self.url}{sent}\n  -> {self.status} {self.content_type}\n  {text}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass
class SCIMHttp:
    """A SCIM client bound to one base URL (ending in ``/scim/v2/``) and one token."""

    base_url: str
    token: str | None = None
    profile: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0  # Okta gives up after 60 s of silence (§3.7)

    def url(self, path: str, params=None, *, encoding: str = "form", query: str | None = None) -> str:
        """``path`` relative to the SCIM root (``Users``, ``Users/{id}``) or absolute (``/…``).

        ``params`` are encoded as a form (``+`` for spaces, as Entra and Runscope send them) or,
        with ``encoding="percent"``, with ``%20`` (Okta's own client). ``query`` is sent as is.
        """
        if path.startswith(("http://", "https://")):
            url = path
        elif path.startswith("/"):
            parts = urllib.parse.urlsplit(self.base_url)
            url = f"{parts.scheme}://{parts.netloc}{path}"
        else:
            url = self.base_url + path
        if params:
            quote = urllib.parse.quote if encoding == "percent" else urllib.parse.quote_plus
            query = urllib.parse.urlencode(params, quote_via=quote)
        if query:
            url += ("&" if "?" in url else "?") + query
        return url

    def request(self, method: str, path: str, body=None, *, params=None, encoding: str = "form",
                query: str | None = None, headers: dict | None = None, auth=None) -> Response:
        all_headers = dict(self.profile)
        if auth is None and self.token is not None:
            all_headers["Authorization"] = f"Bearer {self.token}"
        elif auth is BARE_TOKEN:
            all_headers["Authorization"] = self.token
        elif isinstance(auth, str):
            all_headers["Authorization"] = auth
        all_headers.update(headers or {})
        if body is None:
            data = None
            if method in ("GET", "DELETE"):
                all_headers.pop("Content-Type", None)
        elif isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = json.dumps(body).encode("utf-8")
        all_headers = {k: v for k, v in all_headers.items() if v is not None}
        url = self.url(path, params, encoding=encoding, query=query)
        req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
        started = time.perf_counter()
        try:
            with _opener.open(req, timeout=self.timeout) as resp:
                status, resp_headers, payload = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            status, resp_headers, payload = err.code, err.headers, err.read()
        elapsed = time.perf_counter() - started
        if (resp_headers.get("Content-Encoding") or "").lower() == "gzip":  # Okta accepts gzip
            payload = gzip.decompress(payload)
        return Response(method, url, status, {k.lower(): v for k, v in resp_headers.items()},
                        payload, elapsed, data)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body=None, **kwargs) -> Response:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body=None, **kwargs) -> Response:
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path: str, body=None, **kwargs) -> Response:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs) -> Response:
        return self.request("DELETE", path, **kwargs)


# --- assertions every client relies on (scim-clients.md §0, §2) --------------------------------

def expect(response: Response, status: int):
    """Assert the status code and that any body is ``application/scim+json`` (Entra requires it
    on every response, errors included); return the parsed body (None for an empty one)."""
    assert response.status == status, f"expected {status}\n{response.describe()}"
    if response.body:
        assert response.content_type.split(";")[0].strip() == SCIM_JSON, (
            f"expected Content-Type {SCIM_JSON}\n{response.describe()}")
        return response.json
    return None


def expect_error(response: Response, status: int) -> dict:
    """A SCIM error (RFC 7644 §3.12) as Okta's SPEC test checks it: the status code, the Error
    URN in ``schemas``, ``status`` as a *string*, and a non-empty ``detail``."""
    body = expect(response, status)
    assert isinstance(body, dict), response.describe()
    assert ERROR_URN in body.get("schemas", []), response.describe()
    assert body.get("status") == str(status), response.describe()
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), response.describe()
    return body


def expect_list(response: Response, *, total: int | None = None) -> dict:
    """A 200 ListResponse with integer paging fields and ``Resources`` always present."""
    body = expect(response, 200)
    assert body.get("schemas") == [LIST_URN], response.describe()
    for name in ("totalResults", "startIndex", "itemsPerPage"):
        assert type(body.get(name)) is int, f"{name} must be a JSON integer\n{response.describe()}"
    assert isinstance(body.get("Resources"), list), response.describe()
    if total is not None:
        assert body["totalResults"] == total, response.describe()
    return body


def okta_user_fields(user: dict, where: str = "") -> None:
    """The fields Okta's SPEC test requires non-empty on every User (§3.2 steps 1-2)."""
    for path in ("id", "userName", "active", "name.familyName", "name.givenName", "emails.0.value"):
        value = user
        for part in path.split("."):
            value = value[int(part)] if isinstance(value, list) else (value or {}).get(part)
        assert value not in (None, "", []), f"{where}: {path} is empty in {user}"
