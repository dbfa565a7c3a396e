"""Issue 9: any id or path under /scim/v2/ answers a SCIM error, never Django's HTML 404.

Newlines, carriage returns, NUL and other percent-encoded junk in an id or a path reach the
SCIM views (``.`` in a URL pattern does not match a newline, so these used to fall through to
Django's own HTML 404)."""

import json

import pytest

from .users import USER, assert_error, organisation_state, patch_body

JUNK_IDS = [
    "%0A",
    "%0A//",
    "%0D%0A",
    "%C3%85%0D%0Aa",
    "a%0Ab",
    "%00",
    "x%00y",
    "%09",
    "%20",
    "%E2%80%AE",
    "%FF%FE",
    "%25%0A",
    "..%0A..",
    "%0A%0A%0A%0A",
]

PATHS = (
    [f"Users/{i}" for i in JUNK_IDS]
    + [f"Groups/{i}" for i in JUNK_IDS]
    + [f"Users/{i}/.search" for i in JUNK_IDS]
    + [f"Groups/{i}/.search" for i in JUNK_IDS]
    + [f"{i}" for i in JUNK_IDS]
    + [f"{i}/Users" for i in JUNK_IDS]
    + ["Users/%0A/x/y", "Groups/a/b/c%0A", "Nope%0A/", "%0A/%0A/%0A"]
)


# Bodies a real resource would accept, so that only the path can be wrong.
BODIES = {
    "put": {"schemas": [USER], "userName": "put@acme.example", "displayName": "Put"},
    "patch": patch_body({"op": "replace", "path": "displayName", "value": "Patched"}),
    "post": {"schemas": [USER], "userName": "post@acme.example"},
}


def _request(scim, method, path):
    url = f"/scim/v2/{path}"
    if method in ("get", "delete"):
        return getattr(scim, method)(url)
    return getattr(scim, method)(url, BODIES[method])


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "post"])
@pytest.mark.parametrize("path", PATHS)
def test_junk_ids_and_paths_answer_a_scim_404(scim, organisation, member, method, path):
    before = organisation_state(organisation)
    response = _request(scim, method, path)
    assert response.status_code in (404, 405), (response.status_code, response.content[:200])
    assert_error(response, response.status_code)
    assert organisation_state(organisation) == before


@pytest.mark.parametrize("path", ["Schemas/%0A", "ResourceTypes/%0A", "Schemas/a%0Ab", "ResourceTypes/User%0A"])
def test_junk_discovery_ids_answer_a_scim_404(scim, path):
    assert_error(scim.get(f"/scim/v2/{path}"), 404)


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "post"])
@pytest.mark.parametrize("path", ["Users/%0A//", "Groups/%C3%85%0D%0Aa/.search", "%0A", "Users/x%00y", "Users"])
def test_without_a_token_junk_paths_answer_a_scim_401(client, db, method, path):
    url = f"/scim/v2/{path}"
    if method in ("get", "delete"):
        response = getattr(client, method)(url)
    else:
        response = getattr(client, method)(url, json.dumps(BODIES[method]), content_type="application/scim+json")
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
