"""Settings pages of an organisation (owner and administrators only). Views stay thin:
they validate, call one service or selector, and render."""

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render

from .auth import OrganisationAuthenticationForm
from .permissions import organisation_admin_required


class LoginView(auth_views.LoginView):
    authentication_form = OrganisationAuthenticationForm


def home(request):
    return redirect("settings-general")


@organisation_admin_required
def settings_general(request):
    return render(request, "vxp_hub/settings_general.html", {"organisation": request.user.organisation, "section": "general"})


@organisation_admin_required
def settings_teams(request):
    return render(request, "vxp_hub/settings_teams.html", {"organisation": request.user.organisation, "section": "teams"})


@organisation_admin_required
def settings_users(request):
    return render(request, "vxp_hub/settings_users.html", {"organisation": request.user.organisation, "section": "users"})
