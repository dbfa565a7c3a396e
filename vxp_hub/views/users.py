"""Settings › Organisation › Users."""

from django.shortcuts import render

from ..permissions import organisation_admin_required


@organisation_admin_required
def settings_users(request):
    return render(request, "vxp_hub/settings_users.html", {"organisation": request.user.organisation, "section": "users"})
