"""A generated token's plaintext is stored nowhere and logged nowhere, whichever path made it:
the settings page, the API or the management command."""

import logging
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse

from scim_provisioning.services import token_authenticate

PREFIX = "vxpscim_"


def rows_containing(needle: str) -> list[str]:
    """Every (model, field) whose text holds ``needle``, over every table of every app."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField)):
                matches = model._default_manager.filter(**{f"{field.name}__contains": needle})
            elif isinstance(field, models.JSONField):
                matches = model._default_manager.annotate(_text=Cast(field.name, models.TextField())).filter(
                    _text__contains=needle
                )
            else:
                continue
            if matches.exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def via_ui(client, capsys):
    client.get(reverse("settings-general"))  # a session and a CSRF cookie, as in a browser
    response = client.post(reverse("settings-general-token-generate"), {"replaces": ""})
    return re.search(r'id="scim-token">([^<]*)<', response.content.decode()).group(1)


def via_api(client, capsys):
    return client.post(reverse("api-scim-token")).json()["token"]


def via_command(client, capsys):
    call_command("scim_token", organisation="acme")
    return capsys.readouterr().out.splitlines()[-1]


@pytest.fixture
def all_logs(caplog):
    for name in ("", "django", "django.request", "django.db.backends", "django_scim", "scim_provisioning", "vxp_hub"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.parametrize("generate", [via_ui, via_api, via_command], ids=["ui", "api", "command"])
def test_plaintext_token_is_stored_and_logged_nowhere(org_admin_client, organisation, capsys, all_logs, generate):
    raw = generate(org_admin_client, capsys)
    token = token_authenticate(raw)  # also records the first use
    assert token is not None and token.organisation == organisation
    body = raw[len(PREFIX):]

    assert rows_containing(raw) == []
    assert rows_containing(body) == []
    # The search does find what is stored: the hint and the digest.
    assert "scim_provisioning.SCIMToken.hint" in rows_containing(token.hint)
    assert rows_containing(token.digest) == ["scim_provisioning.SCIMToken.digest"]

    assert body not in all_logs.text
