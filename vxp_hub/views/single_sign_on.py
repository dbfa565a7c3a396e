"""Settings › Organisation › Single sign-on: what to paste into Okta or Entra ID, the identity
provider's metadata, "Test sign-in" and "Require single sign-on". Rules: ``vxp_hub.sso``."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from .. import sso
from ..forms import SSOConfigurationForm
from ..permissions import organisation_admin_required


@never_cache
@organisation_admin_required
def settings_sso(request):
    organisation = request.user.organisation
    configuration = sso.sso_get(organisation=organisation)
    status = 200
    if request.method == "POST":
        form = SSOConfigurationForm(request.POST, request.FILES, configuration=configuration)
        if form.is_valid():
            data = form.cleaned_data
            sso.sso_configure(
                organisation=organisation,
                metadata=data["metadata"],
                metadata_url=data["metadata_url"],
                name_id_attribute=data["name_id_attribute"],
                require_sso=data["require_sso"],
            )
            messages.success(request, "Single sign-on settings saved.")
            return redirect("settings-sso")
        status = 400
    else:
        form = SSOConfigurationForm(configuration=configuration)
    return render(request, "vxp_hub/settings_sso.html", {
        "organisation": organisation,
        "section": "sso",
        "configuration": configuration,
        "urls": sso.sp_urls(organisation=organisation, request=request),
        "form": form,
    }, status=status)
