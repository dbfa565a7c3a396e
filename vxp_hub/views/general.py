"""Settings › Organisation › General: the organisation and its Access Management (the SCIM
base URL, SCIM tokens and their rotation, OAuth clients, the SCIM safety rails, the default
profile for SCIM users).

A new token or client secret is shown once, in the response to the POST that made it. It
never goes into the session, a message or the database, and every response here is
``no-store``, so reloading the page (GET) shows only hints. Reloading the POST response
re-posts the form; the form carries the ids of the tokens the page showed (``replaces``) and
its own ``issue_key``, so a replay never silently issues a second token, and a double click
shows the token that is actually active.
"""

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from scim_provisioning.conf import app_settings
from scim_provisioning.models import SCIMOAuthClient, SCIMOAuthSecret
from scim_provisioning.oauth import oauth_client_create, oauth_client_revoke, oauth_clients, oauth_secret_add, oauth_secret_revoke
from scim_provisioning.rails import scim_settings, scim_settings_update
from scim_provisioning.selectors import scim_base_url
from scim_provisioning.services import (
    RotationError,
    TokenChanged,
    credential_expiry_warning,
    token_generate,
    token_revoke,
    token_rotate,
    token_rotation_cancel,
    token_rotation_complete,
    tokens_active,
)
from teams.preview import profile_impact

from ..forms import (
    DefaultSCIMProfileForm,
    OAuthRevokeForm,
    OAuthSecretForm,
    SCIMRailsForm,
    SCIMTokenGenerateForm,
    SCIMTokenRevokeForm,
    SCIMTokenRotateForm,
)
from ..permissions import organisation_admin_required
from ..services import organisation_set_default_scim_profile
from ..wording import changed_sentence
from .profile_change import render_profile_change_confirm


def _annotate(credential, now) -> None:
    """``ends_at``, ``ended`` and ``warning`` for the template."""
    ends = credential.ends_at()
    credential.ends = ends
    credential.ended = ends is not None and ends <= now
    warning = None if credential.ended else credential_expiry_warning(credential, now=now)
    credential.warning = warning[1] if warning else ""


def _render(request, *, status: int = 200, **context):
    organisation = request.user.organisation
    now = timezone.now()
    tokens = tokens_active(organisation=organisation)
    clients = oauth_clients(organisation=organisation)
    for credential in [*tokens, *(s for c in clients for s in c.active_secrets)]:
        _annotate(credential, now)
    rails = scim_settings(organisation)
    context = {
        "organisation": organisation,
        "section": "general",
        "base_url": scim_base_url(request=request),
        "token_url": request.build_absolute_uri(reverse("scim_provisioning_oauth:token")),
        "access_token_minutes": app_settings.OAUTH_ACCESS_TOKEN_LIFETIME // 60,
        "tokens": tokens,
        "token": tokens[-1] if tokens else None,
        "rotating": len(tokens) > 1,
        "seen_tokens": ",".join(str(t.pk) for t in tokens),
        "issue_key": uuid.uuid4().hex,
        "clients": clients,
        "generate_form": SCIMTokenGenerateForm(),
        "rotate_form": SCIMTokenRotateForm(),
        "revoke_form": SCIMTokenRevokeForm(),
        "secret_form": OAuthSecretForm(),
        "rails_form": SCIMRailsForm(initial={
            "link_manual_groups": rails.link_manual_groups,
            "restrict_user_domains": rails.restrict_user_domains,
            "user_domains": ", ".join(rails.user_domains),
        }),
        "profile_form": DefaultSCIMProfileForm(organisation=organisation),
        # Every variable the template reads is defined: a missing one makes Django log the
        # whole context (which may hold the new token) at DEBUG.
        "new_token_raw": None,
        "new_secret_raw": None,
        "new_secret_client": None,
        "token_changed": None,
        "rotation_error": "",
        **context,
    }
    return render(request, "vxp_hub/settings_general.html", context, status=status)


@never_cache
@organisation_admin_required
def settings_general(request):
    return _render(request)


def _token_write(request, form, write):
    if not form.is_valid():
        name = "generate_form" if isinstance(form, SCIMTokenGenerateForm) else "rotate_form"
        return _render(request, status=400, **{name: form})
    try:
        _, raw = write(form)
    except TokenChanged as exc:
        return _render(request, token_changed=exc, status=409)
    except (RotationError, ValueError) as exc:
        return _render(request, rotation_error=str(exc), status=409)
    return _render(request, new_token_raw=raw)


