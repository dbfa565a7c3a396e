"""GET /Groups/{id} of one very large group, streamed (issue 11) against the one-piece rendering.

    .venv/bin/python bench/large_group.py                                   # SQLite, 100,000 members
    .venv/bin/python bench/large_group.py --members 10000
    .venv/bin/python bench/large_group.py --database-url postgres://postgres@127.0.0.1:5432/bench_stream

Seeds one organisation with N users (an e-mail each) in one N-member team (bulk INSERTs,
``compare.seed_ours``, i.e. bench/seed.py) in a throwaway database (a temporary SQLite file, or the PostgreSQL
database named, which must contain "bench": it is dropped and re-created, and dropped at the end).

Then, for each mode (``streamed``: the code as it is; ``one piece``: the same code with
``scim_provisioning.adapters.groups.STREAM_THRESHOLD`` raised out of reach, i.e. the old path):

- in-process (Django test client, DEBUG off): SQL statements, peak Python memory (tracemalloc)
  while answering and writing the body (pieces are discarded as a server would), body bytes,
  wall time per call;
- through a real server (``manage.py runserver --noreload``, DEBUG off, one subprocess per
  mode): p50/p95 of the whole response and of the first byte over ``--rounds`` requests, and
  the server's peak resident memory (VmHWM) after them.

Bounded: members <= 1,000,000, rounds <= 50, a per-request timeout; servers are stopped at the end.
"""

import argparse
import http.client
import os
import secrets
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PY = sys.executable
NEVER = 10**12

ONE_PIECE_SERVER = (
    "import sys, django; django.setup()\n"
    "from scim_provisioning.adapters import groups\n"
    f"groups.STREAM_THRESHOLD = {NEVER}\n"
    "from django.core.management import execute_from_command_line\n"
    "execute_from_command_line(['manage.py', 'runserver', '--noreload', sys.argv[1]])\n"
)


def percentile(samples, p):
    from compare import percentile as pct

    return pct(samples, p)


def in_process(client, path: str, rounds: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def call():
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        pieces = response.streaming_content if response.streaming else [response.content]
        return response, sum(len(p) for p in pieces)

    call()  # warm up
    with CaptureQueriesContext(connection) as captured:
        response, size = call()
    statements = len(captured.captured_queries)
    tracemalloc.start()
    try:
        call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return {"statements": statements, "peak": peak, "bytes": size, "streamed": response.streaming,
            "p50": percentile(times, 50), "p95": percentile(times, 95)}


def start_server(env: dict, port: int, one_piece: bool) -> subprocess.Popen:
    from compare import start_server as start_ours

    import socket

    with socket.socket() as probe:  # another process's server there would answer instead
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is already in use; pass --ports")
    if not one_piece:
        return start_ours("ours", env, port)
    proc = subprocess.Popen([PY, "-c", ONE_PIECE_SERVER, f"127.0.0.1:{port}"], env=env, cwd=str(ROOT),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/scim/v2/ServiceProviderConfig")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"one-piece server did not start on port {port}")


def through_server(port: int, token: str, path: str, rounds: int) -> dict:
    total, first = [], []
    size = 0
    for i in range(rounds + 1):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        started = time.perf_counter()
        conn.request("GET", "/scim/v2/" + path, headers={"Authorization": f"Bearer {token}",
                                                          "Accept": "application/scim+json"})
        response = conn.getresponse()
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status} {response.read()[:300]!r}")
        chunk = response.read(1)
        first_byte = time.perf_counter()
        size = len(chunk)
        while chunk:
            chunk = response.read(65536)
            size += len(chunk)
        done = time.perf_counter()
        conn.close()
        if i:  # the first request warms the server up
            total.append((done - started) * 1000)
            first.append((first_byte - started) * 1000)
    return {"p50": percentile(total, 50), "p95": percentile(total, 95),
            "first50": percentile(first, 50), "bytes": size}


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help='PostgreSQL URL of a throwaway database (name contains "bench"); default SQLite')
    parser.add_argument("--ports", default="18971,18972", help="ports of the streamed and one-piece servers")
    args = parser.parse_args()
    n = max(1, min(args.members, 1_000_000))
    rounds = max(1, min(args.rounds, 50))
    ports = [int(p) for p in args.ports.split(",")]

    from scim_latency import configure_environment, postgres_recreate

    tmp = tempfile.TemporaryDirectory(prefix="scim-large-group-")
    url = args.database_url
    if url:
        postgres_recreate(url)
    else:
        url = f"sqlite:///{tmp.name}/large.sqlite3"
    configure_environment(url)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from compare import env_for, seed_ours
    from scim_provisioning.adapters import groups

    started = time.perf_counter()
    seed = seed_ours(n, "")
    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cursor:  # statistics, as a live database has them (autovacuum)
            cursor.execute("ANALYZE")
    print(f"Seeded {n:,} users in one {n:,}-member group on {vendor} in {time.perf_counter() - started:.1f} s",
          flush=True)
    path = f"Groups/{seed['group']}"
    client = Client(HTTP_AUTHORIZATION=f"Bearer {seed['token']}")

    results = {}
    threshold = groups.STREAM_THRESHOLD
    for mode, value in (("streamed", threshold), ("one piece", NEVER)):
        groups.STREAM_THRESHOLD = value
        results[mode] = {"in": in_process(client, "/scim/v2/" + path, rounds)}
    groups.STREAM_THRESHOLD = threshold
    connection.close()

    servers = []
    try:
        for (mode, one_piece), port in zip((("streamed", False), ("one piece", True)), ports):
            # The same secret key as the seeding process (token digests may depend on it).
            env = dict(env_for("ours", url, port, ""), DJANGO_SECRET_KEY=os.environ["DJANGO_SECRET_KEY"])
            proc = start_server(env, port, one_piece)
            servers.append(proc)
            results[mode]["server"] = through_server(port, seed["token"], path, rounds)
            results[mode]["rss"] = peak_rss_kib(proc.pid)
            print(f"  {mode}: served {rounds} requests", flush=True)
    finally:
        for proc in servers:
            proc.terminate()
        for proc in servers:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if args.database_url:
            postgres_recreate(args.database_url, drop_only=True)
        tmp.cleanup()

    print(f"\nGET /Groups/{{id}}, {n:,} members, {vendor}, {rounds} requests per figure, DEBUG off; "
          f"STREAM_THRESHOLD {threshold:,}\n")
    # Bodies differ slightly between the two columns: the $ref URLs name testserver or 127.0.0.1:port.
    print("| Mode | Statements | Peak Python memory (tracemalloc) | Body | In-process p50 / p95 "
          "| Server p50 / p95 | Server first byte p50 | Server peak RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for mode, r in results.items():
        i, s = r["in"], r["server"]
        print(f"| {mode}{'' if i['streamed'] == (mode == 'streamed') else ' (?)'} | {i['statements']} "
              f"| {i['peak'] / 2**20:.1f} MiB | {s['bytes'] / 2**20:.1f} MiB "
              f"| {i['p50']:.0f} / {i['p95']:.0f} ms | {s['p50']:.0f} / {s['p95']:.0f} ms "
              f"| {s['first50']:.0f} ms | {r['rss'] / 1024:.0f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
