"""Concurrent SCIM group writes (SQLite and PostgreSQL): nothing is lost, duplicates are a 409, and a
SCIM write never deadlocks with an administrator's change (SPEC §2, Atomicity)."""

import json
import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from teams import services as team_services
from teams.models import Team
from tests import factories

from .group_helpers import make_user, member, member_ids, patch_body

pytestmark = [pytest.mark.django_db(transaction=True)]


def _run_together(*jobs):
    """Start every job at the same moment (a barrier), each on its own connection."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _send(token, method, path, body=None):
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is None:
        return getattr(client, method)(f"/scim/v2/{path}", **headers).status_code
    return getattr(client, method)(f"/scim/v2/{path}", json.dumps(body), content_type="application/scim+json",
                                   **headers).status_code


def test_concurrent_member_additions_all_land(organisation, scim_token):
    team = factories.TeamFactory(organisation=organisation, name="Busy", scim_managed=True)
    shared = make_user(organisation, username="shared@acme.example")
    users = [make_user(organisation, username=f"racer{i}@acme.example") for i in range(8)]

    def add(user):
        body = patch_body({"op": "add", "path": "members", "value": [member(user), member(shared)]})
        return lambda: _send(scim_token, "patch", f"Groups/{team.scim_id}", body)

    assert _run_together(*[add(user) for user in users]) == [204] * len(users)
    assert member_ids(team) == {str(u.scim_link.scim_id) for u in [*users, shared]}


def test_concurrent_posts_of_one_display_name_give_one_201_and_one_409(organisation, scim_token):
    for round_ in range(3):
        name = f"Duplicate {round_}"
        statuses = _run_together(
            lambda: _send(scim_token, "post", "Groups", {"displayName": name, "members": []}),
            lambda: _send(scim_token, "post", "Groups", {"displayName": name.upper(), "members": []}),
        )
        assert sorted(statuses) == [201, 409]
        assert Team.objects.filter(organisation=organisation, name__iexact=name).count() == 1


def _wait_until_another_backend_waits_for_a_lock() -> None:
    """Synchronisation, not timing: poll PostgreSQL until the other request is blocked.
    (Activity statistics are a per-transaction snapshot: clear it before each look.)"""
    with connection.cursor() as cursor:
        for _ in range(2000):
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            threading.Event().wait(0.005)
    raise AssertionError("the SCIM request never waited for the organisation lock")


@pytest.mark.postgres  # waits on pg_stat_activity's lock table
def test_scim_patch_and_an_administrators_mapping_of_the_same_team_do_not_deadlock(
    organisation, scim_token, profiles
):
    """The teams services lock the organisation, then the team. A SCIM PATCH locks the team
    row too; taking the organisation first (the backend's write_lock) keeps one lock order."""
    team = factories.TeamFactory(organisation=organisation, name="Mapped", scim_managed=True)
    user = make_user(organisation, scim_managed=True)
    admin_holds_organisation = threading.Event()
    results = {}

    def administrator():
        try:
            with transaction.atomic():
                team_services.profiles_recompute(organisation=organisation)  # takes the organisation lock
                admin_holds_organisation.set()
                _wait_until_another_backend_waits_for_a_lock()
                team_services.team_set_profile(team=Team.objects.get(pk=team.pk), profile=profiles["Editor"])
            results["administrator"] = "done"
        except Exception as exc:  # noqa: BLE001
            results["administrator"] = repr(exc)
        finally:
            admin_holds_organisation.set()
            connection.close()

    def identity_provider():
        try:
            admin_holds_organisation.wait()
            body = patch_body({"op": "add", "path": "members", "value": [member(user)]})
            results["identity provider"] = _send(scim_token, "patch", f"Groups/{team.scim_id}", body)
        finally:
            connection.close()

    threads = [threading.Thread(target=administrator), threading.Thread(target=identity_provider)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == {"administrator": "done", "identity provider": 204}
    user.refresh_from_db()
    assert member_ids(team) == {str(user.scim_link.scim_id)}
    assert (user.profile_id, user.profile_team_id) == (profiles["Editor"].pk, team.pk)
