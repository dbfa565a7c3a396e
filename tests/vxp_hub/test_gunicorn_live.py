"""`make serve`'s stack for real: gunicorn with gunicorn.conf.py, production settings, a SQLite
file database, collectstatic'd files served by WhiteNoise, and a SCIM request with a token."""

import json
import re
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")

pytestmark = pytest.mark.live


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, headers):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SCIM_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'hub.sqlite3'}",
        DJANGO_SECRET_KEY="live-test-" + "k" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="2",
    )

    def manage(*args):
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    manage("migrate", "--noinput")
    manage("createcachetable")
    manage("collectstatic", "--noinput", "--verbosity", "0")
    manage("seed_demo")
    token = manage("scim_token", "--organisation", "demo").strip().splitlines()[-1]
    log = open(tmp / "gunicorn.log", "w+")
    process = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py", "vxp_hub.wsgi"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, (tmp / "gunicorn.log").read_text()
            time.sleep(0.2)
    yield {"base": base, "token": token, "static_root": tmp / "static", "log": tmp / "gunicorn.log"}
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=40)
    log.close()


HTTPS = {"X-Forwarded-Proto": "https"}  # what the TLS-terminating proxy in front adds


def test_gunicorn_serves_a_vendored_stylesheet_hashed_compressed_and_cached_for_a_year(served):
    manifest = json.loads((served["static_root"] / "staticfiles.json").read_text())
    hashed = manifest["paths"]["vendor/pico/pico.min.css"]
    assert hashed != "vendor/pico/pico.min.css"
    status, headers, body = _get(f"{served['base']}/static/{hashed}", {**HTTPS, "Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert headers.get("Content-Encoding") == "gzip"
    cache_control = headers["Cache-Control"]
    assert "immutable" in cache_control
    max_age = int(cache_control.split("max-age=")[1].split(",")[0])
    assert max_age >= 365 * 24 * 3600


def test_pages_link_the_hashed_stylesheet(served):
    status, _, body = _get(f"{served['base']}/accounts/login/", HTTPS)
    assert status == 200
    manifest = json.loads((served["static_root"] / "staticfiles.json").read_text())
    assert f"/static/{manifest['paths']['vendor/pico/pico.min.css']}".encode() in body


def test_plain_http_is_redirected_to_https(served):
    request = urllib.request.Request(f"{served['base']}/scim/v2/Users")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    assert raised.value.code == 301
    assert raised.value.headers["Location"].startswith("https://127.0.0.1")


def test_gunicorn_answers_a_scim_request_with_the_token(served):
    status, headers, body = _get(
        f"{served['base']}/scim/v2/Users?filter=userName%20eq%20%22nobody%40demo.example%22",
        {**HTTPS, "Authorization": f"Bearer {served['token']}"},
    )
    assert status == 200
    assert headers["Content-Type"].startswith("application/scim+json")
    assert json.loads(body)["totalResults"] == 0
    assert "Strict-Transport-Security" in headers
    # The access log line (gunicorn.conf.py's format) is written.
    time.sleep(0.3)
    line = next(line for line in served["log"].read_text().splitlines() if '"GET /scim/v2/Users?filter=' in line)
    assert re.search(r'" 200 \d+ \d+ms rid=', line), line
    assert served["token"] not in line
