"""Settings › Organisation › Users: every user with role, effective profile and its source,
filtered by state (All, Active, Deactivated, Deprovisioned, with counts) and by the SCIM
toggle. Filters are plain links (``?state=…&scim=1``) that paging keeps."""

from django.core.paginator import Paginator
from django.shortcuts import render

from teams.selectors import organisation_has_scim_objects

from ..permissions import organisation_admin_required
from ..selectors import USER_STATES, user_list, user_state_counts
from .teams import PAGE_SIZE, scim_filter

STATE_LABELS = {"all": "All", "active": "Active", "deactivated": "Deactivated", "deprovisioned": "Deprovisioned"}


@organisation_admin_required
def settings_users(request):
    organisation = request.user.organisation
    scim_only = scim_filter(request)
    state = request.GET.get("state", "all")
    if state not in USER_STATES:
        state = "all"
    counts = user_state_counts(organisation=organisation, scim_only=scim_only)
    paginator = Paginator(user_list(organisation=organisation, scim_only=scim_only, state=state), PAGE_SIZE)
    paginator.count = counts[state]  # known already: saves the paginator its COUNT query
    return render(request, "vxp_hub/settings_users.html", {
        "organisation": organisation,
        "section": "users",
        "page_obj": paginator.get_page(request.GET.get("page")),
        "scim_only": scim_only,
        "state": state,
        "state_filters": [(key, STATE_LABELS[key], counts[key]) for key in USER_STATES],
        "show_scim_toggle": organisation_has_scim_objects(organisation=organisation),
    })
