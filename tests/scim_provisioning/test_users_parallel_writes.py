"""User writes of one organisation run in parallel; mapping changes still exclude them
(PostgreSQL only: SQLite's IMMEDIATE transactions serialise every writer anyway).

A SCIM user write takes the organisation's row FOR SHARE (``SCIMBackend.write_lock``), the
teams services FOR NO KEY UPDATE. So two user writes never wait for each other, while a
change of the default profile or of a mapping waits for the user writes in progress (and they
for it): a user's profile is never computed from a mapping that another transaction is
changing. The tests hold one transaction open and watch PostgreSQL's lock table; they never
wait on elapsed time to decide an outcome.
"""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from scim_provisioning.backend import UserChanges, get_backend
from teams import services as team_services
from tests.factories import TeamFactory, TeamMembershipFactory, UserFactory
from vxp_hub import services as hub_services
from vxp_hub.models import Organisation, User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30


def _post(raw_token: str, username: str):
    try:
        return Client().post("/scim/v2/Users", {"userName": username, "emails": [{"value": username}]},
                             content_type="application/scim+json", HTTP_AUTHORIZATION=f"Bearer {raw_token}")
    finally:
        connection.close()


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def _wait_until_someone_waits_for_a_lock(thread: threading.Thread) -> None:
    for _ in range(TIMEOUT * 200):
        if _someone_waits_for_a_lock():
            return
        assert thread.is_alive(), "the second transaction finished without waiting"
        threading.Event().wait(0.005)
    raise AssertionError("the second transaction never waited for the organisation lock")


class HeldTransaction(threading.Thread):
    """Runs ``work`` in a transaction on its own connection and keeps it open until
    ``release()``: the position a request is in between its first statement and its COMMIT."""

    def __init__(self, work):
        super().__init__()
        self.work, self.ready, self.done, self.errors = work, threading.Event(), threading.Event(), []

    def run(self):
        try:
            with transaction.atomic():
                self.work()
                self.ready.set()
                self.done.wait(TIMEOUT)
        except Exception as exc:  # noqa: BLE001 — reported by the test
            self.errors.append(exc)
        finally:
            self.ready.set()
            connection.close()

    def __enter__(self):
        self.start()
        assert self.ready.wait(TIMEOUT)
        assert self.errors == []
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.join(TIMEOUT)
        assert self.errors == []


def _scim_user_write(organisation, username: str):
    """What POST /Users does inside its transaction: the backend's write lock, then the create."""
    def work():
        backend = get_backend()
        backend.write_lock(organisation=organisation, resource_type="User")
        backend.user_create(organisation=organisation, changes=UserChanges(username=username))
    return work


def _in_thread(target, *args) -> tuple[threading.Thread, dict]:
    result = {}

    def run():
        try:
            result["value"] = target(*args)
        except Exception as exc:  # noqa: BLE001
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_create_completes_while_another_user_write_of_the_organisation_is_open(organisation, scim_token):
    with HeldTransaction(_scim_user_write(organisation, "first@example.com")):
        thread, result = _in_thread(_post, scim_token, "second@example.com")
        thread.join(TIMEOUT)
        finished_meanwhile = not thread.is_alive()
    thread.join(TIMEOUT)
    assert finished_meanwhile, "the second create waited for the first one's transaction"
    assert result["value"].status_code == 201, result["value"].content
    assert set(User.objects.filter(organisation=organisation, username__in=["first@example.com", "second@example.com"])
               .values_list("username", flat=True)) == {"first@example.com", "second@example.com"}


def test_an_update_and_a_delete_complete_while_a_create_is_open(organisation, scim_token):
    scim_user = UserFactory(organisation=organisation, scim_managed=True)
    other = UserFactory(organisation=organisation, scim_managed=True)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {scim_token}"}

    def update_then_delete():
        try:
            client = Client()
            patched = client.patch(f"/scim/v2/Users/{scim_user.scim_link.scim_id}",
                                   {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                    "Operations": [{"op": "replace", "path": "title", "value": "Parallel"}]},
                                   content_type="application/scim+json", **headers)
            deleted = client.delete(f"/scim/v2/Users/{other.scim_link.scim_id}", **headers)
            return patched.status_code, deleted.status_code
        finally:
            connection.close()

    with HeldTransaction(_scim_user_write(organisation, "open@example.com")):
        thread, result = _in_thread(update_then_delete)
        thread.join(TIMEOUT)
        finished_meanwhile = not thread.is_alive()
    thread.join(TIMEOUT)
    assert finished_meanwhile, "the update or the delete waited for the create's transaction"
    assert result["value"] == (200, 204)


