"""The teams app is reusable: it reaches the host through settings, never by importing it."""

import ast
from pathlib import Path

import teams

FORBIDDEN = ("vxp_hub", "scim_provisioning")


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_teams_imports_neither_the_hub_nor_the_scim_app():
    package = Path(teams.__file__).parent
    offenders = [
        f"{path.relative_to(package)}: {module}"
        for path in package.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []
