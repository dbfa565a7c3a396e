"""What a profile change would do, computed without writing anything.

Before a team's mapping or the organisation's default profile for SCIM users changes, the
settings pages show its effect ("37 users go from Viewer to Editor, 2 lose access"). The
numbers come from the one rule, ``teams.profiles.effective_profile``, evaluated in Python on
the users the change can reach, with the change substituted; ``teams.services`` then applies
the same rule set-wise (a property test checks that both agree). Reads only: three queries
(the organisation's default, the users, their mapped memberships), whatever the team's size.

The users counted are the live ones the rule governs: SCIM-managed, not protected (owners
and administrators keep their profile), not deleted through SCIM. A deprovisioned user's
stored profile follows the rule too, but it grants nothing, so it is not counted as a change.
"""

from collections import Counter
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db.models import Q

from . import holder
from .models import TeamMembership
from .profiles import EffectiveProfile, MappedTeam, effective_profile

KEEP = object()  # "this part does not change"


@dataclass(frozen=True)
class ProfileMove:
    """``count`` users whose profile goes from ``from_profile_id`` to ``to_profile_id``
    (``None``: no profile, i.e. no access)."""

    from_profile_id: int | None
    to_profile_id: int | None
    count: int


@dataclass(frozen=True)
class ProfileImpact:
    """The effect of a change: the moves (only users whose profile changes, most users first)
    and how many governed users were looked at."""

    moves: tuple[ProfileMove, ...]
    considered: int

    @property
    def changed(self) -> int:
        return sum(m.count for m in self.moves)

    @property
    def lose_access(self) -> int:
        return sum(m.count for m in self.moves if m.to_profile_id is None)

    @property
    def gain_access(self) -> int:
        return sum(m.count for m in self.moves if m.from_profile_id is None)


def profile_impact(*, organisation, team=None, team_profile=KEEP, default_profile=KEEP) -> ProfileImpact:
    """The effect of mapping ``team`` to ``team_profile`` (a profile, or ``None`` to unmap it)
    and/or of making ``default_profile`` the organisation's default for SCIM users; parts
    left at ``KEEP`` stay as they are. Writes nothing.

    A team change can only reach the team's members, so only they are read; a default change
    reaches any governed user of the organisation.
    """
    if team is not None and team_profile is KEEP:
        team = None
    if default_profile is KEEP:
        default_profile_id = (
            apps.get_model(settings.TEAMS_ORGANISATION_MODEL).objects.filter(pk=organisation.pk)
            .values_list("default_scim_profile_id", flat=True).get()
        )
    else:
        default_profile_id = default_profile.pk if default_profile is not None else None

    Holder, user = holder.holder_model(), holder.holder_user_field()
    users = holder.holders(organisation.pk).filter(
        **{f"{user}__in": holder.managed_user_ids(organisation.pk)}
    ).exclude(role__in=list(Holder.PROTECTED_ROLES))
    if team is not None:
        users = users.filter(**{f"{user}__in": TeamMembership.objects.filter(team_id=team.pk).values("user_id")})
    rows = list(users.order_by().values_list(user, "profile_id", "profile_team_id"))

    reach = Q(team__profile__isnull=False)
    if team is not None:
        reach |= Q(team_id=team.pk)
    mapped: dict[int, list[MappedTeam]] = {}
    memberships = TeamMembership.objects.filter(
        reach, user_id__in=users.values(user), team__organisation_id=organisation.pk
    ).order_by().values_list("user_id", "team_id", "team__profile_id", "team__profile__rank")
    for user_id, team_id, profile_id, rank in memberships:
        if team is not None and team_id == team.pk:
            if team_profile is None:
                continue
            profile_id, rank = team_profile.pk, team_profile.rank
        mapped.setdefault(user_id, []).append(MappedTeam(team_id=team_id, profile_id=profile_id, rank=rank))

    moves: Counter = Counter()
    for user_id, profile_id, profile_team_id in rows:
        after = effective_profile(
            scim_managed=True,
            protected=False,
            current=EffectiveProfile(profile_id=profile_id, team_id=profile_team_id),
            mapped_teams=mapped.get(user_id, ()),
            default_profile_id=default_profile_id,
        )
        if after.profile_id != profile_id:
            moves[(profile_id, after.profile_id)] += 1
    ordered = sorted(moves.items(), key=lambda item: (-item[1], item[0][0] or 0, item[0][1] or 0))
    return ProfileImpact(
        moves=tuple(ProfileMove(from_profile_id=a, to_profile_id=b, count=n) for (a, b), n in ordered),
        considered=len(rows),
    )
