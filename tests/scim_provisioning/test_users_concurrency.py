"""Concurrent creates of one userName (Okta bursts, parallel Entra jobs): the database
constraint decides, so exactly one 201 and the rest 409 uniqueness, never a 500."""

import threading

import pytest
from django.db import connection
from django.test import Client

from vxp_hub.models import User

THREADS = 8


def _post_concurrently(raw_token: str, body: dict) -> list:
    barrier = threading.Barrier(THREADS)
    responses = [None] * THREADS

    def post(index):
        try:
            client = Client()
            barrier.wait(timeout=30)
            responses[index] = client.post("/scim/v2/Users", body, content_type="application/scim+json",
                                           HTTP_AUTHORIZATION=f"Bearer {raw_token}")
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_username_give_one_201(organisation, scim_token):
    responses = _post_concurrently(scim_token, {"userName": "burst@example.com",
                                                "emails": [{"value": "burst@example.com", "type": "work"}]})
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (THREADS - 1), statuses
    for response in responses:
        if response.status_code == 409:
            body = response.json()
            assert body["status"] == "409" and body["scimType"] == "uniqueness"
            assert "burst@example.com" not in body["detail"] and "constraint" not in body["detail"].lower()
    user = User.objects.get(organisation=organisation, username__iexact="burst@example.com")
    assert user.scim_link.emails.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_revivals_of_one_deleted_user_give_one_201(organisation, scim_token):
    created = Client().post("/scim/v2/Users", {"userName": "back@example.com"}, content_type="application/scim+json",
                            HTTP_AUTHORIZATION=f"Bearer {scim_token}").json()
    assert Client().delete(f"/scim/v2/Users/{created['id']}",
                           HTTP_AUTHORIZATION=f"Bearer {scim_token}").status_code == 204
    responses = _post_concurrently(scim_token, {"userName": "BACK@example.com"})
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (THREADS - 1), statuses
    revived = next(r for r in responses if r.status_code == 201).json()
    assert revived["id"] == created["id"]
    assert User.objects.filter(organisation=organisation, username__iexact="back@example.com").count() == 1
