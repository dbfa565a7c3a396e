"""The profile rule as a pure function: no database (these tests do not request ``db``)."""

from teams.profiles import EffectiveProfile, MappedTeam, best_mapped_team, effective_profile

VIEWER, CONTRIBUTOR, EDITOR, MANAGER = 1, 2, 3, 4
RANK = {VIEWER: 10, CONTRIBUTOR: 20, EDITOR: 30, MANAGER: 40}
MARKETING, SALES, DESIGN = 101, 102, 103
NOTHING = EffectiveProfile(profile_id=None, team_id=None)


def mapped(team_id, profile_id):
    return MappedTeam(team_id=team_id, profile_id=profile_id, rank=RANK[profile_id])


def resolve(teams, *, scim_managed=True, protected=False, current=NOTHING, default=VIEWER):
    return effective_profile(
        scim_managed=scim_managed, protected=protected, current=current, mapped_teams=teams, default_profile_id=default
    )


def test_two_mapped_teams_give_the_higher_rank():
    assert resolve([mapped(MARKETING, EDITOR), mapped(SALES, CONTRIBUTOR)]) == EffectiveProfile(EDITOR, MARKETING)
    assert resolve([mapped(SALES, CONTRIBUTOR), mapped(MARKETING, EDITOR)]) == EffectiveProfile(EDITOR, MARKETING)


def test_leaving_the_higher_team_drops_to_the_lower():
    before = resolve([mapped(MARKETING, EDITOR), mapped(SALES, CONTRIBUTOR)])
    after = resolve([mapped(SALES, CONTRIBUTOR)], current=before)
    assert after == EffectiveProfile(CONTRIBUTOR, SALES)


def test_no_mapped_team_falls_back_to_the_organisation_default():
    current = EffectiveProfile(EDITOR, MARKETING)
    assert resolve([], current=current, default=VIEWER) == EffectiveProfile(VIEWER, None)


def test_default_none_means_no_access():
    assert resolve([], current=EffectiveProfile(EDITOR, MARKETING), default=None) == NOTHING


def test_protected_user_in_a_mapped_team_keeps_everything():
    current = EffectiveProfile(VIEWER, None)
    assert resolve([mapped(MARKETING, MANAGER)], protected=True, current=current) == current
    assert resolve([], protected=True, current=NOTHING, default=EDITOR) == NOTHING


def test_user_not_managed_by_scim_is_unchanged():
    current = EffectiveProfile(CONTRIBUTOR, None)
    assert resolve([mapped(MARKETING, MANAGER)], scim_managed=False, current=current) == current
    assert resolve([], scim_managed=False, current=current, default=None) == current


def test_equal_ranks_the_lowest_team_id_wins_whatever_the_order():
    twin = 5  # another profile with Editor's rank
    teams = [MappedTeam(DESIGN, twin, 30), MappedTeam(SALES, EDITOR, 30), MappedTeam(MARKETING, EDITOR, 30)]
    assert best_mapped_team(teams) == MappedTeam(MARKETING, EDITOR, 30)
    assert best_mapped_team(reversed(teams)) == MappedTeam(MARKETING, EDITOR, 30)
    assert best_mapped_team([MappedTeam(DESIGN, twin, 30), MappedTeam(SALES, EDITOR, 30)]).profile_id == EDITOR


def test_a_higher_rank_beats_a_lower_team_id():
    assert resolve([mapped(MARKETING, VIEWER), mapped(DESIGN, MANAGER)]) == EffectiveProfile(MANAGER, DESIGN)


def test_best_of_nothing_is_none():
    assert best_mapped_team([]) is None
