"""Pages of the hub. One module per settings page; views stay thin: they validate, call one
service or selector, and render."""

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect

from ..auth import OrganisationAuthenticationForm


class LoginView(auth_views.LoginView):
    authentication_form = OrganisationAuthenticationForm


def home(request):
    return redirect("settings-general")
