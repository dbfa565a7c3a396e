"""Pages of the hub. One module per settings page; views stay thin: they validate, call one
service or selector, and render."""

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect

from ..auth import OrganisationAuthenticationForm


def _throttled_status(response):
    """429 for a sign-in the throttle refused (the form says when to try again)."""
    form = (getattr(response, "context_data", None) or {}).get("form")
    if getattr(form, "throttled", False):
        response.status_code = 429
    return response


class LoginView(auth_views.LoginView):
    """The password form, and "Sign in with single sign-on" once the organisation is known
    (``?organisation=<slug>``, or the one just typed into the form)."""

    authentication_form = OrganisationAuthenticationForm

    def _organisation_slug(self) -> str:
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        return (source.get("organisation") or "").strip().lower()

    def get_initial(self):
        initial = super().get_initial()
        slug = self._organisation_slug()
        if slug:
            initial["organisation"] = slug
        return initial

    def get_context_data(self, **kwargs):
        from django.utils.http import urlencode

        from ..sso import organisation_sso_login_url

        context = super().get_context_data(**kwargs)
        slug = self._organisation_slug()
        url = organisation_sso_login_url(slug=slug) if slug else None
        next_url = context.get("next")
        if url and next_url:
            url = f"{url}?{urlencode({'next': next_url})}"
        context["sso_login_url"] = url
        context["sso_organisation"] = slug
        context["sso_unavailable"] = bool(slug and url is None and self.request.GET.get("sso") == "unavailable")
        return context

    def form_invalid(self, form):
        return _throttled_status(super().form_invalid(form))


def admin_login(request, extra_context=None):
    """The Django admin's login (``admin.site.login``, with the hub's throttled form), answering
    429 when throttled like the hub's own login."""
    from django.contrib import admin

    return _throttled_status(admin.site.login(request, extra_context))


def home(request):
    """Administrators land on their settings; everyone else on "My account"."""
    from ..permissions import is_organisation_admin

    if request.user.is_authenticated and not is_organisation_admin(request.user):
        return redirect("account")
    return redirect("settings-general")
