"""Which SCIM server the compliance suites talk to.

By default: pytest-django's ``live_server`` with the hub's settings, and a fresh hub organisation
per test (``conftest.tenant``). With ``SCIM_TARGET_URL`` (the SCIM root, ending in ``/scim/v2/``)
and ``SCIM_TARGET_TOKEN`` set, the suites talk to that server instead (another process, another
host project: ``.ci/example-host``) and never touch the local database. Its tenant is then
*shared*: it persists from test to test and already holds users, so every test makes its own
names unique and asserts totals only relative to what it created.

Tests that need objects created in the target by hand (not through SCIM) ask the setup hook,
``SCIM_TARGET_SETUP``: a shell command to which the suites append, shell-quoted, one of

    user <userName> <givenName> <familyName>   create an ordinary user by hand
    team <displayName>                         create a team (no members) by hand

in the tenant that ``SCIM_TARGET_TOKEN`` belongs to; exit status 0 on success, output ignored
(the tests find the object through SCIM). Without the hook, those tests are skipped.
"""

import os
import shlex
import subprocess

import pytest

URL = os.environ.get("SCIM_TARGET_URL", "").strip()
TOKEN = os.environ.get("SCIM_TARGET_TOKEN", "").strip()
SETUP = os.environ.get("SCIM_TARGET_SETUP", "").strip()
EXTERNAL = bool(URL)

if EXTERNAL and not TOKEN:
    raise RuntimeError("SCIM_TARGET_URL is set but SCIM_TARGET_TOKEN is not")
if EXTERNAL and not URL.endswith("/"):
    URL += "/"

# Every compliance module's ``pytestmark``: the local live server needs transactional database
# access (the server thread must see what the test wrote); an external target needs none.
marks = [pytest.mark.live] if EXTERNAL else [pytest.mark.live, pytest.mark.django_db(transaction=True)]

needs_fresh_tenant = pytest.mark.skipif(
    EXTERNAL, reason="needs a brand-new, empty tenant; the external target's tenant is shared and persists")
needs_setup_hook = pytest.mark.skipif(
    EXTERNAL and not SETUP, reason="needs an object created by hand in the target: set SCIM_TARGET_SETUP")


def run_setup(*args: str) -> None:
    """Run the setup hook with ``args``; fail the test with its output when it fails."""
    command = SETUP + " " + " ".join(shlex.quote(a) for a in args)
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (
        f"SCIM_TARGET_SETUP failed ({result.returncode}): {command}\n{result.stdout}\n{result.stderr}")
