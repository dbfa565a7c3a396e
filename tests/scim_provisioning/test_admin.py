"""The Django admin lists SCIM tokens and events read-only, and never shows a digest."""

import pytest
from django.urls import reverse

from scim_provisioning.models import SCIMEvent, SCIMToken
from scim_provisioning.services import token_authenticate, token_generate
from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, organisation):
    client.force_login(UserFactory(organisation=organisation, is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def tokens(organisation, other_organisation, administrator):
    revoked, _ = token_generate(organisation=organisation, created_by=administrator)
    active, raw = token_generate(organisation=organisation, created_by=administrator)
    token_authenticate(raw)
    theirs, _ = token_generate(organisation=other_organisation)
    return {"revoked": revoked, "active": active, "theirs": theirs}


def test_token_list_shows_hint_organisation_and_dates_but_no_digest(admin_client, tokens):
    response = admin_client.get(reverse("admin:scim_provisioning_scimtoken_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    for token in tokens.values():
        assert token.hint in body
        assert token.digest not in body
    for column in ["Organisation", "Created at", "Last used at", "Revoked at"]:
        assert column in body


def test_token_list_filters_by_status(admin_client, tokens):
    url = reverse("admin:scim_provisioning_scimtoken_changelist")
    active = admin_client.get(url, {"status": "active"}).context["cl"].result_list
    assert set(active) == {tokens["active"], tokens["theirs"]}
    assert list(admin_client.get(url, {"status": "revoked"}).context["cl"].result_list) == [tokens["revoked"]]


def test_token_detail_is_read_only_without_digest(admin_client, tokens):
    token = tokens["active"]
    url = reverse("admin:scim_provisioning_scimtoken_change", args=[token.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert token.hint in body and token.digest not in body
    assert 'name="_save"' not in body

    assert admin_client.post(url, {"hint": "changed", "digest": "0" * 64}).status_code == 403
    token.refresh_from_db()
    assert token.hint != "changed"


def test_tokens_cannot_be_added_or_deleted(admin_client, tokens):
    assert admin_client.get(reverse("admin:scim_provisioning_scimtoken_add")).status_code == 403
    delete = reverse("admin:scim_provisioning_scimtoken_delete", args=[tokens["active"].pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:scim_provisioning_scimtoken_changelist")
    admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [tokens["active"].pk], "post": "yes"})
    assert SCIMToken.objects.count() == 3


def test_events_are_listed_read_only(admin_client, tokens):
    event = SCIMEvent.objects.filter(action="token.first_use").get()
    changelist = admin_client.get(reverse("admin:scim_provisioning_scimevent_changelist"))
    assert changelist.status_code == 200
    assert "token.first_use" in changelist.content.decode()

    url = reverse("admin:scim_provisioning_scimevent_change", args=[event.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"action": "changed"}).status_code == 403
    assert admin_client.get(reverse("admin:scim_provisioning_scimevent_add")).status_code == 403
    assert admin_client.post(reverse("admin:scim_provisioning_scimevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "token.first_use"


def test_non_staff_cannot_open_the_admin(client, administrator, tokens):
    client.force_login(administrator)
    response = client.get(reverse("admin:scim_provisioning_scimtoken_changelist"))
    assert response.status_code == 302
