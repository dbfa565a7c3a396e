"""Pages of the hub. One module per settings page; views stay thin: they validate, call one
service or selector, and render."""

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect

from ..auth import OrganisationAuthenticationForm


def _throttled_status(response):
    """429 for a sign-in the throttle refused (the form says when to try again)."""
    form = (getattr(response, "context_data", None) or {}).get("form")
    if getattr(form, "throttled", False):
        response.status_code = 429
    return response


class LoginView(auth_views.LoginView):
    authentication_form = OrganisationAuthenticationForm

    def form_invalid(self, form):
        return _throttled_status(super().form_invalid(form))


def admin_login(request, extra_context=None):
    """The Django admin's login (``admin.site.login``, with the hub's throttled form), answering
    429 when throttled like the hub's own login."""
    from django.contrib import admin

    return _throttled_status(admin.site.login(request, extra_context))


def home(request):
    """Administrators land on their settings; everyone else on "My account"."""
    from ..permissions import is_organisation_admin

    if request.user.is_authenticated and not is_organisation_admin(request.user):
        return redirect("account")
    return redirect("settings-general")
