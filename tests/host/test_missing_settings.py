"""A host that forgot a model setting gets ``manage.py check`` errors naming it, with an
example value, instead of a traceback at import (README: 'Install in your project')."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_manage(tmp_path, settings_body: str, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "host_settings.py").write_text(settings_body)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]),
           "DJANGO_SETTINGS_MODULE": "host_settings"}
    env.pop("DATABASE_URL", None)  # the check needs no database; never touch the test run's
    return subprocess.run([sys.executable, str(REPO / "manage.py"), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "setting, check_id, example",
    [
        ("TEAMS_ORGANISATION_MODEL", "teams.E001", 'TEAMS_ORGANISATION_MODEL = "accounts.Organisation"'),
        ("TEAMS_PROFILE_MODEL", "teams.E002", 'TEAMS_PROFILE_MODEL = "accounts.Profile"'),
        ("SCIM_PROVISIONING_ORGANISATION_MODEL", "scim_provisioning.E004",
         'SCIM_PROVISIONING_ORGANISATION_MODEL = "accounts.Organisation"'),
    ],
)
def test_check_names_the_missing_model_setting(tmp_path, setting, check_id, example):
    result = run_manage(tmp_path, f"from vxp_hub.settings import *  # noqa\ndel {setting}\n", "check")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert f"({check_id}) {setting} is not set." in result.stderr
    assert example in result.stderr
    assert "Install in your project" in result.stderr


def test_migrate_stops_at_the_check_too(tmp_path):
    """``migrate`` runs the checks first, so it stops with the same message, not a traceback."""
    db = tmp_path / "db.sqlite3"
    result = run_manage(tmp_path, "from vxp_hub.settings import *  # noqa\ndel TEAMS_PROFILE_MODEL\n"
                        f"DATABASES = {{'default': {{'ENGINE': 'django.db.backends.sqlite3', 'NAME': {str(db)!r}}}}}\n",
                        "migrate", "--noinput")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert "(teams.E002) TEAMS_PROFILE_MODEL is not set." in result.stderr


def test_complete_settings_check_clean(tmp_path):
    result = run_manage(tmp_path, "from vxp_hub.settings import *  # noqa\n", "check")

    assert result.returncode == 0, result.stderr
