"""Profile our three hot requests in-process (Django test client): GET /Users/{id}, a userName eq
lookup, POST /Users. Prints every SQL statement each runs and cProfile's top functions.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_x_bench .venv/bin/python bench/profile_hot.py
Default: a temporary SQLite file. The PostgreSQL database name must contain "bench"; it is dropped.
"""
import cProfile
import io
import json
import os
import pstats
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    from scim_latency import configure_environment, postgres_recreate

    url = os.environ.get("BENCH_DATABASE_URL")
    tmp = None
    if url:
        postgres_recreate(url)
    else:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/p.sqlite3"
    configure_environment(url)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from compare import seed_ours, user_body

    seed = seed_ours(int(os.environ.get("BENCH_USERS", "5000")), "")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {seed['token']}")
    calls = {
        "GET /Users/{id}": lambda i: c.get(f"/scim/v2/Users/{seed['ids'][i % 100]}"),
        'GET /Users?filter=userName eq "…"': lambda i: c.get("/scim/v2/Users", {"filter": f'userName eq "{seed["names"][i % 100]}"'}),
        "POST /Users": lambda i: c.post("/scim/v2/Users", json.dumps(user_body("p" + secrets.token_hex(2), i)),
                                        content_type="application/scim+json"),
    }
    for name, call in calls.items():
        for i in range(3):
            call(i)  # warm up
        with CaptureQueriesContext(connection) as ctx:
            r = call(50)
        print(f"\n## {name}: status {r.status_code}, {len(ctx.captured_queries)} SQL statements ({connection.vendor})")
        for n, q in enumerate(ctx.captured_queries, 1):
            print(f"{n}. {q['sql'][:400]}")
        prof = cProfile.Profile()
        prof.enable()
        for i in range(100, 150):
            call(i)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
        print(f"\ncProfile, 50 calls, cumulative top 30:\n{out.getvalue()[-6000:]}")
    connection.close()
    if os.environ.get("BENCH_DATABASE_URL"):
        postgres_recreate(os.environ["BENCH_DATABASE_URL"], drop_only=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
