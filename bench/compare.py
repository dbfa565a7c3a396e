"""Side by side: this project against stock django-scim2 0.23.0 (bench/stock_scim/), one run.

    .venv/bin/python bench/compare.py                          # SQLite, 5,000 users, 15 rounds
    .venv/bin/python bench/compare.py --database postgres --pg-prefix wt_i11_bench --users 100000

Each project gets its own throwaway database (SQLite files in a temporary directory, or
PostgreSQL databases ``<prefix>_ours`` / ``<prefix>_stock``; the prefix must contain "bench";
they are dropped at the end), is seeded in its own subprocess with the same data (N users with
an e-mail, one group holding every user; bulk_create in large batches), and is served the same
way: ``manage.py runserver --noreload`` with DEBUG off, as a subprocess on 127.0.0.1. Requests
run in interleaved rounds (ours, stock, ours, stock, ...); the table gives p50/p95 per project
and the ratio stock/ours of the medians (higher = we are faster). Bounded: rounds <= 100,
concurrent creates <= 5,000, a per-request timeout; servers are stopped at the end.

Timings only; bench/scale.py runs the same side by side at 10,000 / 100,000 / 1,000,000 users
with SQL statement counts and peak memory per request (seeding: bench/seed.py).
"""

import argparse
import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOCK = ROOT / "bench" / "stock_scim"
PY = sys.executable
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
SAMPLE = 200  # users whose ids the timed requests use


def env_for(project: str, db_url: str, port: int, token: str) -> dict:
    env = dict(os.environ, DATABASE_URL=db_url, DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
               DJANGO_ALLOWED_HOSTS="127.0.0.1,testserver", DJANGO_SECURE_SSL_REDIRECT="0", SCIM_RATE_LIMIT="off",
               DJANGO_CONN_MAX_AGE="0",
               PYTHONPATH=str(ROOT))
    if project == "stock":
        env.update(STOCK_SCIM_TOKEN=token, STOCK_SCIM_NETLOC=f"127.0.0.1:{port}",
                   DJANGO_SETTINGS_MODULE="stockproj.settings", PYTHONPATH=str(STOCK))
    else:
        env["DJANGO_SETTINGS_MODULE"] = "vxp_hub.settings"
    return env


# --- seeding (runs in a subprocess: one Django project per process) ------------------------------

def seed_ours(n: int, token: str) -> dict:
    """Our project with ``n`` users in one team, seeded as bench/scale.py seeds it (bench/seed.py:
    the hub's users and their SCIM users, one e-mail each)."""
    from django.core.management import call_command

    import seed as seeding

    call_command("migrate", verbosity=0, interactive=False)
    info = seeding.ours(0, n)
    names = [seeding.user_name(i) for i in range(min(n, SAMPLE))]
    return {"token": info["token"], "ids": seeding.ours_sample(names), "names": names, "group": info["group"]}


def seed_stock(n: int, token: str) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.core.management.color import no_style

    from stockapp.models import Group, User

    call_command("migrate", verbosity=0, interactive=False)
    User.objects.create(username="scim-service", is_staff=True, scim_id="service")
    group = Group.objects.create(name="All users")
    Through = User.scim_groups.through
    base = User.objects.latest("pk").pk + 1
    chunk = 20_000
    for start in range(0, n, chunk):
        ids = range(base + start, base + min(n, start + chunk))
        User.objects.bulk_create(
            [User(id=pk, username=f"user{pk - base:07}@bench.example", first_name="Bench",
                  last_name=f"User{pk - base:07}", email=f"user{pk - base:07}@bench.example", password="!",
                  scim_id=str(pk), scim_username=f"user{pk - base:07}@bench.example",
                  scim_external_id=f"ext{pk - base:08}") for pk in ids], batch_size=5000)
        Through.objects.bulk_create([Through(user_id=pk, group_id=group.pk) for pk in ids], batch_size=5000)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [User, Through]):
            cursor.execute(sql)
    sample = list(User.objects.exclude(username="scim-service").order_by("pk").values_list("scim_id", "username")[:SAMPLE])
    return {"token": token, "ids": [s for s, _ in sample], "names": [u for _, u in sample], "group": group.scim_id}