@never_cache
@organisation_admin_required
@require_POST
def settings_general_token_generate(request):
    return _token_write(request, SCIMTokenGenerateForm(request.POST), lambda form: token_generate(
        organisation=request.user.organisation, created_by=request.user,
        replaces=form.cleaned_data["replaces"], expires_at=form.expires_at(),
        issue_key=form.cleaned_data["issue_key"],
    ))


@never_cache
@organisation_admin_required
@require_POST
def settings_general_token_rotate(request):
    return _token_write(request, SCIMTokenRotateForm(request.POST), lambda form: token_rotate(
        organisation=request.user.organisation, created_by=request.user,
        replaces=form.cleaned_data["replaces"], expires_at=form.expires_at(), retire_at=form.retire_at(),
        issue_key=form.cleaned_data["issue_key"],
    ))


# The two ways a rotation ends: the service, and what the administrator is told.
ROTATION_ENDS = {
    "complete": (token_rotation_complete, "Rotation completed: the old token {hint} no longer works."),
    "cancel": (token_rotation_cancel, "Rotation cancelled: the new token {hint} no longer works; the old one does."),
}


@never_cache
@organisation_admin_required
@require_POST
def settings_general_rotation_end(request, step: str):
    end, message = ROTATION_ENDS[step]
    try:
        revoked = end(organisation=request.user.organisation, by=request.user)
    except RotationError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, message.format(hint=revoked.hint))
    return redirect("settings-general")


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


def _client_of(request, client_id: str) -> SCIMOAuthClient | None:
    return SCIMOAuthClient.objects.filter(
        organisation=request.user.organisation, client_id=client_id, revoked_at__isnull=True
    ).first()


@never_cache
@organisation_admin_required
@require_POST
def settings_general_oauth_secret(request):
    """A new OAuth client with its first secret, or (``client_id`` given) another secret."""
    form = OAuthSecretForm(request.POST)
    if not form.is_valid():
        return _render(request, secret_form=form, status=400)
    client_id = form.cleaned_data["client_id"]
    if client_id:
        client = _client_of(request, client_id)
        if client is None:
            messages.error(request, "That OAuth client does not exist or is revoked.")
            return redirect("settings-general")
        _, raw = oauth_secret_add(client=client, created_by=request.user, expires_at=form.expires_at())
    else:
        client, _, raw = oauth_client_create(organisation=request.user.organisation, created_by=request.user,
                                             secret_expires_at=form.expires_at())
    return _render(request, new_secret_raw=raw, new_secret_client=client.client_id)


@never_cache
@organisation_admin_required
@require_POST
def settings_general_oauth_revoke(request):
    """Revoke one secret of a client (``secret`` given), or the whole client."""
    form = OAuthRevokeForm(request.POST)
    client = _client_of(request, form.data.get("client_id", "")) if form.is_valid() else None
    if client is None:
        messages.error(request, "That OAuth client does not exist or is revoked.")
        return redirect("settings-general")
    secret_id = form.cleaned_data["secret"]
    if secret_id is None:
        oauth_client_revoke(client=client, revoked_by=request.user)
        messages.success(request, f"OAuth client {client.client_id} revoked: its secrets and access tokens no longer work.")
        return redirect("settings-general")
    secret = SCIMOAuthSecret.objects.filter(client=client, pk=secret_id, revoked_at__isnull=True).first()
    if secret is None:
        messages.error(request, "That client secret does not exist or is revoked.")
    else:
        oauth_secret_revoke(secret=secret, revoked_by=request.user)
        messages.success(request, f"Client secret {secret.hint} revoked: access tokens it obtained no longer work.")
    return redirect("settings-general")


@never_cache
@organisation_admin_required
@require_POST
def settings_general_rails(request):
    form = SCIMRailsForm(request.POST)
    if not form.is_valid():
        return _render(request, rails_form=form, status=400)
    scim_settings_update(organisation=request.user.organisation, actor=request.user, **form.cleaned_data)
    messages.success(request, "SCIM safety settings saved.")
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
