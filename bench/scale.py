"""The hot SCIM requests at 10,000 / 100,000 / 1,000,000 users, optionally side by side with stock
django-scim2 0.23.0 (bench/stock_scim/), in one run (issue 11).

    .venv/bin/python bench/scale.py --users 10000,100000 --database postgres --compare
    .venv/bin/python bench/scale.py --users 10000,100000,1000000 --database postgres --compare \\
        --json /tmp/scale.json          # stock only up to --compare-max (100,000 by default)
    make bench-scale SCALE_ARGS="--users 10000 --database sqlite --compare"

Per size and project:
- seed (bench/seed.py, bulk SQL) -- the database grows from one size to the next, so 1,000,000
  costs the 900,000 new rows only; seeding time is printed;
- in-process, Django test client on the same database, in a subprocess of that project:
  SQL statements of one request (``CaptureQueriesContext``) and the peak of Python memory
  allocated during one further request (``tracemalloc``), after one warm-up call;
- over HTTP: ``manage.py runserver --noreload``, DEBUG off, CONN_MAX_AGE 0 for both projects
  (bench/compare.py's ``env_for``/``start_server``), interleaved rounds ours/stock; p50/p95 per
  request. A request stops being sampled for a project once it has spent ``--budget`` seconds
  and has at least 5 samples (stock's group reads take seconds at 100,000 members).
  ``--order request`` (the default) takes each request's rounds together, ours and stock
  alternating, so that every sample follows the same request of the other project: with
  ``--order round`` (every request once a round) ours' small requests follow stock's
  140-360 ms list and group reads, which costs them ~1 ms on this 2-CPU machine (ours' POST
  5.9 ms when stock skips those reads, 6.7 ms when it does not: bench/PROFILE.md, pass 4);
- 4 connections posting ``--creates`` users at once: users/s and p50/p95 of those POSTs.

Databases: PostgreSQL ``<--pg-name>`` (ours) and ``<--pg-name>_stock``, name containing "bench",
dropped and re-created at the start and dropped at the end (``--keep`` keeps them); SQLite:
temporary files. Ratio = stock p50 / ours p50 (higher = we are faster).
"""
import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from compare import env_for, percentile, request, start_server, user_body  # noqa: E402

PY = sys.executable
SAMPLE = 200
MIN_SAMPLES = 5
LOOKUP, READ, CREATE, CONCURRENT = ('GET /Users?filter=userName eq "…"', "GET /Users/{id}", "POST /Users",
                                    "POST /Users, 4 connections")
LIST, DEEP, GROUP, GROUPS = ("GET /Users?startIndex=1&count=100", "GET /Users?startIndex=N-99&count=100",
                             "GET /Groups/{id}", "GET /Groups?excludedAttributes=members")
COUNT1, GROUPS10 = "GET /Users?count=1", "GET /Groups?count=10"
ORDER = [LOOKUP, READ, CREATE, CONCURRENT, COUNT1, LIST, DEEP, GROUP, GROUPS, GROUPS10]


def plan(n: int, seed: dict, tag: str):
    """(label, method, path(i), body(i) or None) of every request but the concurrent creates."""
    ids, names, group = seed["ids"], seed["names"], seed["group"]
    return [
        (LOOKUP, "GET", lambda i: "Users?filter=" + quote(f'userName eq "{names[-1 - i % len(names)]}"'), None),
        (READ, "GET", lambda i: f"Users/{ids[i % len(ids)]}", None),
        (CREATE, "POST", lambda i: "Users", lambda i: user_body(tag, i)),
        (COUNT1, "GET", lambda i: "Users?count=1", None),
        (LIST, "GET", lambda i: "Users?startIndex=1&count=100", None),
        (DEEP, "GET", lambda i: f"Users?startIndex={max(1, n - 99)}&count=100", None),
        (GROUP, "GET", lambda i: f"Groups/{group}", None),
        (GROUPS, "GET", lambda i: "Groups?excludedAttributes=members", None),
        (GROUPS10, "GET", lambda i: "Groups?count=10", None),  # the members too: the group of all users
    ]


# --- in a subprocess of one project: seed, then count statements and memory -----------------------