def seed_main(project: str, n: int, token: str, out: str) -> None:
    import django

    django.setup()
    data = seed_ours(n, token) if project == "ours" else seed_stock(n, token)
    Path(out).write_text(json.dumps(data))


# --- databases, servers ---------------------------------------------------------------------------

def pg_admin(prefix: str, *, create: bool) -> dict:
    import psycopg

    names = {p: f"{prefix}_{p}" for p in ("ours", "stock")}
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # pooled connections may linger
            if create:
                conn.execute(f'CREATE DATABASE "{name}"')
    return {p: f"postgres://postgres@127.0.0.1:5432/{n}" for p, n in names.items()}


def start_server(project: str, env: dict, port: int) -> subprocess.Popen:
    manage = ROOT / "manage.py" if project == "ours" else STOCK / "manage.py"
    proc = subprocess.Popen([PY, str(manage), "runserver", "--noreload", f"127.0.0.1:{port}"], env=env,
                            cwd=str(manage.parent), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/scim/v2/ServiceProviderConfig", timeout=2)
            return proc
        except urllib.error.HTTPError:
            return proc  # it answers (401 without a token): it is up
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"{project} server did not start on port {port}")


def request(base: str, token: str, method: str, path: str, body=None, timeout: float = 60.0):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Accept": "application/scim+json",
        "Content-Type": "application/scim+json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        e.read()
        status = e.code
    return status, (time.perf_counter() - started) * 1000


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


def user_body(tag: str, i: int) -> dict:
    login = f"new.{tag}.{i}@bench.example"
    return {"schemas": [USER_URN], "userName": login, "name": {"givenName": "New", "familyName": f"User{i}"},
            "emails": [{"primary": True, "value": login, "type": "work"}], "active": True}


def requests_for(n: int, seed: dict, ours: bool):
    """(label, method, path-maker, body-maker) per timed request; i is the round number."""
    from urllib.parse import quote

    ids, names, group = seed["ids"], seed["names"], seed["group"]
    tag = secrets.token_hex(3)
    rows = [
        ("GET /Users/{id}", "GET", lambda i: f"Users/{ids[i % len(ids)]}", None),
        ('GET /Users?filter=userName eq "…"', "GET",
         lambda i: "Users?filter=" + quote(f'userName eq "{names[-1 - i % len(names)]}"'), None),
        ("POST /Users", "POST", lambda i: "Users", lambda i: user_body(tag, i)),
        ("GET /Users?startIndex=1&count=100", "GET", lambda i: "Users?startIndex=1&count=100", None),
        ("GET /Groups/{id}", "GET", lambda i: f"Groups/{group}", None),
        ("GET /Groups?excludedAttributes=members", "GET", lambda i: "Groups?excludedAttributes=members", None),
    ]
    if ours:
        rows += [
            ("GET /Users?count=1", "GET", lambda i: "Users?count=1", None),
            (f"GET /Users?startIndex={max(1, n - 99)}&count=100", "GET",
             lambda i: f"Users?startIndex={max(1, n - 99)}&count=100", None),
            ("GET /Groups?count=10", "GET", lambda i: "Groups?count=10", None),
        ]
    return rows


