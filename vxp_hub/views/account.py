"""The page of a signed-in user who does not administer the organisation ("My account").

Members who log in land here (``home`` sends them); a settings URL opened by a member answers
403 with this same page and a line saying why, never a bare "403 Forbidden": the person sees
who they are, their effective profile and where it comes from, who administers their
organisation (so they know whom to ask), and a way to log out.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..selectors import organisation_administrators

FORBIDDEN_SETTINGS = "Only your organisation's owner and administrators may open its settings."


def render_account(request, *, forbidden: str | None = None, status: int = 200):
    user = request.user
    return render(request, "vxp_hub/account.html", {
        "organisation": user.organisation,
        "account": user,
        "scim_managed": bool(user.scim_link and user.scim_link.managed),
        "administrators": organisation_administrators(organisation=user.organisation),
        "forbidden": forbidden,
    }, status=status)


@login_required
def account(request):
    return render_account(request)