def test_a_default_profile_change_waits_for_an_open_create_and_then_covers_the_new_user(organisation, profiles):
    hub_services.organisation_set_default_scim_profile(organisation=organisation, profile=profiles["Viewer"])
    with HeldTransaction(_scim_user_write(organisation, "racing@example.com")):
        thread, result = _in_thread(lambda: hub_services.organisation_set_default_scim_profile(
            organisation=Organisation.objects.get(pk=organisation.pk), profile=profiles["Editor"]))
        _wait_until_someone_waits_for_a_lock(thread)
    thread.join(TIMEOUT)
    assert "error" not in result
    assert User.objects.get(organisation=organisation, username="racing@example.com").profile == profiles["Editor"]


def test_a_create_waits_for_an_open_default_profile_change_and_gets_the_new_default(
    organisation, profiles, scim_token
):
    hub_services.organisation_set_default_scim_profile(organisation=organisation, profile=profiles["Viewer"])

    def change_default():
        hub_services.organisation_set_default_scim_profile(
            organisation=Organisation.objects.get(pk=organisation.pk), profile=profiles["Manager"])

    with HeldTransaction(change_default):
        thread, result = _in_thread(_post, scim_token, "late@example.com")
        _wait_until_someone_waits_for_a_lock(thread)
    thread.join(TIMEOUT)
    assert result["value"].status_code == 201, result["value"].content
    assert User.objects.get(organisation=organisation, username="late@example.com").profile == profiles["Manager"]


def test_a_user_made_scim_managed_while_its_team_is_being_mapped_gets_the_mapped_profile(
    organisation, profiles, scim_token
):
    """PATCH of a hand-made member recomputes it; a mapping of its team is in progress."""
    team = TeamFactory(organisation=organisation)
    manual = UserFactory(organisation=organisation, scim_managed=False)
    TeamMembershipFactory(team=team, user=manual)

    def patch():
        try:
            return Client().patch(f"/scim/v2/Users/{manual.scim_link.scim_id}",
                                  {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                   "Operations": [{"op": "replace", "path": "title", "value": "Managed"}]},
                                  content_type="application/scim+json", HTTP_AUTHORIZATION=f"Bearer {scim_token}")
        finally:
            connection.close()

    with HeldTransaction(lambda: team_services.team_set_profile(team=team, profile=profiles["Editor"])):
        thread, result = _in_thread(patch)
        _wait_until_someone_waits_for_a_lock(thread)
    thread.join(TIMEOUT)
    assert result["value"].status_code == 200, result["value"].content
    manual.refresh_from_db()
    assert (manual.scim_link.managed, manual.profile, manual.profile_team) == (True, profiles["Editor"], team)


def test_creates_racing_default_profile_changes_all_end_with_the_final_default(organisation, profiles, scim_token):
    """Eight parallel creates while the default profile changes three times: whatever the
    interleaving, every SCIM user ends with the default in force at the end."""
    order = [profiles["Viewer"], profiles["Contributor"], profiles["Editor"]]
    start = threading.Barrier(9)
    results = []

    def create(i):
        start.wait(TIMEOUT)
        results.append(_post(scim_token, f"race{i}@example.com").status_code)

    def flip_defaults():
        try:
            start.wait(TIMEOUT)
            for profile in order:
                hub_services.organisation_set_default_scim_profile(
                    organisation=Organisation.objects.get(pk=organisation.pk), profile=profile)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)] + [threading.Thread(target=flip_defaults)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    assert sorted(results) == [201] * 8
    created = User.objects.filter(organisation=organisation, username__startswith="race")
    assert {user.profile_id for user in created} == {profiles["Editor"].pk}