def concurrent_creates(base: str, token: str, count: int, tag: str) -> tuple[float, dict]:
    statuses: dict = {}
    lock = threading.Lock()

    def one(i):
        status, _ = request(base, token, "POST", "Users", user_body(tag, i))
        with lock:
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, range(count)))
    return count / (time.perf_counter() - started), statuses


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "_seed":
        seed_main(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, default=5000, help="users (and group members); up to 1,000,000")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (at most 100)")
    parser.add_argument("--creates", type=int, default=500, help="POST /Users over 4 connections (at most 5,000)")
    parser.add_argument("--pg-prefix", default="compare_bench", help='PostgreSQL database name prefix (contains "bench")')
    parser.add_argument("--ports", default="8950,8951", help="ports for ours,stock")
    args = parser.parse_args()
    n = max(1, min(args.users, 1_000_000))
    rounds = max(1, min(args.rounds, 100))
    creates = max(0, min(args.creates, 5000))
    ports = dict(zip(("ours", "stock"), map(int, args.ports.split(","))))

    tmp = tempfile.TemporaryDirectory(prefix="scim-compare-")
    if args.database == "postgres":
        if "bench" not in args.pg_prefix:
            sys.exit('--pg-prefix must contain "bench"')
        urls = pg_admin(args.pg_prefix, create=True)
    else:
        urls = {p: f"sqlite:///{tmp.name}/{p}.sqlite3" for p in ("ours", "stock")}
    token = secrets.token_urlsafe(32)
    servers, seeds = {}, {}
    try:
        for project in ("ours", "stock"):
            started = time.perf_counter()
            out = f"{tmp.name}/{project}.json"
            env = env_for(project, urls[project], ports[project], token)
            cwd = ROOT if project == "ours" else STOCK
            subprocess.run([PY, str(Path(__file__).resolve()), "_seed", project, str(n), token, out], env=env,
                           cwd=str(cwd), check=True)
            seeds[project] = json.loads(Path(out).read_text())
            print(f"Seeded {project}: {n:,} users, one {n:,}-member group on {args.database} in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            servers[project] = start_server(project, env, ports[project])
        bases = {p: f"http://127.0.0.1:{ports[p]}/scim/v2/" for p in servers}
        plans = {p: requests_for(n, seeds[p], p == "ours") for p in servers}
        timings = {p: {label: [] for label, *_ in plans[p]} for p in servers}
        statuses = {p: {label: set() for label, *_ in plans[p]} for p in servers}
        for i in range(rounds):
            for k in range(len(plans["ours"])):
                for project in ("ours", "stock"):
                    if k >= len(plans[project]):
                        continue
                    label, method, path, body = plans[project][k]
                    status, ms = request(bases[project], seeds[project]["token"], method, path(i),
                                         body(i) if body else None)
                    timings[project][label].append(ms)
                    statuses[project][label].add(status)
            print(f"  round {i + 1}/{rounds}", flush=True)
        rates = {}
        if creates:
            for project in ("ours", "stock"):
                rates[project] = concurrent_creates(bases[project], seeds[project]["token"], creates,
                                                    secrets.token_hex(3))
    finally:
        for proc in servers.values():
            proc.terminate()
        for proc in servers.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if args.database == "postgres":
            pg_admin(args.pg_prefix, create=False)
        tmp.cleanup()

    print(f"\n{n:,} users, one {n:,}-member group, {args.database}, {rounds} interleaved rounds, "
          f"runserver --noreload, DEBUG off\n")
    print("| Request | Ours p50 | Ours p95 | Stock p50 | Stock p95 | Ratio (stock/ours p50) | Status ours/stock |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for label, *_ in plans["ours"]:
        o = timings["ours"][label]
        s = timings["stock"].get(label)
        so = ",".join(map(str, sorted(statuses["ours"][label])))
        if s:
            ss = ",".join(map(str, sorted(statuses["stock"][label])))
            ratio = percentile(s, 50) / percentile(o, 50)
            print(f"| `{label}` | {percentile(o, 50):.1f} ms | {percentile(o, 95):.1f} ms | {percentile(s, 50):.1f} ms"
                  f" | {percentile(s, 95):.1f} ms | {ratio:.2f} | {so}/{ss} |")
        else:
            print(f"| `{label}` | {percentile(o, 50):.1f} ms | {percentile(o, 95):.1f} ms | – | – | – | {so} |")
    if rates:
        (ro, so), (rs, ss) = rates["ours"], rates["stock"]
        print(f"| {creates:,} `POST /Users` over 4 connections | {ro:.1f} users/s | | {rs:.1f} users/s | | "
              f"{ro / rs:.2f} (ours/stock) | {so}/{ss} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
