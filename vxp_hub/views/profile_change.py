"""The confirmation page shown before a change that moves profiles applies (a team's mapping,
the default profile for SCIM users): what changes, and its effect on users."""

from django.shortcuts import render

from ..selectors import profile_list
from ..wording import impact_phrases, impact_sentence


def render_profile_change_confirm(
    request, *, section, title, before, after, impact, action, cancel, none_label="No profile"
):
    """The page: the change, its effect (``impact``, a ``teams.preview.ProfileImpact``), and a
    form that re-posts ``profile`` with ``confirm=yes`` to ``action``; Cancel goes to ``cancel``."""
    organisation = request.user.organisation
    names = {p.pk: p.name for p in profile_list(organisation=organisation)}
    return render(request, "vxp_hub/profile_change_confirm.html", {
        "organisation": organisation,
        "section": section,
        "title": title,
        "before_name": before.name if before else none_label,
        "after_name": after.name if after else none_label,
        "profile_value": after.pk if after else "",
        "impact": impact,
        "impact_sentence": impact_sentence(impact, names),
        "impact_phrases": impact_phrases(impact, names),
        "action": action,
        "cancel": cancel,
    })
