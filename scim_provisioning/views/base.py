"""The base of every SCIM endpoint: Django REST framework, made to speak SCIM.

- Authentication: the organisation's bearer token only (never a browser session).
- Every response is ``application/scim+json``, whatever the client's Accept header says.
- Every error, including DRF's own (401, 405, 415) and any unexpected exception, becomes a
  SCIM error body; exception text never reaches the client.
- Every response, errors included, carries ``X-Request-Id`` (``scim_provisioning.request_ids``);
  the activity log stores the same id.
- Request bodies are parsed here, strictly: UTF-8 JSON objects only, bounded in size and
  depth, no NUL or control characters, no non-finite numbers.
"""

import json
import logging
import math

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.db import DataError
from django.http import Http404
from django_scim.constants import SCIM_CONTENT_TYPE
from django_scim.exceptions import SCIMException
from rest_framework import exceptions as drf
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import errors, throttling
from ..auth import HasSCIMToken, SCIMTokenAuthentication
from ..conf import app_settings
from ..request_ids import HEADER as REQUEST_ID_HEADER
from ..request_ids import request_id_from
from ..services import credential_expiry_warning

logger = logging.getLogger("scim_provisioning")

ACCEPTED_MEDIA_TYPES = frozenset({"application/scim+json", "application/json"})
MAX_DEPTH = 16
_ALLOWED_CONTROLS = frozenset("\t\n\r")


class SCIMRenderer(JSONRenderer):
    media_type = SCIM_CONTENT_TYPE
    format = "scim"


class AlwaysSCIM(BaseContentNegotiation):
    """SCIM clients send many Accept headers (Okta: application/scim+json, others */* or
    application/json); the answer is always application/scim+json."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _check_value(value, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise errors.InvalidSyntax(f"The request body is nested deeper than {MAX_DEPTH} levels.")
    if isinstance(value, str):
        if any((c < " " and c not in _ALLOWED_CONTROLS) or c == "\x7f" for c in value):
            raise errors.InvalidValue("Strings must not contain NUL or control characters.")
        # JSON's \\uD800 escapes decode to lone surrogates, which no database can store.
        if any("\ud800" <= c <= "\udfff" for c in value):
            raise errors.InvalidValue("Strings must not contain lone UTF-16 surrogates.")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise errors.InvalidValue("Numbers must be finite.")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_value(k, depth + 1)
            _check_value(v, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_value(item, depth + 1)


def _reject_constant(name):
    raise ValueError(name)


def load_body(request) -> dict:
    """The request's JSON object, or a SCIM 4xx error."""
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if media_type and media_type not in ACCEPTED_MEDIA_TYPES:
        raise errors.UnsupportedMediaType()
    try:
        raw = request._request.body
    except RequestDataTooBig:
        raise errors.PayloadTooLarge()
    if len(raw) > app_settings.MAX_BODY_SIZE:
        raise errors.PayloadTooLarge()
    if not raw.strip():
        raise errors.InvalidSyntax("The request body is empty; send a JSON object.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.InvalidSyntax("The request body is not UTF-8.")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise errors.InvalidSyntax("The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise errors.InvalidSyntax("The request body must be a JSON object.")
    _check_value(data, 0)
    return data


def to_scim_error(exc: Exception, *, request_id: str = "") -> errors.SCIMError:
    """Map any exception to the SCIM error the client sees. Unexpected ones are logged with
    their traceback and answered with a generic 500."""
    if isinstance(exc, errors.SCIMError):
        return exc
    if isinstance(exc, SCIMException):  # raised inside django-scim2's own code
        err = errors.SCIMError(exc.detail or None, scim_type=exc.scim_type)
        err.status = exc.status
        return err
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        detail = str(exc.detail) if isinstance(exc, drf.AuthenticationFailed) else None
        return errors.Unauthorized(detail)
    if isinstance(exc, drf.MethodNotAllowed):
        return errors.MethodNotAllowed()
    if isinstance(exc, drf.UnsupportedMediaType):
        return errors.UnsupportedMediaType()
    if isinstance(exc, drf.Throttled):
        headers = {"Retry-After": str(int(exc.wait))} if exc.wait is not None else {}
        return errors.TooManyRequests(headers=headers)
    if isinstance(exc, drf.ParseError):
        return errors.InvalidSyntax()
    if isinstance(exc, drf.PermissionDenied):
        return errors.Forbidden()
    if isinstance(exc, (Http404, ObjectDoesNotExist, drf.NotFound)):
        return errors.NotFound()
    if isinstance(exc, RequestDataTooBig):
        return errors.PayloadTooLarge()
    if isinstance(exc, DataError):
        # A value the database refused (too long, out of range). Adapters validate first; this
        # is the safety net, so a bad value is a 400, never a 500.
        logger.warning("SCIM request refused by the database: %s", type(exc).__name__)
        return errors.InvalidValue("A value is too long or out of range.")
    logger.exception("Unexpected error in SCIM request %s", request_id or "(no id)")
    return errors.InternalError()


class SCIMView(APIView):
    """Base class of every SCIM endpoint."""

    authentication_classes = [SCIMTokenAuthentication]
    permission_classes = [HasSCIMToken]
    renderer_classes = [SCIMRenderer]
    parser_classes: list = []
    content_negotiation_class = AlwaysSCIM
    metadata_class = None
    # No OPTIONS: it answers a SCIM 405 like any unsupported method, and Allow never lists it.
    http_method_names = ["get", "post", "put", "patch", "delete", "head"]
    throttle_classes: list = []

    def initialize_request(self, request, *args, **kwargs):
        # Decided before authentication, so a 401 carries it too. Kept on Django's request:
        # DRF's Request reads attributes through to it.
        request.scim_request_id = request_id_from(request.META)
        return super().initialize_request(request, *args, **kwargs)

    @property
    def request_id(self) -> str:
        return self.request.scim_request_id

    def check_throttles(self, request):
        # DRF calls this after authentication and permissions, before the handler: a refused
        # request does nothing. The limit and its store: scim_provisioning/throttling.py.
        refusal = throttling.token_check(request.auth)
        if refusal is not None:
            raise errors.TooManyRequests(refusal.detail, headers={"Retry-After": str(refusal.retry_after)})

    @property
    def organisation(self):
        return self.request.auth.organisation

    @property
    def token(self):
        return self.request.auth

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response[REQUEST_ID_HEADER] = getattr(request, "scim_request_id", "") or request_id_from({})
        credential = request.auth
        if credential is not None:
            warning = credential_expiry_warning(credential)
            if warning is not None:
                # The identity provider's administrator sees response headers in its logs
                # long before anyone opens our settings page.
                when, message = warning
                response["X-SCIM-Credential-Expires"] = when.isoformat()
                # Header values are ASCII: the hint's ellipsis becomes three dots.
                response["X-SCIM-Credential-Warning"] = message.replace("…", "...")
        return response

    def handle_exception(self, exc):
        err = to_scim_error(exc, request_id=self.request_id)
        response = Response(err.to_dict(), status=err.status)
        for name, value in err.headers.items():
            response[name] = value
        if err.status == 401:
            response["WWW-Authenticate"] = SCIMTokenAuthentication().authenticate_header(self.request)
        response.exception = True
        return response

    def body(self) -> dict:
        return load_body(self.request)
