"""teams.bulk: an id list as one SQL parameter, and the one-statement membership insert."""

from teams.bulk import id_table, memberships_insert
from teams.models import TeamMembership
from tests.factories import TeamFactory, UserFactory, bulk_users
from vxp_hub.models import User


def test_id_table_mixes_small_and_huge_ids(organisation):
    user = UserFactory(organisation=organisation)
    assert list(User.objects.filter(pk__in=id_table([2**40, user.pk, 2**63 - 1]))) == [user]
    assert not User.objects.filter(pk__in=id_table([])).exists()


def test_id_table_is_one_parameter_for_40000_ids(organisation, django_assert_num_queries):
    users = bulk_users(organisation, 3)
    ids = [u.pk for u in users] + list(range(10**9, 10**9 + 40_000))
    with django_assert_num_queries(1):
        assert User.objects.filter(pk__in=id_table(ids)).count() == 3


def test_memberships_insert_is_one_statement_and_skips_existing_rows(organisation, django_assert_num_queries):
    team = TeamFactory(organisation=organisation)
    users = bulk_users(organisation, 1_500)
    TeamMembership.objects.create(team=team, user=users[0])
    with django_assert_num_queries(1):
        memberships_insert(membership_model=TeamMembership, user_model=User, team_id=team.pk, user_ids=[u.pk for u in users])
    assert TeamMembership.objects.filter(team=team).count() == 1_500
