"""Settings › Organisation › General: the organisation and its Access Management (the SCIM
base URL, the SCIM token, the default profile for SCIM users).

A new token is shown once, in the response to the POST that generated it. It never goes
into the session, a message or the database, and every response here is ``no-store``, so
reloading the page (GET) shows only the token's hint. Reloading the POST response re-posts
the form; the form carries the id of the token the page showed (``replaces``), and the
service refuses it once that token is gone, so a replay never issues a second token.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from scim_provisioning.selectors import scim_base_url, token_get_active
from scim_provisioning.services import TokenChanged, token_generate, token_revoke
from teams.preview import profile_impact

from ..forms import DefaultSCIMProfileForm, SCIMTokenGenerateForm, SCIMTokenRevokeForm
from ..permissions import organisation_admin_required
from ..services import organisation_set_default_scim_profile
from ..wording import changed_sentence
from .profile_change import render_profile_change_confirm


def _render(request, *, status: int = 200, **context):
    organisation = request.user.organisation
    context = {
        "organisation": organisation,
        "section": "general",
        "base_url": scim_base_url(request=request),
        "token": token_get_active(organisation=organisation),
        "generate_form": SCIMTokenGenerateForm(),
        "revoke_form": SCIMTokenRevokeForm(),
        "profile_form": DefaultSCIMProfileForm(organisation=organisation),
        # Every variable the template reads is defined: a missing one makes Django log the
        # whole context (which may hold the new token) at DEBUG.
        "new_token_raw": None,
        "token_changed": False,
        **context,
    }
    return render(request, "vxp_hub/settings_general.html", context, status=status)


@never_cache
@organisation_admin_required
def settings_general(request):
    return _render(request)


@never_cache
@organisation_admin_required
@require_POST
def settings_general_token_generate(request):
    form = SCIMTokenGenerateForm(request.POST)
    if not form.is_valid():
        return _render(request, generate_form=form, status=400)
    try:
        _, raw = token_generate(
            organisation=request.user.organisation,
            created_by=request.user,
            replaces=form.cleaned_data["replaces"],
        )
    except TokenChanged:
        return _render(request, token_changed=True, status=409)
    return _render(request, new_token_raw=raw)


@never_cache
@organisation_admin_required
@require_POST
def settings_general_token_revoke(request):
    form = SCIMTokenRevokeForm(request.POST)
    if not form.is_valid():
        return _render(request, revoke_form=form, status=400)
    token = token_revoke(organisation=request.user.organisation, revoked_by=request.user)
    if token is None:
        messages.info(request, "There was no active SCIM token to revoke.")
    else:
        messages.success(request, f"SCIM token {token.hint} revoked. Provisioning stops until you generate a new one.")
    return redirect("settings-general")


@never_cache
@organisation_admin_required
@require_POST
def settings_general_default_profile(request):
    """Change the default profile for SCIM users: first its effect (``teams.preview``), then,
    with ``confirm=yes``, the change; the message says how many users changed."""
    organisation = request.user.organisation
    form = DefaultSCIMProfileForm(request.POST, organisation=organisation)
    if form.is_valid():
        profile = form.cleaned_data["profile"]
        if (profile.pk if profile else None) == organisation.default_scim_profile_id:
            messages.info(request, "The default profile for SCIM users is unchanged.")
            return redirect("settings-general")
        if request.POST.get("confirm") != "yes":
            return render_profile_change_confirm(
                request, section="general",
                title="Change the default profile for SCIM users?",
                before=organisation.default_scim_profile, after=profile, none_label="None — no access",
                impact=profile_impact(organisation=organisation, default_profile=profile),
                action=reverse("settings-general-default-profile"),
                cancel=reverse("settings-general"),
            )
        try:
            impact = organisation_set_default_scim_profile(organisation=organisation, profile=profile, actor=request.user)
        except ValueError as exc:
            form.add_error("profile", str(exc))
        else:
            messages.success(request, f"Default profile for SCIM users saved. {changed_sentence(impact)}")
            return redirect("settings-general")
    return _render(request, profile_form=form, status=400)
