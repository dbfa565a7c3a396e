"""Concurrent team writes of one organisation never leave a stale profile (PostgreSQL only).

A mapping change and a membership addition race: without the organisation lock, the
addition's recomputation would read the team as unmapped (the mapping is not committed
yet) and the mapping's recomputation would not see the new member, leaving that member
with the default profile. The test waits on events and on PostgreSQL's lock table, never on
elapsed time.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from teams import services
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_member_added_while_the_team_is_being_mapped_gets_the_mapped_profile(organisation, profiles):
    team = services.team_create(organisation=organisation, name="Marketing")
    newcomer = UserFactory(organisation=organisation, scim_managed=True)
    mapping_done, release_mapping = threading.Event(), threading.Event()
    errors = []

    def map_team():
        try:
            with transaction.atomic():
                services.team_set_profile(team=team, profile=profiles["Manager"])
                mapping_done.set()
                release_mapping.wait()
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
            mapping_done.set()
        finally:
            connection.close()

    def add_member():
        try:
            services.team_members_add(team=team, user_ids=[newcomer.pk])
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    mapper = threading.Thread(target=map_team)
    mapper.start()
    assert mapping_done.wait(30)
    adder = threading.Thread(target=add_member)
    adder.start()
    # Let the addition run until it either finishes or waits for the mapping's lock.
    for _ in range(3000):
        if not adder.is_alive() or blocked_on_a_lock():
            break
        time.sleep(0.01)
    release_mapping.set()
    mapper.join(30)
    adder.join(30)
    assert errors == []
    newcomer.refresh_from_db()
    assert (newcomer.profile, newcomer.profile_team) == (profiles["Manager"], team)
