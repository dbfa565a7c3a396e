"""SCIM latency benchmark (not a test): the requests of Okta's SPEC and CRUD tests, Okta's
lifecycle and Group Push, and Entra's provisioning/validator scenarios, replayed N times each
against a real WSGI server on 127.0.0.1, on an organisation of 10,000 users.

    make bench                                   # SQLite, in a temporary file
    .venv/bin/python bench/scim_latency.py -n 50
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/vxp_bench .venv/bin/python bench/scim_latency.py

The database is a throwaway: a temporary SQLite file, or the PostgreSQL database named by
``BENCH_DATABASE_URL`` (its name must contain "bench"; it is dropped, re-created, migrated and
dropped again at the end). It never touches ``DATABASE_URL``.

Seed: 10,000 users (bench/seed.py, each with a work e-mail), groups "All users" (every user),
"Engineering" (1,000), "Sales" (500), "Support" (3). Output: one row per request with p50 and
p95 over the N timed HTTP runs, the status codes seen, and the number of SQL statements the
request runs (counted once, in-process, with ``CaptureQueriesContext``). The Okta SPEC test's
budget is 600 ms per request (scim-clients.md §8). The script stops by itself: N is bounded and
the server is shut down at the end.
"""

import argparse
import math
import os
import secrets
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USERS = 10_000
MAX_RUNS = 500  # bounded, whatever -n says
BUDGET_MS = 600