def prepare(project: str, start: int, end: int, token: str, out: str) -> None:
    import tracemalloc

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import seed as seeding

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    info = seeding.ours(start, end) if project == "ours" else seeding.stock(start, end)
    seed_s = time.perf_counter() - started
    step = max(1, end // SAMPLE)
    names = [seeding.user_name(i) for i in range(0, end, step)][:SAMPLE]
    ids = seeding.ours_sample(names) if project == "ours" else seeding.stock_sample(names)
    data = {"token": str(info.get("token", token)), "group": info["group"], "ids": ids, "names": names,
            "seed_s": seed_s, "sql": {}, "peak_kib": {}, "status": {}}
    client = Client(HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    for label, method, path, body in plan(end, data, "ip" + secrets.token_hex(3)):
        def call(i):
            payload = json.dumps(body(i)) if body else ""
            return client.generic(method, "/scim/v2/" + path(i), payload, content_type="application/scim+json")

        call(0)  # warm-up: one-off work of the first request of its kind (not counted)
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            response = call(1)
        data["sql"][label] = len(ctx.captured_queries)
        data["status"][label] = response.status_code
        tracemalloc.start()
        tracemalloc.reset_peak()
        call(2)
        data["peak_kib"][label] = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
    data["sql"][CONCURRENT], data["peak_kib"][CONCURRENT] = data["sql"][CREATE], data["peak_kib"][CREATE]
    Path(out).write_text(json.dumps(data))


# --- databases ------------------------------------------------------------------------------------

def pg_reset(names, *, create: bool) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # pooled connections may linger
            if create:
                conn.execute(f'CREATE DATABASE "{name}"')


def concurrent_creates(base: str, token: str, count: int, tag: str) -> dict:
    timings, statuses, lock = [], {}, threading.Lock()

    def one(i):
        status, ms = request(base, token, "POST", "Users", user_body(tag, i))
        with lock:
            timings.append(ms)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, range(count)))
    return {"per_s": count / (time.perf_counter() - started), "ms": timings, "status": sorted(statuses)}


def measure_size(n: int, seeded: dict, projects, urls, ports, rounds: int, creates: int, budget: float,
                 tmp: str, order: str = "request") -> dict:
    token = secrets.token_urlsafe(32)
    result = {}
    for project in projects:
        out = f"{tmp}/{project}-{n}.json"
        env = env_for(project, urls[project], ports[project], token)
        cwd = ROOT if project == "ours" else BENCH / "stock_scim"
        env["PYTHONPATH"] += os.pathsep + str(BENCH)
        started, prev = time.perf_counter(), seeded[project]
        subprocess.run([PY, str(Path(__file__).resolve()), "_prepare", project, str(prev), str(n), token, out],
                       env=env, cwd=str(cwd), check=True)
        result[project] = json.loads(Path(out).read_text())
        print(f"[{n:,}] {project}: seeded users {prev:,}..{n:,} in {result[project]['seed_s']:.1f} s "
              f"(+ in-process counts: {time.perf_counter() - started:.1f} s total)", flush=True)
        result[project]["env"] = env
    servers = {}
    try:
        for project in projects:
            servers[project] = start_server(project, result[project].pop("env"), ports[project])
        bases = {p: f"http://127.0.0.1:{ports[p]}/scim/v2/" for p in projects}
        plans = {p: plan(n, result[p], secrets.token_hex(3)) for p in projects}
        for p in projects:
            result[p].update(ms={label: [] for label, *_ in plans[p]}, http_status={label: [] for label, *_ in plans[p]})
        spent = {p: {label: 0.0 for label, *_ in plans[p]} for p in projects}
        started = time.perf_counter()

        def sample(p: str, k: int, i: int) -> bool:
            """Round i of request k for project p; False once its budget is spent."""
            label, method, path, body = plans[p][k]
            if spent[p][label] > budget and len(result[p]["ms"][label]) >= MIN_SAMPLES:
                return False
            status, ms = request(bases[p], result[p]["token"], method, path(i), body(i) if body else None, timeout=120)
            result[p]["ms"][label].append(ms)
            spent[p][label] += ms / 1000
            if status not in result[p]["http_status"][label]:
                result[p]["http_status"][label].append(status)
            return True

        count = len(plans[projects[0]])
        if order == "request":  # each request's rounds together, ours and stock alternating
            for k in range(count):
                for i in range(rounds):
                    if not [p for p in projects if sample(p, k, i)]:
                        break
                print(f"[{n:,}] {plans[projects[0]][k][0]}: done ({time.perf_counter() - started:.0f} s)", flush=True)
        else:
            for i in range(rounds):
                if not [p for k in range(count) for p in projects if sample(p, k, i)]:
                    break
                if (i + 1) % 25 == 0:
                    print(f"[{n:,}] round {i + 1}/{rounds} ({time.perf_counter() - started:.0f} s)", flush=True)
        for p in projects:
            c = concurrent_creates(bases[p], result[p]["token"], creates, secrets.token_hex(3))
            result[p]["ms"][CONCURRENT], result[p]["http_status"][CONCURRENT] = c["ms"], c["status"]
            result[p]["creates_per_s"] = c["per_s"]
    finally:
        for proc in servers.values():
            proc.terminate()
        for proc in servers.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    for p in projects:
        ms = result[p]["ms"]
        result[p]["p50"] = {k: percentile(v, 50) for k, v in ms.items()}
        result[p]["p95"] = {k: percentile(v, 95) for k, v in ms.items()}
        result[p]["samples"] = {k: len(v) for k, v in ms.items()}
        del result[p]["token"], result[p]["ids"], result[p]["names"]
    return result


