"""The OAuth 2.0 token endpoint (RFC 6749 §4.4, client credentials): ``POST /scim/oauth/token``.

The client authenticates with HTTP Basic (RFC 6749 §2.3.1: id and secret form-urlencoded,
then base64) or with ``client_id`` and ``client_secret`` in the form body, never both. The
answer is an access token (``token_type: Bearer``, ``expires_in``), or an RFC 6749 §5.2
error. Every response is ``no-store``. A ``scope`` is not needed; whatever is asked, the
token grants SCIM, and the response says so (``scope: scim``, RFC 6749 §3.3).
"""

import base64
import binascii
from urllib.parse import unquote_plus

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ..conf import app_settings
from ..oauth import OAuthError, oauth_token_issue
from ..request_ids import HEADER as REQUEST_ID_HEADER
from ..request_ids import request_id_from

FORM = "application/x-www-form-urlencoded"


def _json(body: dict, status: int = 200, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError("invalid_client", "Use HTTP Basic or client_id and client_secret in the body.", 401)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_request", "The Basic credentials are not valid base64 of UTF-8 text.")
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_request", "The Basic credentials must be client_id:client_secret.")
    return unquote_plus(client_id), unquote_plus(secret)


def _credentials(request) -> tuple[str, str, bool]:
    header = request.headers.get("Authorization", "")
    in_body = "client_id" in request.POST or "client_secret" in request.POST
    if header:
        if in_body:
            raise OAuthError("invalid_request", "Send the client credentials once: in the Authorization header or in the body.")
        client_id, secret = _basic_credentials(header)
        return client_id, secret, True
    client_id, secret = request.POST.get("client_id", ""), request.POST.get("client_secret", "")
    if not client_id or not secret:
        raise OAuthError("invalid_client", "Client authentication is missing: send client_id and client_secret.", 401)
    return client_id, secret, False


@csrf_exempt
def token(request):
    """The endpoint; every answer carries ``X-Request-Id`` like the SCIM endpoints', and the
    activity lines it writes store it."""
    request_id = request_id_from(request.META)
    response = _token(request, request_id)
    response[REQUEST_ID_HEADER] = request_id
    return response


def _token(request, request_id: str):
    if request.method != "POST":
        return _json({"error": "invalid_request", "error_description": "Use POST."}, 405, {"Allow": "POST"})
    basic = bool(request.headers.get("Authorization"))
    try:
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        if media_type != FORM:
            raise OAuthError("invalid_request", f"The body must be {FORM}.")
        for name in ("grant_type", "client_id", "client_secret", "scope"):
            if len(request.POST.getlist(name)) > 1:
                raise OAuthError("invalid_request", f"The parameter {name} is repeated.")
        grant_type = request.POST.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is missing.")
        client_id, secret, basic = _credentials(request)
        if grant_type != "client_credentials":
            raise OAuthError("unsupported_grant_type", "Only the client_credentials grant is supported.")
        _access, raw = oauth_token_issue(client_id=client_id, client_secret=secret, request_id=request_id)
    except OAuthError as err:
        headers = {}
        if err.status == 401:
            # RFC 6749 §5.2: a client that tried HTTP Basic gets the scheme it may use.
            headers["WWW-Authenticate"] = f'Basic realm="{app_settings.REALM}"' if basic else 'Basic'
        return _json({"error": err.error, "error_description": err.description}, err.status, headers)
    return _json({
        "access_token": raw,
        "token_type": "Bearer",
        "expires_in": app_settings.OAUTH_ACCESS_TOKEN_LIFETIME,
        "scope": "scim",
    })
