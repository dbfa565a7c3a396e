"""A fresh host project (tests/host/minimal_host.py: its own tenant, role and user models, an
e-mail login field) set up the way the README's 'Install in your project' says: makemigrations,
the one-line migration fix ``teams.E003`` asks for, migrate, and SCIM over its HTTP stack."""

import json
import os
import subprocess
import sys

import pytest

from .minimal_host import REPO, manage, write_host

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ONE_LINE_FIX = ("('teams', '0002_initial')", "('teams', '0001_initial')")


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    path = write_host(tmp_path_factory.mktemp("host"))
    made = manage(path, "makemigrations", "accounts")
    assert made.returncode == 0, made.stderr
    return path


@pytest.fixture(scope="module")
def migrated(host):
    initial = host / "accounts" / "migrations" / "0001_initial.py"
    text = initial.read_text()
    # What the README and teams.E003 say to do, once, after the first makemigrations.
    initial.write_text(text.replace(*ONE_LINE_FIX))
    result = manage(host, "migrate", "--noinput")
    assert result.returncode == 0, result.stdout + result.stderr
    return host


def drive(host, requests, setup: str = ""):
    if setup:
        done = manage(host, "shell", "-c", setup)
        assert done.returncode == 0, done.stderr
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env.update(PYTHONPATH=os.pathsep.join([str(host), str(REPO)]), HOST_DB=str(host / "db.sqlite3"))
    result = subprocess.run([sys.executable, "drive.py", json.dumps(requests)], cwd=host, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def user(user_name, email=None):
    body = {"schemas": [USER], "userName": user_name, "name": {"givenName": "Ada", "familyName": "L"}, "active": True}
    if email:
        body["emails"] = [{"value": email, "type": "work", "primary": True}]
    return ["POST", "/scim/v2/Users", body]


def test_first_makemigrations_cycle_is_a_check_error_naming_the_one_line_fix(host):
    initial = host / "accounts" / "migrations" / "0001_initial.py"
    if ONE_LINE_FIX[0] not in initial.read_text():
        pytest.skip("the migrated fixture already applied the fix")  # only when run after it
    result = manage(host, "migrate", "--noinput")

    assert result.returncode == 1
    assert "CircularDependencyError" not in result.stderr, result.stderr
    assert "(teams.E003) accounts.0001_initial depends on ('teams', '0002_initial')" in result.stderr
    assert "change ('teams', '0002_initial') to ('teams', '0001_initial')" in result.stderr


def test_after_the_fix_migrate_runs_and_the_models_match_the_migrations(migrated):
    check = manage(migrated, "check")
    pending = manage(migrated, "makemigrations", "--check", "--dry-run")

    assert check.returncode == 0, check.stderr
    assert pending.returncode == 0, pending.stdout + pending.stderr


def test_email_login_host_creates_one_user_after_another(migrated):
    answers = drive(migrated, [user("ann@example.com"), user("bob@example.com", "bob@work.example.com")])

    assert [a["status"] for a in answers] == [201, 201]
    listed = manage(migrated, "shell", "-c",
                    "from accounts.models import User; print(sorted(User.objects.values_list('username', 'email')))")
    assert "('ann@example.com', 'ann@example.com')" in listed.stdout
    assert "('bob@example.com', 'bob@example.com')" in listed.stdout  # the login field follows userName


def test_taken_username_is_the_username_409(migrated):
    answers = drive(migrated, [user("carl@example.com"), user("Carl@example.com")])

    assert [a["status"] for a in answers] == [201, 409]
    assert answers[1]["body"]["scimType"] == "uniqueness"
    assert "userName" in answers[1]["body"]["detail"]


def test_clash_on_the_login_field_names_that_field_not_username(migrated):
    setup = ("from accounts.models import User; "
             "User.objects.create_user('dan@example.com', username='dan-by-hand')")
    answers = drive(migrated, [user("dan@example.com"), ["GET", "/scim/v2/Users?filter=userName eq \"dan@example.com\"", None]],
                    setup=setup)

    assert answers[0]["status"] == 409
    assert answers[0]["body"]["scimType"] == "uniqueness"
    assert "email" in answers[0]["body"]["detail"] and "userName is not taken" in answers[0]["body"]["detail"]
    assert answers[1]["body"]["totalResults"] == 0  # nothing was created


def test_renaming_the_username_renames_the_login_field(migrated):
    created = drive(migrated, [user("eve@example.com")])[0]
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations": [{"op": "replace", "path": "userName", "value": "eve.new@example.com"}]}
    answers = drive(migrated, [["PATCH", f"/scim/v2/Users/{created['body']['id']}", patch]])

    assert answers[0]["status"] == 200, answers
    listed = manage(migrated, "shell", "-c",
                    "from accounts.models import User; print(User.objects.get(username='eve.new@example.com').email)")
    assert listed.stdout.splitlines()[-1] == "eve.new@example.com"
