"""The teams app's reads. Every query is scoped to one organisation by its caller's argument:
there is no unscoped getter."""

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower

from . import holder
from .models import Team, TeamMembership


def team_list(*, organisation, scim_only: bool = False) -> QuerySet[Team]:
    """The organisation's teams by name, each with ``member_count`` and its profile joined
    (one query per page, whatever the page size).

    The count is a correlated subquery rather than a JOIN + GROUP BY, so a page of 50 teams
    counts the members of those 50 only, and ``count()`` (the paginator's) drops it.
    """
    members = (
        TeamMembership.objects.filter(team=OuterRef("pk")).order_by().values("team").annotate(n=Count("pk")).values("n")
    )
    teams = (
        Team.objects.filter(organisation=organisation)
        .select_related("profile")
        .annotate(member_count=Coalesce(Subquery(members), 0))
        .order_by(Lower("name"), "id")
    )
    if scim_only:
        teams = teams.filter(scim_managed=True)
    return teams


def team_get(*, organisation, pk) -> Team:
    """The organisation's team ``pk`` with its profile; ``Team.DoesNotExist`` for another
    organisation's team, exactly as for a team that does not exist."""
    return Team.objects.select_related("profile").get(organisation=organisation, pk=pk)


def team_members(*, team: Team) -> QuerySet:
    """The team's members by username."""
    return get_user_model().objects.filter(team_memberships__team=team).order_by(Lower("username"), "id")


def organisation_has_scim_objects(*, organisation) -> bool:
    """Whether the organisation has at least one SCIM-managed user (not deleted through
    SCIM) or team: two EXISTS queries at most."""
    return (Team.objects.filter(organisation=organisation, scim_managed=True).exists()
            or holder.managed_user_ids(organisation.pk).exists())
