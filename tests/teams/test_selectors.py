"""teams.selectors: scoped reads, cheap enough for every page view."""

from teams.selectors import organisation_has_scim_objects, team_list
from tests.factories import TeamFactory, TeamMembershipFactory, UserFactory


def test_team_list_counts_members_and_filters_scim(organisation, other_organisation, profiles):
    marketing = TeamFactory(organisation=organisation, name="marketing", profile=profiles["Editor"], scim_managed=True)
    TeamMembershipFactory.create_batch(3, team=marketing)
    TeamFactory(organisation=organisation, name="Design")
    TeamFactory(organisation=other_organisation, name="Elsewhere", scim_managed=True)
    assert [(t.name, t.member_count) for t in team_list(organisation=organisation)] == [("Design", 0), ("marketing", 3)]
    assert [t.name for t in team_list(organisation=organisation, scim_only=True)] == ["marketing"]


def test_has_scim_objects_takes_at_most_two_exists_queries(organisation, other_organisation, django_assert_max_num_queries):
    TeamFactory(organisation=other_organisation, scim_managed=True)
    with django_assert_max_num_queries(2):
        assert organisation_has_scim_objects(organisation=organisation) is False
    UserFactory(organisation=organisation, scim_managed=True)
    assert organisation_has_scim_objects(organisation=organisation) is True
