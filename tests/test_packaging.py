"""The installable package holds the reusable apps and nothing of the hub."""

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    # Build from a clean copy: an in-tree build/ directory could carry stale files along.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in ("scim_provisioning", "teams", "vxp_hub", "tests"):  # the last two must stay out
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return zipfile.ZipFile(next(out.glob("*.whl")))


def test_wheel_ships_the_reusable_apps_with_their_migrations(wheel):
    names = set(wheel.namelist())
    for required in (
        "scim_provisioning/urls.py", "scim_provisioning/backend.py", "scim_provisioning/migrations/0001_initial.py",
        "scim_provisioning/management/commands/scim_token.py", "teams/models.py", "teams/migrations/0001_initial.py",
    ):
        assert required in names


def test_wheel_holds_nothing_of_the_hub_or_the_tests(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist() if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"scim_provisioning", "teams"}


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_reusable_apps_never_import_the_hub():
    for package in ("scim_provisioning", "teams"):
        for path in (ROOT / package).rglob("*.py"):
            hub_imports = {m for m in _imported_modules(path) if m.split(".")[0] == "vxp_hub"}
            assert not hub_imports, f"{path} imports {hub_imports}"


def test_scim_app_never_imports_the_teams_app():
    for path in (ROOT / "scim_provisioning").rglob("*.py"):
        assert not {m for m in _imported_modules(path) if m.split(".")[0] == "teams"}, path


@pytest.mark.parametrize("missing", ["TEAMS_ORGANISATION_MODEL", "SCIM_PROVISIONING_ORGANISATION_MODEL"])
def test_a_host_missing_a_model_setting_gets_a_clear_configuration_error(tmp_path, missing):
    (tmp_path / "host_settings.py").write_text(f"from vxp_hub.settings import *  # noqa\ndel {missing}\n")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DJANGO_SETTINGS_MODULE="host_settings", PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr
