"""The installable package holds the reusable apps and nothing of the hub."""

import ast
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
