"""Property-style check (fixed seed): the set-based ``profiles_recompute`` and every service
built on it leave each user exactly where the pure rule (``teams.profiles``) says."""

import random
from collections import defaultdict
from dataclasses import replace

import pytest

from scim_provisioning.models import SCIMUser
from teams import services
from teams.models import Team, TeamMembership
from teams.profiles import EffectiveProfile, MappedTeam, effective_profile
from tests.factories import UserProfileFactory, bulk_users
from vxp_hub.models import Role, User
from vxp_hub.services import organisation_set_default_scim_profile

SEED = 20260501


def expected(organisation, initial: dict[int, EffectiveProfile]) -> dict[int, EffectiveProfile]:
    """The pure rule applied to what the database holds now. Users the rule does not govern
    must still have what they had at the start (``initial``), except a reference to a team
    deleted since (the foreign key is SET NULL)."""
    teams = {t.pk: t for t in Team.objects.filter(organisation=organisation).select_related("profile")}
    mapped = defaultdict(list)
    for team_id, user_id in TeamMembership.objects.filter(team__organisation=organisation).values_list("team_id", "user_id"):
        team = teams[team_id]
        if team.profile is not None:
            mapped[user_id].append(MappedTeam(team_id=team.pk, profile_id=team.profile_id, rank=team.profile.rank))
    organisation.refresh_from_db()
    managed = dict(SCIMUser.objects.filter(organisation=organisation).values_list("user_id", "managed"))

    def current(user):
        now = initial[user.pk]
        return now if now.team_id in teams or now.team_id is None else replace(now, team_id=None)

    return {
        user.pk: effective_profile(
            scim_managed=managed[user.pk],
            protected=user.is_protected,
            current=current(user),
            mapped_teams=mapped[user.pk],
            default_profile_id=organisation.default_scim_profile_id,
        )
        for user in User.objects.filter(organisation=organisation)
    }


def actual(organisation) -> dict[int, EffectiveProfile]:
    return {
        pk: EffectiveProfile(profile_id=profile_id, team_id=team_id)
        for pk, profile_id, team_id in User.objects.filter(organisation=organisation).values_list(
            "pk", "profile_id", "profile_team_id"
        )
    }


@pytest.fixture
def population(organisation, other_organisation, profiles):
    rng = random.Random(SEED)
    # A fifth profile ranked like Editor, so that ties between different profiles happen.
    all_profiles = [*profiles.values(), UserProfileFactory(organisation=organisation, name="Editor twin", rank=30)]
    teams = [Team.objects.create(organisation=organisation, name=f"Team {i}") for i in range(12)]
    users = bulk_users(organisation, 300, scim_managed=False)
    links = {link.user_id: link for link in SCIMUser.objects.filter(organisation=organisation)}
    for user in users:
        links[user.pk].managed = rng.random() < 0.7
        user.role = rng.choices([Role.MEMBER, Role.ADMINISTRATOR, Role.OWNER], weights=[8, 1, 1])[0]
        # Start from garbage, to prove the recomputation does not depend on the old values.
        user.profile = rng.choice([None, *all_profiles])
        user.profile_team = rng.choice([None, *teams])
    User.objects.bulk_update(users, ["role", "profile", "profile_team"])
    SCIMUser.objects.bulk_update(links.values(), ["managed"])
    for team in teams:
        team.profile = rng.choice([None, None, *all_profiles])
    Team.objects.bulk_update(teams, ["profile"])
    TeamMembership.objects.bulk_create(
        TeamMembership(team=team, user=user) for user in users for team in rng.sample(teams, rng.randint(0, 4))
    )
    # Noise in another organisation, which must never be touched.
    stranger_team = Team.objects.create(organisation=other_organisation, name="Team 0")
    strangers = bulk_users(other_organisation, 20, scim_managed=True)
    TeamMembership.objects.bulk_create(TeamMembership(team=stranger_team, user=u) for u in strangers)
    organisation.default_scim_profile = profiles["Contributor"]
    organisation.save()
    initial = actual(organisation)
    return rng, all_profiles, initial


def test_profiles_recompute_agrees_with_the_pure_rule(organisation, other_organisation, population):
    _, _, initial = population
    strangers_before = actual(other_organisation)
    services.profiles_recompute(organisation=organisation)
    assert actual(organisation) == expected(organisation, initial)
    assert actual(other_organisation) == strangers_before


def test_every_service_keeps_users_where_the_pure_rule_says(organisation, population):
    rng, all_profiles, initial = population
    services.profiles_recompute(organisation=organisation)
    deleted = SCIMUser.objects.filter(organisation=organisation, deleted_at__isnull=False).values("user_id")
    user_ids = list(User.objects.filter(organisation=organisation).exclude(pk__in=deleted).values_list("pk", flat=True))

    def some_users():
        return rng.sample(user_ids, rng.randint(0, 40))

    def random_team():
        return rng.choice(list(Team.objects.filter(organisation=organisation)))

    operations = [
        lambda: services.team_members_add(team=random_team(), user_ids=some_users()),
        lambda: services.team_members_remove(team=random_team(), user_ids=some_users()),
        lambda: services.team_members_set(team=random_team(), user_ids=some_users()),
        lambda: services.team_set_profile(team=random_team(), profile=rng.choice([None, *all_profiles])),
        lambda: services.profile_set_rank(profile=rng.choice(all_profiles), rank=rng.choice([10, 20, 30, 40])),
        lambda: services.team_delete(team=random_team()),
        lambda: services.team_create(
            organisation=organisation, name=f"New {rng.random()}", profile=rng.choice([None, *all_profiles]),
            member_ids=some_users(),
        ),
        lambda: organisation_set_default_scim_profile(organisation=organisation, profile=rng.choice([None, *all_profiles])),
    ]
    for step in range(60):
        rng.choice(operations)()
        assert actual(organisation) == expected(organisation, initial), f"diverged at step {step}"


def test_the_preview_predicts_exactly_what_each_change_does(organisation, population):
    """``teams.preview.profile_impact`` (the pure rule, evaluated without writing) names the
    same moves, user for user, as the database shows after the change is applied."""
    from collections import Counter

    from teams.preview import profile_impact
    from vxp_hub.services import team_map_profile

    rng, all_profiles, _ = population
    services.profiles_recompute(organisation=organisation)
    for step in range(30):
        before = actual(organisation)
        if rng.random() < 0.75:
            team = rng.choice(list(Team.objects.filter(organisation=organisation)))
            profile = rng.choice([None, *all_profiles])
            predicted = profile_impact(organisation=organisation, team=team, team_profile=profile)
            applied = team_map_profile(team=team, profile=profile)
        else:
            profile = rng.choice([None, *all_profiles])
            predicted = profile_impact(organisation=organisation, default_profile=profile)
            applied = organisation_set_default_scim_profile(organisation=organisation, profile=profile)
        after = actual(organisation)
        moves = Counter((before[pk].profile_id, after[pk].profile_id) for pk in before
                        if before[pk].profile_id != after[pk].profile_id)
        assert {(m.from_profile_id, m.to_profile_id): m.count for m in predicted.moves} == dict(moves), f"step {step}"
        assert applied == predicted
