"""``manage.py scim_token --organisation <slug>``."""

from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from scim_provisioning.models import SCIMEvent, SCIMToken
from scim_provisioning.services import token_authenticate


def run(capsys, slug):
    call_command("scim_token", organisation=slug)
    return capsys.readouterr()


def test_prints_the_token_as_the_last_line_of_stdout(organisation, capsys):
    out = run(capsys, "acme").out
    assert out.endswith("\n")
    raw = out.splitlines()[-1]
    token = token_authenticate(raw)
    assert token is not None and token.organisation == organisation
    assert token.created_by is None
    assert SCIMEvent.objects.filter(action="token.generated", token=token, actor=None).exists()


def test_running_it_again_revokes_the_first_token(organisation, capsys):
    first = run(capsys, "acme").out.splitlines()[-1]
    second = run(capsys, "acme")
    assert token_authenticate(first) is None
    assert token_authenticate(second.out.splitlines()[-1]) is not None
    assert "Revoked the previous SCIM token" in second.err
    assert first not in second.err and first not in second.out


def test_only_touches_the_named_organisation(organisation, other_organisation, capsys):
    theirs = run(capsys, "globex").out.splitlines()[-1]
    run(capsys, "acme")
    assert token_authenticate(theirs).organisation == other_organisation


# Through argv, as from a shell: exit status and streams. run_from_argv closes the database
# connections when it ends, hence transactional tests.


@pytest.mark.django_db(transaction=True)
def test_unknown_slug_exits_non_zero_and_prints_nothing_to_stdout(organisation, capsys):
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "scim_token", "--organisation", "no-such-organisation"])
    assert exit_.value.code != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "No organisation with slug 'no-such-organisation'" in captured.err
    assert not SCIMToken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_organisation_is_required(capsys):
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "scim_token"])
    assert exit_.value.code != 0
    assert capsys.readouterr().out == ""


# --- --rotate and friends (issue 14), driven through real SCIM requests -----------------------
def users_status(client, raw):
    from tests.conftest import SCIMClient

    return SCIMClient(client, raw).get("Users").status_code


def test_rotate_leaves_the_active_token_working(organisation, capsys, client):
    first = run(capsys, "acme").out.splitlines()[-1]
    call_command("scim_token", organisation="acme", rotate=True)
    rotated = capsys.readouterr()
    second = rotated.out.splitlines()[-1]
    assert second != first
    assert users_status(client, first) == 200 and users_status(client, second) == 200
    assert "keeps working" in rotated.err
    call_command("scim_token", organisation="acme", complete_rotation=True)
    assert users_status(client, first) == 401 and users_status(client, second) == 200


def test_rotate_twice_is_an_error_that_changes_nothing(organisation, capsys):
    run(capsys, "acme")
    call_command("scim_token", organisation="acme", rotate=True)
    with pytest.raises(CommandError, match="already in progress"):
        call_command("scim_token", organisation="acme", rotate=True)
    assert SCIMToken.objects.filter(revoked_at__isnull=True).count() == 2


def test_plain_run_during_a_rotation_revokes_every_token(organisation, capsys, client):
    first = run(capsys, "acme").out.splitlines()[-1]
    call_command("scim_token", organisation="acme", rotate=True)
    second = capsys.readouterr().out.splitlines()[-1]
    third = run(capsys, "acme").out.splitlines()[-1]
    assert [users_status(client, t) for t in (first, second, third)] == [401, 401, 200]


def test_cancel_rotation_and_expiry_options(organisation, capsys, client):
    first = run(capsys, "acme").out.splitlines()[-1]
    call_command("scim_token", organisation="acme", rotate=True, retire_old_in_days=2, expires_in_days=30)
    second = capsys.readouterr().out.splitlines()[-1]
    new = SCIMToken.objects.filter(revoked_at__isnull=True).order_by("-pk").first()
    assert new.expires_at is not None
    call_command("scim_token", organisation="acme", cancel_rotation=True)
    assert users_status(client, first) == 200 and users_status(client, second) == 401
    with pytest.raises(CommandError, match="No rotation"):
        call_command("scim_token", organisation="acme", complete_rotation=True)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("scim_token", organisation="acme", expires_in_days=0)


def test_scim_oauth_client_prints_id_and_secret_as_the_last_two_lines(organisation, capsys, client):
    call_command("scim_oauth_client", organisation="acme")
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2].startswith("client_id=") and lines[-1].startswith("client_secret=")
    client_id, secret = lines[-2].split("=", 1)[1], lines[-1].split("=", 1)[1]
    call_command("scim_oauth_client", organisation="acme", add_secret=client_id, secret_expires_in_days=30)
    lines2 = capsys.readouterr().out.splitlines()
    assert lines2[-2] == f"client_id={client_id}"
    for s in (secret, lines2[-1].split("=", 1)[1]):
        body = urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": s})
        response = client.post("/scim/oauth/token", body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
    with pytest.raises(CommandError, match="No organisation"):
        call_command("scim_oauth_client", organisation="nope")
    with pytest.raises(CommandError, match="at most 3 years"):
        call_command("scim_oauth_client", organisation="acme", secret_expires_in_days=5000)
