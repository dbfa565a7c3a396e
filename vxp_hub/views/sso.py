"""SAML single sign-on endpoints of one organisation: SP metadata, SP-initiated login, and the
assertion consumer service (ACS). The checks and sign-in rules are in ``vxp_hub.sso``.

SP-initiated requests this browser started are kept in a signed cookie (request id → where
to go next, and whether it is an administrator's "Test sign-in"), not in the session: the
IdP's POST to the ACS is a cross-site request, which does not carry the ``SameSite=Lax``
session cookie. Over HTTPS the cookie is ``SameSite=None; Secure`` so that it does (it holds
only request ids, signed, and lives 10 minutes).
"""

import time

from django.contrib.auth import login
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .. import sso
from ..models import Organisation
from ..permissions import is_organisation_admin

COOKIE_SALT = "vxp_hub.sso.requests"
MAX_OUTSTANDING = 5


def _cookie_name(organisation) -> str:
    return f"vxp_sso_{organisation.pk}"


def _outstanding(request, organisation) -> dict:
    raw = request.COOKIES.get(_cookie_name(organisation))
    if not raw:
        return {}
    try:
        data = signing.loads(raw, salt=COOKIE_SALT, max_age=sso.REQUEST_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return {}
    now = time.time()
    return {
        k: v for k, v in data.items() if isinstance(v, dict) and now - v.get("at", 0) < sso.REQUEST_MAX_AGE_SECONDS
    }


def _store_outstanding(request, response, organisation, outstanding: dict) -> None:
    name = _cookie_name(organisation)
    if not outstanding:
        response.delete_cookie(name, path=reverse("sso-acs", args=[organisation.slug]).rsplit("acs/", 1)[0])
        return
    newest = dict(sorted(outstanding.items(), key=lambda kv: kv[1]["at"])[-MAX_OUTSTANDING:])
    secure = request.is_secure()
    response.set_cookie(
        name,
        signing.dumps(newest, salt=COOKIE_SALT),
        max_age=sso.REQUEST_MAX_AGE_SECONDS,
        path=reverse("sso-acs", args=[organisation.slug]).rsplit("acs/", 1)[0],
        secure=secure,
        httponly=True,
        # Over plain HTTP (development) SameSite=None is refused by browsers without Secure;
        # no attribute at all still lets Chrome send a fresh cookie with a top-level POST.
        samesite="None" if secure else None,
    )


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return reverse("home")


@require_GET
def metadata(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    xml = sso.sp_metadata_xml(organisation=organisation, request=request)
    return HttpResponse(xml, content_type="application/samlmetadata+xml")


@never_cache
@require_GET
def sso_start(request):
    """The login page's "Sign in with single sign-on" form: organisation slug → its SSO."""
    slug = (request.GET.get("organisation") or "").strip().lower()
    url = sso.organisation_sso_login_url(slug=slug) if slug else None
    if url is None:
        return redirect(f"{reverse('login')}?{urlencode({'organisation': slug, 'sso': 'unavailable'})}")
    next_url = request.GET.get("next")
    if next_url:
        url = f"{url}?{urlencode({'next': next_url})}"
    return redirect(url)


@never_cache
@require_GET
def login_start(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    test = request.GET.get("test") == "1"
    if test and not (is_organisation_admin(request.user) and request.user.organisation_id == organisation.pk):
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    try:
        request_id, location = sso.authn_request_start(organisation=organisation, request=request)
    except sso.NotConfigured:
        return render(
            request,
            "vxp_hub/sso_refused.html",
            {"organisation": organisation, "reason": "Single sign-on is not configured for this organisation."},
            status=404,
        )
    outstanding = _outstanding(request, organisation)
    outstanding[request_id] = {"next": _safe_next(request, request.GET.get("next")), "test": test, "at": time.time()}
    response = HttpResponseRedirect(location)
    _store_outstanding(request, response, organisation, outstanding)
    return response


@never_cache
@csrf_exempt  # the identity provider posts here; the signed assertion is the proof
@require_POST
def acs(request, slug):
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404("No such organisation")
    outstanding = _outstanding(request, organisation)
    result = sso.acs_process(
        organisation=organisation,
        request=request,
        saml_response=request.POST.get("SAMLResponse", ""),
        outstanding=outstanding,
    )
    started = outstanding.pop(result.request_id, None) if result.request_id else None
    if result.test:
        response = render(request, "vxp_hub/sso_test.html", {"organisation": organisation, "result": result})
    elif not result.ok:
        response = render(
            request, "vxp_hub/sso_refused.html", {"organisation": organisation, "reason": result.reason}, status=403
        )
    else:
        login(request, result.user, backend="vxp_hub.auth.OrganisationBackend")
        next_url = started["next"] if started else request.POST.get("RelayState")
        response = HttpResponseRedirect(_safe_next(request, next_url))
    _store_outstanding(request, response, organisation, outstanding)
    return response
