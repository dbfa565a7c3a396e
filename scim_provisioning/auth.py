"""Bearer-token authentication for the SCIM endpoints (Django REST framework).

A SCIM request is authenticated by the organisation's token and nothing else: a logged-in
browser session never grants SCIM access (these views list no session authentication).
"""

from dataclasses import dataclass

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from .conf import app_settings
from .models import SCIMToken
from .services import token_authenticate


@dataclass(frozen=True)
class SCIMClient:
    """``request.user`` of a SCIM request: the identity provider acting for one organisation."""

    token: SCIMToken

    @property
    def organisation(self):
        return self.token.organisation

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None


class SCIMTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``, or the bare token (Okta's custom-header mode).

    Returns ``(SCIMClient, SCIMToken)``; raises ``AuthenticationFailed`` for a wrong, revoked
    or malformed token; returns None without credentials (the permission then answers 401).
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
        token = token_authenticate(raw, request_id=getattr(request, "scim_request_id", ""))
        if token is None:
            raise AuthenticationFailed("The SCIM token is not valid, or it has been revoked.")
        return SCIMClient(token), token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="{app_settings.REALM}"'


class HasSCIMToken(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, SCIMToken)
