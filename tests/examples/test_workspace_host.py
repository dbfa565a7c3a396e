"""The second host in the repository, ``examples/workspace_host/`` (people with an e-mail login
in several workspaces through memberships, roles of its own, teams mapped to roles), run as
its own project: its manage.py in a subprocess on a fresh SQLite file, SCIM over HTTP against
its runserver. What a developer following the README gets."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.compliance.http import OKTA, SCIMHttp

REPO = Path(__file__).resolve().parents[2]
HOST = REPO / "examples" / "workspace_host"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

pytestmark = pytest.mark.live


def _env(db: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env.update(PYTHONPATH=str(REPO), WORKSPACE_DB=str(db))
    return env


def manage(db: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=HOST, env=_env(db), capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def shell(db: Path, code: str):
    """Run ``code`` in the host's shell; it prints one JSON value, returned."""
    return json.loads(manage(db, "shell", "-c", code).stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = tmp_path_factory.mktemp("workspace") / "db.sqlite3"
    manage(db, "migrate", "--noinput")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=HOST, env=_env(db), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/scim/v2/ServiceProviderConfig", timeout=1)
        except urllib.error.HTTPError:
            break  # 401: it answers
        except OSError:
            time.sleep(0.1)
    yield db, f"{base}/scim/v2/"
    server.terminate()
    server.wait(10)


def token(db, slug: str) -> str:
    return manage(db, "scim_token", "--organisation", slug).stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def demo(site):
    db, base = site
    first = manage(db, "seed_demo").stdout
    again = manage(db, "seed_demo").stdout  # idempotent
    assert "Created workspace 'demo'" in first and "Found workspace 'demo'" in again
    return SCIMHttp(base, token=token(db, "demo"), profile=dict(OKTA))


@pytest.fixture(scope="module")
def acme(site):
    db, base = site
    shell(db, "from workspaces.models import Workspace, Role; import json; "
              "w, _ = Workspace.objects.get_or_create(slug='acme', defaults={'name': 'Acme'}); "
              "r, _ = Role.objects.get_or_create(organisation=w, name='Reader', rank=5); "
              "w.default_scim_profile = r; w.save(); print(json.dumps(w.pk))")
    return SCIMHttp(base, token=token(db, "acme"), profile=dict(OKTA))


def person(user_name: str, email: str | None = None, **extra) -> dict:
    return {"schemas": [USER], "userName": user_name, "name": {"givenName": "Pat", "familyName": "Lee"},
            "emails": [{"value": email or user_name, "type": "work", "primary": True}], **extra}


def memberships(db, email: str) -> dict:
    return shell(db, "from workspaces.models import Membership; import json; print(json.dumps({m.organisation.slug: "
                     "[m.is_active, m.profile.name if m.profile else None, m.role] for m in "
                     f"Membership.objects.filter(user__email={email!r}).select_related('organisation', 'profile')}}))")


def test_the_project_checks_clean_and_meets_the_contract(site, demo):
    db, _ = site
    assert "no issues" in manage(db, "check").stdout
    assert manage(db, "scim_contract").stdout.strip().splitlines()[-1].endswith(", 0 missing.")
    assert demo.token.startswith("ws_")  # scim_token printed it on the last line of stdout


def test_one_person_in_two_workspaces(site, demo, acme):
    db, _ = site
    ours = demo.post("Users", person("pat@corp.example"))
    theirs = acme.post("Users", person("pat.lee@acme.example", email="pat@corp.example"))
    assert (ours.status, theirs.status) == (201, 201), (ours.body, theirs.body)
    assert ours.json["id"] != theirs.json["id"]
    assert shell(db, "from workspaces.models import Person; import json; "
                     "print(json.dumps(Person.objects.filter(email='pat@corp.example').count()))") == 1
    assert memberships(db, "pat@corp.example") == {"demo": [True, "Viewer", "member"], "acme": [True, "Reader", "member"]}
    # Each workspace sees its own SCIM user only.
    assert demo.get(f"Users/{theirs.json['id']}").status == 404
    found = acme.get("Users", params={"filter": 'userName eq "pat.lee@acme.example"'}).json
    assert [r["id"] for r in found["Resources"]] == [theirs.json["id"]]

    # Deactivated in one workspace: the other keeps the person active.
    off = demo.patch(f"Users/{ours.json['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "active", "value": False}]})
    assert off.status == 200 and off.json["active"] is False
    assert memberships(db, "pat@corp.example")["demo"][0] is False
    assert memberships(db, "pat@corp.example")["acme"][0] is True
    assert acme.get(f"Users/{theirs.json['id']}").json["active"] is True

    # Deleted in one workspace, then provisioned again: the same SCIM user comes back.
    assert demo.delete(f"Users/{ours.json['id']}").status == 204
    assert demo.get(f"Users/{ours.json['id']}").status == 404
    back = demo.post("Users", person("PAT@corp.example"))
    assert back.status == 201 and back.json["id"] == ours.json["id"] and back.json["active"] is True
    assert memberships(db, "pat@corp.example")["demo"][0] is True


def test_teams_map_to_roles_per_workspace(site, demo, acme):
    db, _ = site
    member = demo.post("Users", person("sam@corp.example")).json["id"]
    acme.post("Users", person("sam@corp.example"))
    group = demo.post("Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Editors",
                                 "members": [{"value": member}]})
    assert group.status == 201, group.body
    shell(db, "from teams.models import Team; from teams.services import team_set_profile; "
              "from workspaces.models import Role; import json; "
              f"t = Team.objects.get(scim_id={group.json['id']!r}); "
              "team_set_profile(team=t, profile=Role.objects.get(organisation=t.organisation, name='Editor')); "
              "print(json.dumps(t.pk))")
    assert memberships(db, "sam@corp.example") == {"demo": [True, "Editor", "member"], "acme": [True, "Reader", "member"]}
    # Leaving the team gives the workspace's default role back.
    left = demo.patch(f"Groups/{group.json['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "remove", "path": f'members[value eq "{member}"]'}]})
    assert left.status in (200, 204)
    assert memberships(db, "sam@corp.example")["demo"] == [True, "Viewer", "member"]
    # Another workspace's SCIM user is no member value here.
    theirs = acme.get("Users", params={"filter": 'userName eq "sam@corp.example"'}).json["Resources"][0]["id"]
    refused = demo.patch(f"Groups/{group.json['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": theirs}]}]})
    assert refused.status == 400


def test_workspace_owners_are_read_only_to_scim(demo):
    owner = demo.get("Users", params={"filter": 'userName eq "owner@demo.example"'}).json["Resources"][0]
    assert owner["active"] is True
    refused = demo.patch(f"Users/{owner['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "active", "value": False}]})
    assert refused.status == 403 and "owner or admin of this workspace" in refused.json["detail"]
