"""SCIM errors: django-scim2's envelope, with ``status`` as a string (RFC 7644 §3.12).

Raise these anywhere below a SCIM view; the view turns them into
``{"schemas": [Error], "status": "400", "scimType": …, "detail": …}``. ``detail`` is shown
to the identity provider's administrator, so it says what to fix and never carries
exception or database text.
"""

from django_scim.exceptions import SCIMException


class SCIMError(SCIMException):
    status = 500
    scim_type = None
    default_detail = "The request could not be processed."

    def __init__(self, detail: str | None = None, *, scim_type: str | None = None, headers: dict | None = None):
        super().__init__(detail or self.default_detail, scim_type=scim_type or self.scim_type)
        self.headers = headers or {}

    def to_dict(self) -> dict:
        body = super().to_dict()
        body["status"] = str(self.status)
        return body


class BadRequest(SCIMError):
    status = 400
    default_detail = "The request is not valid."


class InvalidSyntax(BadRequest):
    scim_type = "invalidSyntax"
    default_detail = "The request body is not a valid SCIM message."


class InvalidFilter(BadRequest):
    scim_type = "invalidFilter"
    default_detail = "The filter is not valid or not supported."


class InvalidValue(BadRequest):
    scim_type = "invalidValue"
    default_detail = "An attribute value is not valid."


class InvalidPath(BadRequest):
    scim_type = "invalidPath"
    default_detail = "The PATCH path is not valid or not supported."


class NoTarget(BadRequest):
    scim_type = "noTarget"
    default_detail = "The PATCH path matched nothing."


class Mutability(BadRequest):
    scim_type = "mutability"
    default_detail = "The attribute cannot be changed."


class TooMany(BadRequest):
    scim_type = "tooMany"
    default_detail = "The request asks for too much at once."


class Unauthorized(SCIMError):
    status = 401
    default_detail = "Authentication failed: send the organisation's SCIM token as 'Authorization: Bearer <token>'."


class Forbidden(SCIMError):
    status = 403
    default_detail = "This operation is not allowed."


class NotFound(SCIMError):
    status = 404
    default_detail = "Resource not found."


class MethodNotAllowed(SCIMError):
    status = 405
    default_detail = "This method is not supported on this endpoint."


class Conflict(SCIMError):
    status = 409
    scim_type = "uniqueness"
    default_detail = "A resource with the same unique attribute already exists."


class PayloadTooLarge(SCIMError):
    status = 413
    default_detail = "The request body is too large."


class UnsupportedMediaType(SCIMError):
    status = 415
    default_detail = "Send the body as application/scim+json or application/json."


class TooManyRequests(SCIMError):
    status = 429
    default_detail = "Too many requests; retry after the number of seconds in Retry-After."


class InternalError(SCIMError):
    status = 500
    default_detail = "The service provider failed to process the request; it has been logged."


class NotImplementedFeature(SCIMError):
    status = 501
    default_detail = "This feature is not supported; see /ServiceProviderConfig."


class InvalidCursor(BadRequest):
    """RFC 9865 §2.3: a cursor this server did not issue, or issued for another query."""

    scim_type = "invalidCursor"
    default_detail = "The cursor is not valid for this request; start again with cursor= (empty)."


class ExpiredCursor(BadRequest):
    """RFC 9865 §2.3: a cursor older than ``cursorTimeout``."""

    scim_type = "expiredCursor"
    default_detail = "The cursor has expired; start again with cursor= (empty)."
