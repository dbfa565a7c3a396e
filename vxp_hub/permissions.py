"""Who may open an organisation's settings and API: its owner and administrators only."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from rest_framework.permissions import BasePermission


def is_organisation_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_protected)


def organisation_admin_required(view):
    """Anonymous → login page; logged in but not owner/administrator → 403 with the "My
    account" page (who they are, who administers them, log out), not a bare error.

    The view always works on ``request.user.organisation``: no URL names another
    organisation, so an administrator of one organisation can never reach another's settings.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_organisation_admin(request.user):
            from .views.account import FORBIDDEN_SETTINGS, render_account

            return render_account(request, forbidden=FORBIDDEN_SETTINGS, status=403)
        return view(request, *args, **kwargs)

    return wrapped


class IsOrganisationAdmin(BasePermission):
    message = "Only the organisation's owner and administrators may use this API."

    def has_permission(self, request, view):
        return is_organisation_admin(request.user)
