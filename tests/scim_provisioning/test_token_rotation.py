"""Rotating the SCIM token without downtime, through HTTP: the settings page and the API start,
complete and cancel a rotation while the identity provider keeps sending SCIM requests."""

import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scim_provisioning.models import SCIMEvent, SCIMToken
from scim_provisioning.services import token_generate, token_rotate
from tests.conftest import SCIMClient

GENERAL = reverse("settings-general")


def new_token(response) -> str:
    return re.search(r'id="scim-token">([^<]*)<', response.content.decode()).group(1)


def users_status(client, raw) -> int:
    return SCIMClient(client, raw).get("Users").status_code


def page_rotate(admin, **form):
    page = admin.get(GENERAL).content.decode()
    seen = re.search(r'action="/settings/organisation/general/scim-token/rotate/".*?name="replaces" value="([^"]*)"',
                     page, re.S).group(1)
    return admin.post(reverse("settings-general-token-rotate"), {"replaces": seen, **form})


def test_rotation_on_the_page_keeps_both_tokens_working_until_completed(org_admin_client, organisation, client):
    old = token_generate(organisation=organisation)[1]
    response = page_rotate(org_admin_client)
    assert response.status_code == 200
    new = new_token(response)
    assert new != old
    idp = Client()
    for _ in range(5):  # the identity provider still has the old token; an admin tests the new one
        assert users_status(idp, old) == 200
        assert users_status(idp, new) == 200
    page = org_admin_client.get(GENERAL).content.decode()
    assert "Rotation in progress" in page and "(old)" in page and "(new)" in page

    response = org_admin_client.post(reverse("settings-general-rotation-complete"), follow=True)
    assert "Rotation completed" in response.content.decode()
    assert users_status(idp, old) == 401
    assert users_status(idp, new) == 200
    actions = list(SCIMEvent.objects.filter(organisation=organisation).values_list("action", flat=True))
    assert {"token.rotation_started", "token.rotation_completed", "token.revoked"} <= set(actions)


def test_cancelling_a_rotation_keeps_the_old_token(org_admin_client, organisation):
    old = token_generate(organisation=organisation)[1]
    new = new_token(page_rotate(org_admin_client, retire_old_in_days="7"))
    assert SCIMToken.objects.get(revoked_at__isnull=True, retire_at__isnull=False)  # the old one has a deadline
    org_admin_client.post(reverse("settings-general-rotation-cancel"))
    idp = Client()
    assert users_status(idp, old) == 200
    assert users_status(idp, new) == 401
    assert not SCIMToken.objects.filter(retire_at__isnull=False, revoked_at__isnull=True).exists()


def test_the_old_token_stops_at_the_rotation_deadline(organisation, client):
    old = token_generate(organisation=organisation)[1]
    _, new = token_rotate(organisation=organisation, retire_at=timezone.now() + timedelta(days=1))
    assert users_status(client, old) == 200
    SCIMToken.objects.filter(retire_at__isnull=False).update(retire_at=timezone.now() - timedelta(seconds=1))
    response = SCIMClient(client, old).get("Users")
    assert response.status_code == 401
    assert "rotation" in response.json()["detail"]
    assert users_status(client, new) == 200


def test_a_second_rotation_waits_for_the_first(org_admin_client, organisation):
    token_generate(organisation=organisation)
    page_rotate(org_admin_client)
    response = org_admin_client.post(reverse("api-scim-token-rotation"), content_type="application/json")
    assert response.status_code == 409
    assert SCIMToken.objects.filter(revoked_at__isnull=True).count() == 2


def test_regenerating_during_a_rotation_revokes_both(org_admin_client, organisation, client):
    old = token_generate(organisation=organisation)[1]
    new = new_token(page_rotate(org_admin_client))
    seen = ",".join(str(pk) for pk in SCIMToken.objects.filter(revoked_at__isnull=True).order_by("pk")
                    .values_list("pk", flat=True))
    response = org_admin_client.post(reverse("settings-general-token-generate"), {"replaces": seen, "confirm": "on"})
    third = new_token(response)
    assert users_status(client, old) == 401
    assert users_status(client, new) == 401
    assert users_status(client, third) == 200


def test_rotation_through_the_api(org_admin_client, organisation, client):
    old = org_admin_client.post(reverse("api-scim-token")).json()["token"]
    started = org_admin_client.post(reverse("api-scim-token-rotation"), {"retire_old_in_days": 3},
                                    content_type="application/json")
    assert started.status_code == 201
    body = started.json()
    assert body["rotation_in_progress"] is True
    assert [t["retire_at"] is not None for t in body["tokens"]] == [True, False]
    new = body["token"]
    assert users_status(client, old) == 200 and users_status(client, new) == 200
    done = org_admin_client.post(reverse("api-scim-token-rotation-complete"))
    assert done.status_code == 200 and done.json()["rotation_in_progress"] is False
    assert users_status(client, old) == 401 and users_status(client, new) == 200
    assert org_admin_client.post(reverse("api-scim-token-rotation-cancel")).status_code == 409


