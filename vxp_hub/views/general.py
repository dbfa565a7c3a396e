"""Settings › Organisation › General."""

from django.shortcuts import render

from ..permissions import organisation_admin_required


@organisation_admin_required
def settings_general(request):
    return render(request, "vxp_hub/settings_general.html", {"organisation": request.user.organisation, "section": "general"})
