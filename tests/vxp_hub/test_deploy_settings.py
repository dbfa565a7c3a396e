"""With DJANGO_DEBUG off, `manage.py check --deploy` finds nothing to complain about."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _check(env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean_in_production_mode():
    result = _check({
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-value-0123456789",
        "DJANGO_ALLOWED_HOSTS": "hub.example.com",
    })
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = _check({"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "hub.example.com"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
