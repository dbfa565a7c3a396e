"""``/api/scim-token/``: the organisation's SCIM token, for automation.

- ``GET``: its status: ``active``, ``hint``, ``created_at``, ``created_by`` (username),
  ``last_used_at``, ``base_url`` (the last four are null, and ``active`` false, without one).
- ``POST``: issue a new token, revoking the previous one at once. 201; the body adds
  ``token``, the raw token, shown this once and never again.
- ``DELETE``: revoke the active token. 204, or 404 when there is none.

Owners and administrators of the logged-in user's organisation only (session authentication,
so unsafe methods need the CSRF token). Every response is ``Cache-Control: no-store``.
"""

from django.utils.cache import add_never_cache_headers
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from scim_provisioning.models import SCIMToken
from scim_provisioning.selectors import scim_base_url, token_get_active
from scim_provisioning.services import token_generate, token_revoke

from ..permissions import IsOrganisationAdmin


def _token_status(token: SCIMToken | None, *, base_url: str) -> dict:
    return {
        "active": token is not None and token.is_active,
        "hint": token.hint if token else None,
        "created_at": token.created_at if token else None,
        "created_by": token.created_by.username if token and token.created_by else None,
        "last_used_at": token.last_used_at if token else None,
        "base_url": base_url,
    }


class SCIMTokenView(APIView):
    permission_classes = [IsOrganisationAdmin]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def get(self, request):
        token = token_get_active(organisation=request.user.organisation)
        return Response(_token_status(token, base_url=scim_base_url(request=request)))

    def post(self, request):
        token, raw = token_generate(organisation=request.user.organisation, created_by=request.user)
        body = {"token": raw, **_token_status(token, base_url=scim_base_url(request=request))}
        return Response(body, status=status.HTTP_201_CREATED)

    def delete(self, request):
        if token_revoke(organisation=request.user.organisation, revoked_by=request.user) is None:
            return Response({"detail": "There is no active SCIM token."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)
