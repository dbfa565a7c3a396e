"""The one home of the rule "which user profile does a team member get" (SPEC §3).

Pure: plain values in, plain values out, no database. ``teams.services.profiles_recompute``
applies the same rule to many users in a bounded number of SQL statements, and a test
(``tests/teams/test_recompute_property.py``) checks that both agree on a random population.

The rule:

* Users that are not SCIM-managed, and protected users (owners and administrators), are
  never changed by it: their profile is set by hand, or is irrelevant to their role.
* A SCIM-managed, unprotected user gets the highest-ranked profile among the *mapped* teams
  (teams with a profile) it belongs to, and that team is recorded as the profile's source.
* Ties (two mapped teams whose profiles have the same rank, including two teams mapped to the
  same profile): the team with the **lowest id** wins. Team ids never change, so the source
  shown in the UI does not flip between equally good teams from one recomputation to the next.
* With no mapped team, the organisation's default profile for SCIM users applies (``None``
  means no access), and the source team is ``None``.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MappedTeam:
    """A team the user belongs to that is mapped to a profile of the given rank."""

    team_id: int
    profile_id: int
    rank: int


@dataclass(frozen=True)
class EffectiveProfile:
    """A user's profile and the mapped team it came from (``None``: not from a team)."""

    profile_id: int | None
    team_id: int | None


def best_mapped_team(teams: Iterable[MappedTeam]) -> MappedTeam | None:
    """The winning team: highest rank, then lowest team id. ``None`` for no team."""
    best = None
    for team in teams:
        if best is None or (team.rank, -team.team_id) > (best.rank, -best.team_id):
            best = team
    return best


def effective_profile(
    *,
    scim_managed: bool,
    protected: bool,
    current: EffectiveProfile,
    mapped_teams: Iterable[MappedTeam],
    default_profile_id: int | None,
) -> EffectiveProfile:
    """The profile (and its source team) the user should have.

    ``current`` is what the user has now; it is returned unchanged for users the rule does not
    govern (not SCIM-managed, or protected). ``mapped_teams`` are only the user's teams that
    have a profile; unmapped teams play no part.
    """
    if not scim_managed or protected:
        return current
    best = best_mapped_team(mapped_teams)
    if best is None:
        return EffectiveProfile(profile_id=default_profile_id, team_id=None)
    return EffectiveProfile(profile_id=best.profile_id, team_id=best.team_id)
