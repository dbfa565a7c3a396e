"""Settings › Organisation › Teams."""

from django.shortcuts import render

from ..permissions import organisation_admin_required


@organisation_admin_required
def settings_teams(request):
    return render(request, "vxp_hub/settings_teams.html", {"organisation": request.user.organisation, "section": "teams"})
