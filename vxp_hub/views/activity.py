"""Settings › Organisation › SCIM activity: the organisation's SCIM log, newest first."""

from django.core.paginator import Paginator
from django.shortcuts import render

from scim_provisioning.selectors import event_list

from ..forms import SCIMActivityFilterForm
from ..permissions import organisation_admin_required

EVENTS_PER_PAGE = 50


@organisation_admin_required
def settings_activity(request):
    form = SCIMActivityFilterForm(request.GET)
    form.is_valid()  # a field that is not valid is left out; the others still filter
    outcome = form.cleaned_data.get("outcome", "")
    request_id = form.cleaned_data.get("request_id", "")
    events = event_list(organisation=request.user.organisation, outcome=outcome or None, request_id=request_id or None)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "vxp_hub/settings_activity.html",
        {"organisation": request.user.organisation, "section": "activity", "form": form, "page_obj": page},
    )
