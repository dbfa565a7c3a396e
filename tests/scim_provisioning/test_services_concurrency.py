"""Concurrent token changes on PostgreSQL: the organisation row lock serialises them."""

import threading

import pytest
from django.db import connection

from scim_provisioning.models import SCIMEvent, SCIMToken
from scim_provisioning.services import token_authenticate, token_generate

pytestmark = [pytest.mark.django_db(transaction=True)]


def _run_at_once(target, n):
    """Run ``target()`` in ``n`` threads released together; return (results, errors)."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_concurrent_generation_ends_with_exactly_one_active_token(organisation, administrator):
    results, errors = _run_at_once(lambda: token_generate(organisation=organisation, created_by=administrator), 2)
    assert errors == []
    assert SCIMToken.objects.filter(organisation=organisation).count() == 2
    active = SCIMToken.objects.filter(organisation=organisation, revoked_at__isnull=True)
    assert active.count() == 1
    working = [raw for _, raw in results if token_authenticate(raw) is not None]
    assert len(working) == 1


def test_concurrent_first_uses_are_logged_once(organisation):
    _, raw = token_generate(organisation=organisation)
    results, errors = _run_at_once(lambda: token_authenticate(raw), 4)
    assert errors == [] and all(results)
    assert SCIMEvent.objects.filter(action="token.first_use").count() == 1
