"""Bearer-token authentication for the SCIM endpoints (Django REST framework).

A SCIM request is authenticated by one of the organisation's credentials and nothing else: a
static SCIM token or an OAuth 2.0 access token from ``/scim/oauth/token``. A logged-in browser
session never grants SCIM access (these views list no session authentication).
"""

from dataclasses import dataclass

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from .conf import app_settings
from .models import SCIMAccessToken, SCIMToken
from .services import InvalidCredential, credential_authenticate


@dataclass(frozen=True)
class SCIMClient:
    """``request.user`` of a SCIM request: the identity provider acting for one organisation."""

    token: SCIMToken | SCIMAccessToken

    @property
    def organisation(self):
        return self.token.organisation

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None


class SCIMTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``, or the bare token (Okta's custom-header mode).

    Returns ``(SCIMClient, credential)``, the credential a ``SCIMToken`` or a
    ``SCIMAccessToken``; raises ``AuthenticationFailed`` for a wrong, revoked, expired or
    malformed one, saying which; returns None without credentials (the permission then
    answers 401).
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request)
        if not header:
            return None
        try:
            value = header.decode("ascii").strip()
        except UnicodeDecodeError:
            raise AuthenticationFailed("The Authorization header is not valid.")
        parts = value.split()
        if len(parts) == 2 and parts[0].lower() == self.keyword.lower():
            raw = parts[1]
        elif len(parts) == 1:
            raw = parts[0]
        else:
            raise AuthenticationFailed("The Authorization header is not valid.")
        try:
            credential = credential_authenticate(raw, request_id=getattr(request, "scim_request_id", ""))
        except InvalidCredential as exc:
            raise AuthenticationFailed(str(exc)) from None
        return SCIMClient(credential), credential

    def authenticate_header(self, request):
        return f'{self.keyword} realm="{app_settings.REALM}"'


class HasSCIMToken(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, (SCIMToken, SCIMAccessToken))
