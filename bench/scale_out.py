"""Scale-out bench (a script, not a test): two gunicorn servers on one database behave as one
SCIM service. Prints the outcome of each race and the requests/s measured.

    make bench-scale-out
    .venv/bin/python bench/scale_out.py --postgres postgres://postgres@127.0.0.1:5432/vxp_scale_out_bench
    .venv/bin/python bench/scale_out.py --no-sqlite      # PostgreSQL only

For each database (a throwaway PostgreSQL database whose name must contain "bench", dropped
and re-created; and a temporary SQLite file unless --no-sqlite), it migrates, makes the cache
table, seeds one organisation with 1,000 users, an empty group and a SCIM token, then starts two
gunicorn servers (gunicorn.conf.py, production settings, WEB_CONCURRENCY=2 each) on two ports
and runs:

1. Shared rate limit: servers with SCIM_RATE_LIMIT=--rate-limit (default 10/s, below what the
   2-core development machine can offer, so that it is exceeded; production's default is 50/s);
   8 clients hammer both ports with GET /ServiceProviderConfig for 5 seconds. Shared counting
   means at most the limit of 200s per one-second window over both ports and all four workers
   together (per-process counters would let through up to four times as many, and at the load
   offered here, none would be refused).
2. 50 concurrent POST /Users of one userName, split across both ports: exactly one 201.
3. A 1,000-member group PATCH (one add operation) sent to server A, whose workers are SIGKILLed
   once the PATCH's transaction is seen writing (PostgreSQL: it holds a row lock on the
   membership table; SQLite: it holds the write lock). Read back through server B, the group
   has all 1,000 members or none. Several trials, and one without a kill.
4. Requests/s with 4 concurrent clients (2 per port) for GET /Users?filter=userName eq "…" and
   POST /Users. These servers count every request in the rate limiter (limit set far above
   what they can serve), so the counter's cost is included.

The servers are stopped at the end (SIGTERM, then SIGKILL) and the PostgreSQL database dropped.
"""

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
PY = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
MEMBERS = 1000
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
FILTER_PATH = "/scim/v2/Users?filter=userName%20eq%20%22member0500%40scale.example%22"


# --- set-up (runs in a child process with the database's environment) --------------------------

def seed_main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from scim_provisioning.services import token_generate
    from teams.models import Team
    from vxp_hub.models import User
    from vxp_hub.services import organisation_create

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    organisation = organisation_create(name="Scale out", slug="scale-out")
    User.objects.bulk_create(
        [User(organisation=organisation, username=f"member{n:04}@scale.example", password="!",
              given_name="Member", family_name=f"{n:04}") for n in range(MEMBERS)], batch_size=500)
    ids = [str(i) for i in User.objects.filter(organisation=organisation).order_by("pk").values_list("scim_id", flat=True)]
    team = Team.objects.create(organisation=organisation, name="Big")
    _, raw = token_generate(organisation=organisation)
    print(json.dumps({"token": str(raw), "member_ids": ids, "group_id": str(team.scim_id)}))


def base_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "SCIM_")) and k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="vxp_hub.settings",
               DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="127.0.0.1",
               DJANGO_SECURE_SSL_REDIRECT="0", PYTHONPATH=str(ROOT))
    return env


