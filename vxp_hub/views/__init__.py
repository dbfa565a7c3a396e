"""Pages of the hub. One module per settings page; views stay thin: they validate, call one
service or selector, and render."""

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect

from ..auth import OrganisationAuthenticationForm


class LoginView(auth_views.LoginView):
    authentication_form = OrganisationAuthenticationForm


def home(request):
    """Administrators land on their settings; everyone else on "My account"."""
    from ..permissions import is_organisation_admin

    if request.user.is_authenticated and not is_organisation_admin(request.user):
        return redirect("account")
    return redirect("settings-general")
