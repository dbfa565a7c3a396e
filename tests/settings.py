"""The test suite's settings: the hub's, in development mode.

``DJANGO_DEBUG`` defaults to off (production); the suite switches it on explicitly, here,
before the hub's settings are read (pytest-django loads them before any conftest). It is set
in ``os.environ`` so the ``manage.py`` subprocesses some tests start inherit it; tests of
production mode build their own environment.
"""

import os

os.environ["DJANGO_DEBUG"] = "1"
# Concurrency tests run up to 16 threads, each holding a pooled PostgreSQL connection.
os.environ.setdefault("DJANGO_DB_POOL", "24")

from vxp_hub.settings import *  # noqa: E402,F403
from vxp_hub.settings import SCIM_PROVISIONING  # noqa: E402

# The suite replays whole identity-provider sessions as fast as it can; the rate-limit tests
# switch the limit on for themselves (tests/scim_provisioning/test_rate_limit.py).
SCIM_PROVISIONING = {**SCIM_PROVISIONING, "RATE_LIMIT": None}