def test_bad_expiry_in_the_api_is_a_400_and_changes_nothing(org_admin_client, organisation):
    response = org_admin_client.post(reverse("api-scim-token"), {"expires_in_days": 0}, content_type="application/json")
    assert response.status_code == 400
    assert not SCIMToken.objects.exists()


def test_an_expired_token_answers_401_saying_so(organisation, client):
    token, raw = token_generate(organisation=organisation, expires_at=timezone.now() + timedelta(days=90))
    assert users_status(client, raw) == 200
    SCIMToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = SCIMClient(client, raw).get("Users")
    assert response.status_code == 401
    assert response.json()["detail"] == "The SCIM token has expired."


def test_expiry_is_announced_in_headers_and_on_the_page(org_admin_client, organisation, client):
    token, raw = token_generate(organisation=organisation, expires_at=timezone.now() + timedelta(days=10))
    response = SCIMClient(client, raw).get("Users")
    assert response.status_code == 200
    assert response["X-SCIM-Credential-Expires"].startswith(token.expires_at.date().isoformat())
    assert token.hint.replace("…", "...") in response["X-SCIM-Credential-Warning"]
    page = org_admin_client.get(GENERAL).content.decode()
    assert "token-expiry-warning" in page


def test_no_expiry_header_for_a_token_far_from_expiry(organisation, client):
    _, raw = token_generate(organisation=organisation, expires_at=timezone.now() + timedelta(days=365))
    response = SCIMClient(client, raw).get("Users")
    assert "X-SCIM-Credential-Expires" not in response


def test_the_activity_log_names_the_token_of_each_request(organisation, client):
    old = token_generate(organisation=organisation)[1]
    new_token_obj, new = token_rotate(organisation=organisation)
    old_obj = SCIMToken.objects.exclude(pk=new_token_obj.pk).get()
    for raw, name in ((old, "a"), (new, "b")):
        SCIMClient(client, raw).post("Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                               "userName": f"{name}@acme.example"})
    events = {e.resource_display: e.token_hint for e in SCIMEvent.objects.filter(action="user.create")}
    assert events == {"a@acme.example": old_obj.hint, "b@acme.example": new_token_obj.hint}


def test_page_regenerate_double_submit_shows_the_active_token(org_admin_client, organisation, client):
    token_generate(organisation=organisation)
    seen = str(SCIMToken.objects.get().pk)
    form = {"replaces": seen, "confirm": "on", "issue_key": "k" * 32}
    first = org_admin_client.post(reverse("settings-general-token-generate"), form)
    second = org_admin_client.post(reverse("settings-general-token-generate"), form)  # the double click
    assert first.status_code == 200 and second.status_code == 200
    shown = new_token(second)  # what the browser shows: the last response
    assert users_status(client, shown) == 200
    assert users_status(client, new_token(first)) == 401
    assert SCIMToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_page_reload_after_the_window_says_it_was_a_reload(org_admin_client, organisation):
    form = {"replaces": "", "issue_key": "r" * 32}
    org_admin_client.post(reverse("settings-general-token-generate"), form)
    SCIMToken.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    reload = org_admin_client.post(reverse("settings-general-token-generate"), form)
    assert reload.status_code == 409
    body = reload.content.decode()
    assert 'id="token-reloaded"' in body
    assert 'id="scim-token"' not in body  # the token is not shown again
    assert SCIMToken.objects.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_requests_racing_a_rotation_are_never_refused(organisation):
    """Threads send SCIM requests with the old token while the rotation starts and the new one
    joins in; not one request is refused until the rotation is completed."""
    old = token_generate(organisation=organisation)[1]
    statuses: list[int] = []
    stop = threading.Event()

    def idp(raw_getter):
        try:
            client = Client()
            while not stop.is_set():
                raw = raw_getter()
                if raw:
                    statuses.append(users_status(client, raw))
        finally:
            connection.close()

    new_holder: list[str] = []
    threads = [threading.Thread(target=idp, args=(lambda: old,)),
               threading.Thread(target=idp, args=(lambda: new_holder[0] if new_holder else None,))]
    for t in threads:
        t.start()
    try:
        new_holder.append(token_rotate(organisation=organisation)[1])
        deadline = timezone.now() + timedelta(seconds=3)
        while len(statuses) < 40 and timezone.now() < deadline:
            threading.Event().wait(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert len(statuses) >= 10
    assert set(statuses) == {200}