def table(n: int, r: dict, database: str) -> str:
    o, s = r["ours"], r.get("stock")
    lines = [f"\n### {n:,} users, one {n:,}-member group ({database})\n",
             "Seeded in " + ", ".join(f"{p} {r[p]['seed_s']:.1f} s" for p in r) + " (this step's new rows).\n",
             "| Request | Ours p50 | Ours p95 | Stock p50 | Stock p95 | Ratio (stock/ours p50) | SQL ours/stock "
             "| Peak KiB ours/stock | Samples ours/stock | Status ours/stock |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for label in ORDER:
        shown = label.replace("N-99", str(max(1, n - 99)))
        st = "/".join(",".join(map(str, x["http_status"][label])) for x in (o, s) if x)
        if s:
            lines.append(
                f"| `{shown}` | {o['p50'][label]:.1f} ms | {o['p95'][label]:.1f} ms | {s['p50'][label]:.1f} ms | "
                f"{s['p95'][label]:.1f} ms | {s['p50'][label] / o['p50'][label]:.2f} | "
                f"{o['sql'][label]}/{s['sql'][label]} | {o['peak_kib'][label]:,.0f}/{s['peak_kib'][label]:,.0f} | "
                f"{o['samples'][label]}/{s['samples'][label]} | {st} |")
        else:
            lines.append(
                f"| `{shown}` | {o['p50'][label]:.1f} ms | {o['p95'][label]:.1f} ms | – | – | – | {o['sql'][label]} | "
                f"{o['peak_kib'][label]:,.0f} | {o['samples'][label]} | {st} |")
    rate = f"{o['creates_per_s']:.1f} users/s"
    if s:
        rate += f" ours, {s['creates_per_s']:.1f} users/s stock (ratio ours/stock {o['creates_per_s'] / s['creates_per_s']:.2f})"
    lines.append(f"\nConcurrent creates (4 connections): {rate}.")
    return "\n".join(lines)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "_prepare":
        prepare(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="10000,100000", help="comma-separated sizes, each up to 1,000,000")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--compare", action="store_true", help="also stock django-scim2, side by side")
    parser.add_argument("--compare-max", type=int, default=100_000, help="compare only at sizes up to this")
    parser.add_argument("--rounds", type=int, default=200, help="interleaved rounds (at most 500)")
    parser.add_argument("--rounds-large", type=int, default=50, help="rounds at 1,000,000 users and more")
    parser.add_argument("--order", choices=["request", "round"], default="request",
                        help="request: each request's rounds together (the default); round: every request "
                             "once a round, as before")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per request per project and size")
    parser.add_argument("--creates", type=int, default=200, help="POST /Users over 4 connections (at most 5,000)")
    parser.add_argument("--pg-name", default="bench_scale", help='PostgreSQL database (contains "bench")')
    parser.add_argument("--ports", default="8960,8961", help="ports for ours,stock")
    parser.add_argument("--json", help="also write every figure (and raw timings) to this file")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    args = parser.parse_args()
    sizes = sorted({max(100, min(int(x), 1_000_000)) for x in args.users.split(",")})
    ports = dict(zip(("ours", "stock"), map(int, args.ports.split(","))))
    creates = max(4, min(args.creates, 5000))
    tmp = tempfile.TemporaryDirectory(prefix="scim-scale-")
    if args.database == "postgres":
        if "bench" not in args.pg_name:
            sys.exit('--pg-name must contain "bench"')
        names = {"ours": args.pg_name, "stock": f"{args.pg_name}_stock"}
        pg_reset(names.values(), create=True)
        urls = {p: f"postgres://postgres@127.0.0.1:5432/{name}" for p, name in names.items()}
    else:
        urls = {p: f"sqlite:///{tmp.name}/{p}.sqlite3" for p in ("ours", "stock")}
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}", flush=True)
    results, seeded = {}, {"ours": 0, "stock": 0}
    try:
        for n in sizes:
            projects = ("ours", "stock") if args.compare and n <= args.compare_max else ("ours",)
            rounds = max(MIN_SAMPLES, min(args.rounds if n < 1_000_000 else args.rounds_large, 500))
            started = time.perf_counter()
            r = measure_size(n, seeded, projects, urls, ports, rounds, creates, args.budget, tmp.name, args.order)
            for p in projects:
                seeded[p] = n
            r["wall_s"] = time.perf_counter() - started
            results[n] = r
            print(table(n, {p: r[p] for p in projects}, args.database), flush=True)
            if args.json:  # after every size, so a stopped run keeps what it measured
                Path(args.json).write_text(json.dumps({"database": args.database, "sizes": results}, indent=1))
            print(f"({r['wall_s']:.0f} s for this size; uptime: "
                  f"{subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()})", flush=True)
    finally:
        if args.database == "postgres" and not args.keep:
            pg_reset(names.values(), create=False)
        tmp.cleanup()
    if args.json:
        Path(args.json).write_text(json.dumps({"database": args.database, "sizes": results}, indent=1))
        print(f"\nWrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
