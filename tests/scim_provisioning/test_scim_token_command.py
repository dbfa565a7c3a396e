"""``manage.py scim_token --organisation <slug>``."""

import pytest
from django.core.management import call_command, execute_from_command_line

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