def configure_environment(database_url: str) -> None:
    """Production-like settings (no DEBUG query log), loopback hosts only."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "vxp_hub.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    # Latency of one client replaying requests back to back, not the per-token rate limit.
    os.environ["SCIM_RATE_LIMIT"] = "off"
    os.environ["DJANGO_CONN_MAX_AGE"] = "0"  # one connection per request, as documented


# --- throwaway database -----------------------------------------------------------------------

def postgres_recreate(url: str, *, drop_only: bool = False) -> None:
    import psycopg
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"BENCH_DATABASE_URL must name a throwaway database containing 'bench', not {name!r}")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # pooled connections may linger
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


# --- seed -------------------------------------------------------------------------------------

@dataclass
class Seed:
    token: str
    user_ids: list[str]  # SCIM ids, in creation order
    user_names: list[str]
    external_ids: list[str]
    groups: dict[str, str]  # name -> SCIM id


def seed() -> Seed:
    """bench/seed.py's organisation and users (each with a work e-mail, all in "All users"),
    and three smaller teams of the first users."""
    from django.core.management import call_command

    sys.path.insert(0, str(ROOT / "bench"))
    import seed as seeding
    from scim_provisioning.models import SCIMUser
    from teams.models import Team, TeamMembership

    call_command("migrate", verbosity=0, interactive=False)
    info = seeding.ours(0, USERS)
    links = list(SCIMUser.objects.filter(organisation_id=info["org"]).order_by("pk")
                 .values_list("user_id", "scim_id", "user_name", "external_id"))
    groups = {"All users": info["group"]}
    for name, (start, end) in {"Engineering": (0, 1000), "Sales": (1000, 1500), "Support": (1500, 1503)}.items():
        team = Team.objects.create(organisation_id=info["org"], name=name)
        TeamMembership.objects.bulk_create([TeamMembership(team=team, user_id=link[0]) for link in links[start:end]])
        groups[name] = str(team.scim_id)
    return Seed(info["token"], [str(link[1]) for link in links], [link[2] for link in links],
                [link[3] for link in links], groups)


# --- the server -------------------------------------------------------------------------------

def quiet_expected_errors() -> None:
    """The replays answer 4xx on purpose (404, 401, 409); Django logs each at WARNING. Called
    after the last django.setup(), which resets logger levels."""
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)


def start_server():
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):
            pass

    httpd = WSGIServer(("127.0.0.1", 0), QuietHandler, ipv6=False)
    httpd.set_app(get_wsgi_application())
    thread = threading.Thread(target=httpd.serve_forever, name="bench-wsgi", daemon=True)
    thread.start()
    return httpd, thread


# --- the requests -----------------------------------------------------------------------------

@dataclass
class Call:
    method: str
    path: str  # relative to /scim/v2/
    query: str | None = None
    body: object = None
    headers: dict = field(default_factory=dict)
    auth: object = None  # None: Bearer token; a string: the raw header value


@dataclass
class Scenario:
    suite: str
    name: str
    expected: tuple[int, ...]
    make: Callable[[int], Call]  # iteration number -> the request
    after: Callable[[int, dict | None], None] | None = None  # sees each response body


def q(**params) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def q_percent(**params) -> str:
    from urllib.parse import quote, urlencode

    return urlencode(params, quote_via=quote)


def scenarios(s: Seed) -> list[Scenario]:
    from tests.compliance.http import ENTERPRISE_URN, GROUP_URN, OKTA, OKTA_RUNSCOPE, ENTRA, PATCH_URN, USER_URN

    run_tag = secrets.token_hex(3)
    created_groups: list[str] = []
    created_users: list[str] = []
    u = s.user_ids
    all_users, engineering, sales, support = (s.groups[n] for n in ("All users", "Engineering", "Sales", "Support"))

    def okta_user_body(i, prefix):
        login = f"{prefix}.{run_tag}.{i}@okta.local"
        return {"schemas": [USER_URN], "userName": login, "name": {"givenName": "Test", "familyName": "User"},
                "emails": [{"primary": True, "value": login, "type": "work"}], "displayName": "Test User",
                "locale": "en-US", "externalId": f"00u{run_tag}{i}", "groups": [], "password": "1mz050nq",
                "active": True}

    def entra_user_body(i):
        name = f"Test_User_{uuid.uuid4()}"
        return {"schemas": [USER_URN, ENTERPRISE_URN], "externalId": str(uuid.uuid4()), "userName": name,
                "active": True, "emails": [{"primary": True, "type": "work", "value": f"{name}@testuser.com"}],
                "meta": {"resourceType": "User"}, "roles": [],
                "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"}}

    def patch(*ops):
        return {"schemas": [PATCH_URN], "Operations": list(ops)}

    def keep(store):
        return lambda i, body: store.append(body["id"]) if body and "id" in body else None

    def take(store):
        # What an earlier POST created; a random id (a 404) if the POSTs failed.
        return store.pop() if store else str(uuid.uuid4())

    caps = s.user_names[7].upper()
    spec, crud, push, entra = "Okta SPEC", "Okta CRUD/lifecycle", "Okta Group Push", "Entra"
    R, O, E = OKTA_RUNSCOPE, OKTA, ENTRA
    return [
        # Okta SPEC test (§3.2) and its 2016 discovery steps
        Scenario(spec, "GET /Users?startIndex=1&count=2 (Test API Credentials)", (200,),
                 lambda i: Call("GET", "Users", q(startIndex=1, count=2), headers=R)),
        Scenario(spec, "1  GET /Users?count=1&startIndex=1", (200,),
                 lambda i: Call("GET", "Users", q(count=1, startIndex=1), headers=R)),
        Scenario(spec, "2  GET /Users/{id}", (200,), lambda i: Call("GET", f"Users/{u[i % 100]}", headers=R)),
        Scenario(spec, "3  GET /Users?filter=userName eq (no match)", (200,),
                 lambda i: Call("GET", "Users", q(filter='userName eq "abcdefgh@example.com"'), headers=R)),
        Scenario(spec, "4  GET /Users/{unknown id}", (404,),
                 lambda i: Call("GET", "Users/010101001010101011001010101011", headers=R)),
        Scenario(spec, "6  POST /Users (application/json)", (201,),
                 lambda i: Call("POST", "Users", body=okta_user_body(i, "spec"), headers=R), keep(created_users)),
        Scenario(spec, "8  POST /Users duplicate", (409,),
                 lambda i: Call("POST", "Users", body=okta_user_body(0, "spec"), headers=R)),
        Scenario(spec, "9  GET /Users?filter=userName eq CAPS", (200,),
                 lambda i: Call("GET", "Users", q(filter=f'userName eq "{caps}"'), headers=R)),
        Scenario(spec, "10 GET /Groups (no paging; 10,000-member group)", (200,),
                 lambda i: Call("GET", "Groups", headers=R)),
        Scenario(spec, "11 GET /Users with Authorization: non-token", (401,),
                 lambda i: Call("GET", "Users", q(filter=f'userName eq "{caps}"'), headers=R, auth="non-token")),
        Scenario(spec, "12 GET /Users/00919288221112222", (404,),
                 lambda i: Call("GET", "Users/00919288221112222", headers=R)),
        Scenario(spec, "GET /ServiceProviderConfig", (200,), lambda i: Call("GET", "ServiceProviderConfig", headers=R)),
        Scenario(spec, "GET /ResourceTypes", (200,), lambda i: Call("GET", "ResourceTypes", headers=R)),
        Scenario(spec, "GET /Schemas", (200,), lambda i: Call("GET", "Schemas", headers=R)),
        Scenario(spec, "POST /Schemas", (405,), lambda i: Call("POST", "Schemas", body={}, headers=R)),
        # Okta CRUD test and lifecycle (§3.3, §3.4)
        Scenario(crud, "GET /Users?filter=userName eq &startIndex=1&count=100", (200,),
                 lambda i: Call("GET", "Users", q_percent(filter=f'userName eq "{s.user_names[i]}"', startIndex=1,
                                                         count=100), headers=O)),
        Scenario(crud, "GET /Users?filter=externalId eq", (200,),
                 lambda i: Call("GET", "Users", q_percent(filter=f'externalId eq "{s.external_ids[i]}"'), headers=O)),
        Scenario(crud, "GET /Users?startIndex=1&count=100 (import)", (200,),
                 lambda i: Call("GET", "Users", q(startIndex=1, count=100), headers=O)),
        Scenario(crud, "GET /Users?startIndex=9901&count=100 (import, last page)", (200,),
                 lambda i: Call("GET", "Users", q(startIndex=9901, count=100), headers=O)),
        Scenario(crud, "PUT /Users/{id} (profile update)", (200,),
                 lambda i: Call("PUT", f"Users/{u[200]}", body={
                     "schemas": [USER_URN], "id": u[200], "userName": s.user_names[200],
                     "name": {"givenName": f"Another{i}", "middleName": "Excited", "familyName": "User"},
                     "emails": [{"primary": True, "value": s.user_names[200], "type": "work"}],
                     "active": True, "groups": [], "meta": {"resourceType": "User"}}, headers=O)),
        Scenario(crud, "PATCH /Users/{id} path-less active false/true", (200, 204),
                 lambda i: Call("PATCH", f"Users/{u[201]}", body=patch(
                     {"op": "replace", "value": {"active": i % 2 == 1}}), headers=O)),
        # Okta Group Push (§3.5)
        Scenario(push, "GET /Groups?startIndex=1&count=100 (import)", (200,),
                 lambda i: Call("GET", "Groups", q(startIndex=1, count=100), headers=O)),
        Scenario(push, "GET /Groups?filter=displayName eq", (200,),
                 lambda i: Call("GET", "Groups", q_percent(filter='displayName eq "Engineering"', startIndex=1,
                                                          count=100), headers=O)),
        Scenario(push, "POST /Groups", (201,),
                 lambda i: Call("POST", "Groups", body={"schemas": [GROUP_URN], "displayName": f"Push {run_tag} {i}",
                                                        "members": []}, headers=O), keep(created_groups)),
        Scenario(push, "PATCH /Groups/{10k} remove filter + add", (200, 204),
                 lambda i: Call("PATCH", f"Groups/{all_users}", body=patch(
                     {"op": "remove", "path": f'members[value eq "{u[300 + i]}"]'},
                     {"op": "add", "path": "members", "value": [{"value": u[300 + i], "display": "x"}]}),
                     headers=O)),
        Scenario(push, "PATCH /Groups/{10k} rename (path-less, with id)", (200, 204),
                 lambda i: Call("PATCH", f"Groups/{all_users}", body=patch(
                     {"op": "replace", "value": {"id": all_users, "displayName": f"All users {'AB'[i % 2]}"}}),
                     headers=O)),
        Scenario(push, "PATCH /Groups/{500} replace members (Push now, 500)", (200, 204),
                 lambda i: Call("PATCH", f"Groups/{sales}", body=patch(
                     {"op": "replace", "path": "members", "value": [{"value": x} for x in u[1000:1500]]}),
                     headers=O)),
        Scenario(push, "PUT /Groups/{3} (AIW)", (200,),
                 lambda i: Call("PUT", f"Groups/{support}", body={
                     "schemas": [GROUP_URN], "displayName": "Support",
                     "members": [{"value": x, "display": "x"} for x in u[1500:1503]]}, headers=O)),
        Scenario(push, "GET /Groups/{10k}", (200,), lambda i: Call("GET", f"Groups/{all_users}", headers=O)),
        Scenario(push, "DELETE /Groups/{id} (unlink)", (204,),
                 lambda i: Call("DELETE", f"Groups/{take(created_groups)}", headers=O)),
        # Entra (§4.1, §4.3, §4.4, §4.9)
        Scenario(entra, "GET /Users?filter=userName eq <guid> (Test Connection)", (200,),
                 lambda i: Call("GET", "Users", q(filter=f'userName eq "{uuid.uuid4()}"'), headers=E)),
        Scenario(entra, "GET /Groups?excludedAttributes=members&filter=displayName eq", (200,),
                 lambda i: Call("GET", "Groups", q(excludedAttributes="members", filter='displayName eq "Engineering"'),
                                headers=E)),
        Scenario(entra, 'GET /Users?filter=emails[type eq "work"].value eq', (200,),
                 lambda i: Call("GET", "Users", q(filter=f'emails[type eq "work"].value eq "{s.user_names[i]}"'),
                                headers=E)),
        Scenario(entra, "POST /Users", (201,), lambda i: Call("POST", "Users", body=entra_user_body(i), headers=E),
                 keep(created_users)),
        Scenario(entra, "PATCH /Users/{id} Replace work email + familyName", (200,),
                 lambda i: Call("PATCH", f"Users/{u[400]}", body=patch(
                     {"op": "Replace", "path": 'emails[type eq "work"].value', "value": f"upd{i}@microsoft.com"},
                     {"op": "Replace", "path": "name.familyName", "value": f"Family{i}"}), headers=E)),
        Scenario(entra, 'PATCH /Users/{id} Replace active "False"/"True"', (200,),
                 lambda i: Call("PATCH", f"Users/{u[401]}", body=patch(
                     {"op": "Replace", "path": "active", "value": "True" if i % 2 else "False"}), headers=E)),
        Scenario(entra, "PATCH /Users/{id} empty Operations", (200, 204),
                 lambda i: Call("PATCH", f"Users/{u[402]}", body=patch(), headers=E)),
        Scenario(entra, "PATCH /Groups/{1000} Add member", (204,),
                 lambda i: Call("PATCH", f"Groups/{engineering}", body=patch(
                     {"op": "Add", "path": "members", "value": [{"$ref": None, "value": u[5000 + i]}]}), headers=E)),
        Scenario(entra, "PATCH /Groups/{1000} Remove member (value array)", (204,),
                 lambda i: Call("PATCH", f"Groups/{engineering}", body=patch(
                     {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": u[5000 + i]}]}),
                     headers=E)),
        Scenario(entra, "GET /Groups/{10k}?excludedAttributes=members", (200,),
                 lambda i: Call("GET", f"Groups/{all_users}", q(excludedAttributes="members"), headers=E)),
        Scenario(entra, "DELETE /Users/{id}", (204,),
                 lambda i: Call("DELETE", f"Users/{take(created_users)}", headers=E)),
    ]


# --- running ----------------------------------------------------------------------------------

def count_queries(call: Call, token: str):
    """One in-process run of ``call`` with the Django test client; (status, body, statements)."""
    import json

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    headers = {k.upper().replace("-", "_"): v for k, v in call.headers.items() if k.lower() != "content-type"}
    extra = {f"HTTP_{k}": v for k, v in headers.items()}
    extra["HTTP_AUTHORIZATION"] = call.auth if isinstance(call.auth, str) else f"Bearer {token}"
    path = f"/scim/v2/{call.path}" + (f"?{call.query}" if call.query else "")
    data = json.dumps(call.body) if call.body is not None else ""
    content_type = call.headers.get("Content-Type", "application/scim+json")
    with CaptureQueriesContext(connection) as ctx:
        response = Client().generic(call.method, path, data, content_type=content_type, **extra)
        # A large group streams: its member statements run while the body is read.
        raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = json.loads(raw) if raw else None
    return response.status_code, body, len(ctx.captured_queries)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "50")),
                        help="timed runs per request (default 50, at most 500)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a request answers an unexpected status")
    args = parser.parse_args()
    runs = max(1, min(args.runs, MAX_RUNS))

    bench_url = os.environ.get("BENCH_DATABASE_URL")
    tmp = None
    if bench_url:
        postgres_recreate(bench_url)
        database_url = bench_url
    else:
        tmp = tempfile.TemporaryDirectory(prefix="scim-bench-")
        database_url = f"sqlite:///{tmp.name}/bench.sqlite3"
    configure_environment(database_url)

    import django

    django.setup()
    from django.db import connection, connections

    from tests.compliance.http import SCIMHttp

    started = time.perf_counter()
    data = seed()
    print(f"Seeded {USERS:,} users and 4 groups on {connection.vendor} in {time.perf_counter() - started:.1f} s; "
          f"{runs} timed runs per request, server on 127.0.0.1.", flush=True)

    httpd, thread = start_server()
    quiet_expected_errors()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/scim/v2/"
    rows, mismatches = [], []
    try:
        for scenario in scenarios(data):
            status, body, statements = count_queries(scenario.make(runs), data.token)
            if scenario.after:
                scenario.after(runs, body)
            timings, statuses = [], Counter()
            for i in range(runs):
                call = scenario.make(i)
                client = SCIMHttp(base, token=data.token, profile=call.headers)
                response = client.request(call.method, call.path, call.body, query=call.query,
                                          auth=call.auth if isinstance(call.auth, str) else None)
                timings.append(response.elapsed * 1000)
                statuses[response.status] += 1
                if scenario.after:
                    scenario.after(i, response.json if response.body else None)
            if any(code not in scenario.expected for code in [status, *statuses]):
                mismatches.append(f"{scenario.suite}: {scenario.name}: got {dict(statuses)} (counted run: "
                                  f"{status}), expected {list(scenario.expected)}")
            rows.append((scenario.suite, scenario.name, statuses, percentile(timings, 50),
                         percentile(timings, 95), statements))
            print(f"  {scenario.suite:20} {scenario.name:62} p95 {percentile(timings, 95):8.1f} ms", flush=True)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
        connections.close_all()

    print()
    print("| Suite | Request | Status | p50 ms | p95 ms | SQL |")
    print("|---|---|---|---:|---:|---:|")
    for suite, name, statuses, p50, p95, statements in rows:
        seen = ", ".join(f"{code}" + (f"x{n}" if len(statuses) > 1 else "") for code, n in sorted(statuses.items()))
        flag = " **>600**" if p95 > BUDGET_MS else ""
        print(f"| {suite} | `{name}` | {seen} | {p50:.1f} | {p95:.1f}{flag} | {statements} |")
    slowest = max(rows, key=lambda r: r[4])
    print(f"\nSlowest p95: {slowest[1]} ({slowest[4]:.1f} ms); Okta's budget is {BUDGET_MS} ms per request.")
    if mismatches:
        print("\nUnexpected status codes:")
        for line in mismatches:
            print(f"  {line}")

    if bench_url:
        postgres_recreate(bench_url, drop_only=True)
    if tmp is not None:
        tmp.cleanup()
    return 1 if (args.strict and mismatches) else 0


if __name__ == "__main__":
    sys.exit(main())
