"""Settings › Organisation › Teams: the list, a new manual team, and the team edit page.

Every page works on ``request.user.organisation``; another organisation's team answers 404.
A SCIM team's name and members belong to the identity provider: the page shows them
read-only, and a POST that tries to change them answers 403. Its profile mapping is ours.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from teams import selectors as team_selectors
from teams import services as team_services
from teams.models import Team
from teams.preview import profile_impact

from ..models import UserProfile
from ..permissions import organisation_admin_required
from ..selectors import profile_list, user_find
from .. import services as hub_services
from ..services import team_map_profile
from ..wording import changed_count_sentence, changed_sentence
from .profile_change import render_profile_change_confirm

PAGE_SIZE = 50
SCIM_READ_ONLY = "This team is managed by your identity provider: change its name and members there."


class TeamProfileForm(forms.Form):
    profile = forms.ModelChoiceField(
        queryset=UserProfile.objects.none(),
        required=False,
        empty_label="No profile",
        label="User profile for the team's members",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = profile_list(organisation=organisation)
        self.fields["profile"].label_from_instance = lambda p: f"{p.name} (rank {p.rank})"


class TeamNameForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)


class MemberAddForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150)


def scim_filter(request) -> bool:
    """The "Show only SCIM users and teams" toggle: ``?scim=1``."""
    return request.GET.get("scim") == "1"


@organisation_admin_required
def settings_teams(request):
    organisation = request.user.organisation
    scim_only = scim_filter(request)
    teams = team_selectors.team_list(organisation=organisation, scim_only=scim_only)
    return render(request, "vxp_hub/settings_teams.html", {
        "organisation": organisation,
        "section": "teams",
        "page_obj": Paginator(teams, PAGE_SIZE).get_page(request.GET.get("page")),
        "scim_only": scim_only,
        "show_scim_toggle": team_selectors.organisation_has_scim_objects(organisation=organisation),
    })


@organisation_admin_required
@require_http_methods(["GET", "POST"])
def team_create(request):
    organisation = request.user.organisation
    form = TeamNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = team_services.team_create(organisation=organisation, name=form.cleaned_data["name"])
        except (team_services.TeamNameTaken, team_services.InvalidTeamField) as exc:
            form.add_error("name", _name_error(exc))
        else:
            messages.success(request, f"Team {team.name} created.")
            return redirect("settings-team-edit", pk=team.pk)
    status = 400 if form.is_bound else 200
    return render(request, "vxp_hub/team_create.html", {"organisation": organisation, "section": "teams", "form": form}, status=status)


@organisation_admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request, pk: int):
    """The page, and its profile form (POST). A change of profile is first shown with its
    effect on the members (``teams.preview``) and applied only when confirmed
    (``confirm=yes``); the success message says how many users changed."""
    team = _get_team(request, pk)
    form = TeamProfileForm(request.POST or None, organisation=team.organisation, initial={"profile": team.profile_id})
    if request.method == "POST":
        if form.is_valid():
            profile = form.cleaned_data["profile"]
            if (profile.pk if profile else None) == team.profile_id:
                messages.info(request, "The profile is unchanged.")
                return redirect("settings-team-edit", pk=team.pk)
            if request.POST.get("confirm") != "yes":
                return render_profile_change_confirm(
                    request, section="teams",
                    title=f"Change the profile of team {team.name}?",
                    before=team.profile, after=profile,
                    impact=profile_impact(organisation=team.organisation, team=team, team_profile=profile),
                    action=reverse("settings-team-edit", args=[team.pk]),
                    cancel=reverse("settings-team-edit", args=[team.pk]),
                )
            impact = team_map_profile(team=team, profile=profile, actor=request.user)
            messages.success(request, f"Profile saved: {profile.name if profile else 'No profile'}. {changed_sentence(impact)}")
            return redirect("settings-team-edit", pk=team.pk)
        # Re-show the current mapping with the error, so the next Save does not unmap the team.
        kept = TeamProfileForm(organisation=team.organisation, initial={"profile": team.profile_id})
        kept._errors = form.errors
        return _render_edit(request, team, profile_form=kept, status=400)
    return _render_edit(request, team, profile_form=form)


@organisation_admin_required
@require_POST
def team_rename(request, pk: int):
    team = _get_manual_team(request, pk)
    form = TeamNameForm(request.POST)
    if form.is_valid():
        try:
            team_services.team_rename(team=team, name=form.cleaned_data["name"])
        except (team_services.TeamNameTaken, team_services.InvalidTeamField) as exc:
            form.add_error("name", _name_error(exc))
        else:
            messages.success(request, "Team renamed.")
            return redirect("settings-team-edit", pk=team.pk)
    team.refresh_from_db(fields=["name"])
    return _render_edit(request, team, name_form=form, status=400)


@organisation_admin_required
@require_POST
def team_member_add(request, pk: int):
    team = _get_manual_team(request, pk)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        user = user_find(organisation=team.organisation, username=form.cleaned_data["username"].strip())
        if user is None:
            form.add_error("username", "No user of your organisation has this username.")
        else:
            changed = hub_services.team_member_add(team=team, user=user, actor=request.user)
            messages.success(request, f"{user.username} added. {changed_count_sentence(changed)}")
            return redirect("settings-team-edit", pk=team.pk)
    return _render_edit(request, team, member_form=form, status=400)


@organisation_admin_required
@require_POST
def team_member_remove(request, pk: int):
    team = _get_manual_team(request, pk)
    try:
        user_id = int(request.POST.get("user", ""))
        changed = hub_services.team_member_remove(team=team, user_id=user_id, actor=request.user)
    except (ValueError, team_services.MemberNotInOrganisation):
        messages.error(request, "That user is not a member of your organisation.")
        return _render_edit(request, team, status=400)
    messages.success(request, f"Member removed. {changed_count_sentence(changed)}")
    return redirect("settings-team-edit", pk=team.pk)


@organisation_admin_required
@require_POST
def team_delete(request, pk: int):
    """Delete a team made by hand (a SCIM team is deleted by the identity provider). Its users
    stay; their effective profiles are recomputed by the service."""
    team = _get_manual_team(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm that the team should be deleted.")
        return _render_edit(request, team, status=400)
    name = team.name
    changed = hub_services.team_delete(team=team, actor=request.user)
    messages.success(request, f"Team {name} deleted; its members keep their accounts. {changed_count_sentence(changed)}")
    return redirect("settings-teams")


def _get_team(request, pk: int) -> Team:
    try:
        team = team_selectors.team_get(organisation=request.user.organisation, pk=pk)
    except Team.DoesNotExist:
        raise Http404("No such team.") from None
    team.organisation = request.user.organisation  # the same row: saves a query
    return team


def _get_manual_team(request, pk: int) -> Team:
    team = _get_team(request, pk)
    if team.scim_managed:
        raise PermissionDenied(SCIM_READ_ONLY)
    return team


def _name_error(exc: team_services.TeamError) -> str:
    if isinstance(exc, team_services.TeamNameTaken):
        return "Another team of your organisation has this name."
    return "Enter a name without control characters."


def _render_edit(request, team: Team, *, profile_form=None, name_form=None, member_form=None, status=200):
    members = team_selectors.team_members(team=team)
    return render(request, "vxp_hub/team_edit.html", {
        "organisation": team.organisation,
        "section": "teams",
        "team": team,
        "scim_read_only": SCIM_READ_ONLY,
        "profile_form": profile_form
        or TeamProfileForm(organisation=team.organisation, initial={"profile": team.profile_id}),
        "name_form": name_form or TeamNameForm(initial={"name": team.name}),
        "member_form": member_form or MemberAddForm(),
        "members_page": Paginator(members, PAGE_SIZE).get_page(request.GET.get("page")),
    }, status=status)