def seed(env: dict) -> dict:
    result = subprocess.run([PY, __file__, "--seed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        sys.exit(f"seeding failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def postgres_recreate(url: str, *, drop_only: bool = False) -> None:
    from scim_latency import postgres_recreate as recreate

    recreate(url, drop_only=drop_only)


# --- the servers -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict, rate_limit: str, log_dir: Path, name: str):
        self.port = free_port()
        self.log = open(log_dir / f"gunicorn-{name}-{self.port}.log", "w")
        server_env = dict(env, HOST="127.0.0.1", PORT=str(self.port), WEB_CONCURRENCY="2",
                          SCIM_RATE_LIMIT=rate_limit, GUNICORN_LOG_LEVEL="warning")
        self.process = subprocess.Popen([GUNICORN, "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null",
                                         "vxp_hub.wsgi"], cwd=ROOT, env=server_env, stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def wait_ready(self, token: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited; see {self.log.name}")
            try:
                # Each worker answers once it has imported the app; ask until two in a row do.
                if request(self.port, "GET", "/scim/v2/ServiceProviderConfig", token)[0] == 200 and \
                        len(self.workers()) == 2:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        sys.exit(f"gunicorn on port {self.port} did not start; see {self.log.name}")

    def workers(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids

    def kill_workers(self) -> list[int]:
        pids = self.workers()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return pids

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def request(port: int, method: str, path: str, token: str, body=None, timeout: float = 60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/scim+json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/scim+json"
        conn.request(method, path, payload, headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data
    finally:
        conn.close()


def start_pair(env, token, rate_limit, log_dir, label):
    servers = [Server(env, rate_limit, log_dir, f"{label}-{n}") for n in "AB"]
    for server in servers:
        server.wait_ready(token)
    return servers


# --- the scenarios -------------------------------------------------------------------------------

def shared_rate_limit(servers, token, limit: str, seconds: float = 5.0) -> dict:
    results = []  # (sent, received, port, status, retry_after)
    lock = threading.Lock()
    stop_at = time.time() + seconds

    def client(port):
        local = []
        while time.time() < stop_at:
            sent = time.time()
            status, headers, _ = request(port, "GET", "/scim/v2/ServiceProviderConfig", token)
            local.append((sent, time.time(), port, status, headers.get("Retry-After")))
        with lock:
            results.extend(local)

    threads = [threading.Thread(target=client, args=(servers[i % 2].port,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    allowed = int(limit.split("/")[0])
    # The server counts a request somewhere between its sending and its answer, so the windows it
    # can have been counted in are those from the first send to the last answer: all 200s
    # together are at most the limit times that many windows, if every process shares one count.
    windows = int(max(r[1] for r in results)) - int(min(r[0] for r in results)) + 1
    statuses = Counter(r[3] for r in results)
    by_port = {port: Counter(r[3] for r in results if r[2] == port) for port in (servers[0].port, servers[1].port)}
    retry_ok = all(ra is not None and ra.isdigit() and int(ra) >= 1 for *_, s, ra in results if s == 429)
    return {
        "requests": len(results), "offered_per_s": round(len(results) / seconds),
        "200": statuses[200], "429": statuses[429], "other": len(results) - statuses[200] - statuses[429],
        "windows": windows, "bound": allowed * windows,
        "per_port": {p: dict(c) for p, c in by_port.items()}, "retry_after_ok": retry_ok,
        "ok": statuses[200] <= allowed * windows and statuses[429] > 0 and retry_ok
              and all(c[200] > 0 and c[429] > 0 for c in by_port.values()),
    }


def create_race(servers, token, clients: int = 50) -> dict:
    barrier = threading.Barrier(clients)
    statuses = [None] * clients
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "race@scale.example",
            "name": {"givenName": "Race", "familyName": "Condition"}, "active": True}

    def post(i):
        barrier.wait(timeout=60)
        statuses[i] = request(servers[i % 2].port, "POST", "/scim/v2/Users", token, body)[0]

    threads = [threading.Thread(target=post, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    count = Counter(statuses)
    return {"statuses": dict(count), "ok": count[201] == 1 and count[409] == clients - 1}


class WriteWatcher:
    """Tells when the group PATCH's transaction is writing, from outside the servers."""

    def __init__(self, database_url: str):
        self.url = database_url
        if database_url.startswith("postgres"):
            import psycopg

            self.conn = psycopg.connect(database_url, autocommit=True)
        else:
            self.conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)

    def writing(self) -> bool:
        if isinstance(self.conn, sqlite3.Connection):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # "database is locked": a writer holds the lock
                return True
            self.conn.execute("ROLLBACK")
            return False
        row = self.conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'teams_teammembership' AND l.mode = 'RowExclusiveLock' "
            "AND l.pid <> pg_backend_pid()").fetchone()
        return row[0] > 0

    def close(self):
        self.conn.close()


def members_of(server, token, group_id) -> int:
    status, _, data = request(server.port, "GET", f"/scim/v2/Groups/{group_id}", token)
    assert status == 200, (status, data)
    return len(json.loads(data).get("members", []))


def empty_group(server, token, group_id) -> None:
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "members", "value": []}]}
    status, _, data = request(server.port, "PATCH", f"/scim/v2/Groups/{group_id}", token, body)
    assert status in (200, 204), (status, data)


def sigkill_mid_patch(servers, token, seed_data, database_url, trials: int = 5) -> dict:
    a, b = servers
    group_id = seed_data["group_id"]
    body = {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": i} for i in seed_data["member_ids"]]}]}
    watcher = WriteWatcher(database_url)
    outcomes = []
    try:
        for trial in range(trials + 1):
            kill = trial < trials
            empty_group(b, token, group_id)
            answer = {}

            def patch():
                try:
                    answer["status"] = request(a.port, "PATCH", f"/scim/v2/Groups/{group_id}", token, body)[0]
                except (OSError, http.client.HTTPException) as exc:
                    answer["status"] = type(exc).__name__

            thread = threading.Thread(target=patch)
            thread.start()
            seen_writing = False
            if kill:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and thread.is_alive():
                    if watcher.writing():
                        seen_writing = True
                        a.kill_workers()
                        break
            thread.join(timeout=60)
            a.wait_ready(token)  # the master replaces its killed workers
            count = members_of(b, token, group_id)
            outcomes.append({"killed": kill, "killed_while_writing": seen_writing,
                             "answer": answer.get("status"), "members_after": count})
    finally:
        watcher.close()
    return {"trials": outcomes,
            "ok": all(o["members_after"] in (0, MEMBERS) for o in outcomes)
                  and outcomes[-1]["members_after"] == MEMBERS
                  and any(o["killed_while_writing"] and o["members_after"] == 0 for o in outcomes)}


def throughput(servers, token, make_request, seconds: float = 10.0, clients: int = 4) -> dict:
    counts = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(i):
        local = Counter()
        n = 0
        while time.monotonic() < stop_at:
            method, path, body, expected = make_request(i, n)
            status = request(servers[i % 2].port, method, path, token, body)[0]
            local["ok" if status == expected else f"status {status}"] += 1
            n += 1
        with lock:
            counts.update(local)

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    return {"req_per_s": round(counts["ok"] / elapsed, 1), "ok": counts["ok"],
            "errors": {k: v for k, v in counts.items() if k != "ok"}}


# --- one database --------------------------------------------------------------------------------

def run_database(label: str, database_url: str, rate_limit: str, log_dir: Path) -> dict:
    print(f"\n== {label}: {database_url.split('@')[-1]}", flush=True)
    env = base_env(database_url)
    seed_data = seed(env)
    token = seed_data["token"]
    report = {}

    servers = start_pair(env, token, rate_limit, log_dir, f"{label}-limited")
    try:
        # Start on a fresh second so the first window is whole.
        time.sleep(1 - time.time() % 1)
        report["rate_limit"] = r = shared_rate_limit(servers, token, rate_limit)
        print(f"1. shared rate limit {rate_limit}: {r['requests']} requests offered at ~{r['offered_per_s']}/s "
              f"over both ports -> {r['200']} x 200, {r['429']} x 429 (Retry-After on every 429: "
              f"{r['retry_after_ok']}), other {r['other']}; 200s <= limit x {r['windows']} one-second windows = "
              f"{r['bound']}; per port {r['per_port']}  [{'OK' if r['ok'] else 'FAIL'}]", flush=True)
    finally:
        for server in servers:
            server.stop()

    servers = start_pair(env, token, "1000000/s", log_dir, f"{label}-open")
    try:
        report["create_race"] = r = create_race(servers, token)
        print(f"2. 50 concurrent POST /Users of one userName over both ports: {r['statuses']}  "
              f"[{'OK' if r['ok'] else 'FAIL'}]", flush=True)
        report["get_filter"] = r = throughput(servers, token, lambda i, n: ("GET", FILTER_PATH, None, 200))
        print(f"4. GET /Users?filter=userName eq \"…\", 4 clients: {r['req_per_s']} req/s "
              f"({r['ok']} ok, errors {r['errors']})", flush=True)

        def create(i, n):
            return ("POST", "/scim/v2/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                                "userName": f"new-{i}-{n}@scale.example",
                                                "name": {"givenName": "New", "familyName": f"{i}-{n}"},
                                                "emails": [{"value": f"new-{i}-{n}@scale.example", "type": "work",
                                                            "primary": True}], "active": True}, 201)

        report["post_users"] = r = throughput(servers, token, create)
        print(f"   POST /Users, 4 clients: {r['req_per_s']} req/s ({r['ok']} ok, errors {r['errors']})", flush=True)
    finally:
        for server in servers:
            server.stop()

    # No rate limit here: on SQLite the only write lock of the PATCH request is then the PATCH's.
    servers = start_pair(env, token, "off", log_dir, f"{label}-unlimited")
    try:
        report["sigkill"] = r = sigkill_mid_patch(servers, token, seed_data, database_url)
        for o in r["trials"]:
            what = ("SIGKILL while its transaction was writing" if o["killed_while_writing"]
                    else "SIGKILL (before the write was seen)" if o["killed"] else "no kill")
            print(f"3. PATCH +{MEMBERS} members, {what}: answer {o['answer']}, members after: {o['members_after']}",
                  flush=True)
        print(f"   all or none every time: [{'OK' if r['ok'] else 'FAIL'}]", flush=True)
        report["get_filter_unlimited"] = r = throughput(servers, token, lambda i, n: ("GET", FILTER_PATH, None, 200))
        print(f"4. GET /Users?filter=userName eq \"…\", 4 clients, rate limit off (no counter): {r['req_per_s']} req/s "
              f"({r['ok']} ok, errors {r['errors']})", flush=True)
    finally:
        for server in servers:
            server.stop()
    return report


def main() -> int:
    if "--seed" in sys.argv:
        seed_main()
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get(
        "SCALE_OUT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vxp_scale_out_bench"))
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--rate-limit", default="10/s",
                        help="the limit of scenario 1, per second; below what the machine can offer (default 10/s)")
    args = parser.parse_args()

    results = {}
    with tempfile.TemporaryDirectory(prefix="scale-out-") as tmp:
        log_dir = Path(tmp)
        if not args.no_sqlite:
            results["SQLite"] = run_database("SQLite", f"sqlite:///{log_dir / 'hub.sqlite3'}", args.rate_limit, log_dir)
        postgres_recreate(args.postgres)
        try:
            results["PostgreSQL"] = run_database("PostgreSQL", args.postgres, args.rate_limit, log_dir)
        finally:
            postgres_recreate(args.postgres, drop_only=True)

    print("\n== Summary (gunicorn, 2 servers x 2 workers, 4 concurrent clients)")
    print("| | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    print("| `GET /Users?filter=userName eq \"…\"` req/s | "
          + " | ".join(str(r["get_filter"]["req_per_s"]) for r in results.values()) + " |")
    print("| `POST /Users` req/s | " + " | ".join(str(r["post_users"]["req_per_s"]) for r in results.values()) + " |")
    print("| `GET /Users?filter=…` req/s, rate limit off | "
          + " | ".join(str(r["get_filter_unlimited"]["req_per_s"]) for r in results.values()) + " |")
    failed = [f"{db}: {name}" for db, r in results.items() for name in ("rate_limit", "create_race", "sigkill")
              if not r[name]["ok"]]
    print("All races passed." if not failed else f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
