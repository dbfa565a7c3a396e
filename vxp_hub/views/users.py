"""Settings › Organisation › Users: every user with role, effective profile and its source."""

from django.core.paginator import Paginator
from django.shortcuts import render

from teams.selectors import organisation_has_scim_objects

from ..permissions import organisation_admin_required
from ..selectors import user_list
from .teams import PAGE_SIZE, scim_filter


@organisation_admin_required
def settings_users(request):
    organisation = request.user.organisation
    scim_only = scim_filter(request)
    users = user_list(organisation=organisation, scim_only=scim_only)
    return render(request, "vxp_hub/settings_users.html", {
        "organisation": organisation,
        "section": "users",
        "page_obj": Paginator(users, PAGE_SIZE).get_page(request.GET.get("page")),
        "scim_only": scim_only,
        "show_scim_toggle": organisation_has_scim_objects(organisation=organisation),
    })
