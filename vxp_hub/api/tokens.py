"""The organisation's SCIM credentials, for automation (Django REST framework).

``/api/scim-token/``
- ``GET``: status of the newest active token (``active``, ``hint``, ``created_at``,
  ``created_by``, ``last_used_at``, ``expires_at``, ``base_url``) plus ``tokens`` (every active
  token, oldest first: two during a rotation) and ``rotation_in_progress``.
- ``POST`` ``{"expires_in_days": N?}``: issue a new token, revoking every active one at once.
  201; the body adds ``token``, the raw token, shown this once and never again.
- ``DELETE``: revoke every active token. 204, or 404 when there is none.

``/api/scim-token/rotation/``: ``POST`` ``{"expires_in_days": N?, "retire_old_in_days": N?}``
starts a rotation (201 with ``token``; 409 if one is in progress);
``/api/scim-token/rotation/complete/`` and ``…/cancel/``: ``POST`` (200 with the status; 409
without a rotation).

``/api/scim-oauth-clients/``: ``GET`` the clients with their secrets (hints and expiries);
``POST`` ``{"secret_expires_in_days": N?}`` creates one: 201 with ``client_id``,
``client_secret`` (shown once) and ``token_endpoint``.
``/api/scim-oauth-clients/<client_id>/``: ``DELETE`` revokes it (204).
``/api/scim-oauth-clients/<client_id>/secrets/``: ``POST`` adds a secret (201, shown once).
``/api/scim-oauth-clients/<client_id>/secrets/<id>/``: ``DELETE`` revokes it (204).

``/api/scim-settings/``: ``GET``, ``PUT``/``PATCH`` ``{"link_manual_groups", "restrict_user_domains",
"user_domains": [..]}``: the SCIM safety rails.

Owners and administrators of the logged-in user's organisation only (session authentication,
so unsafe methods need the CSRF token). Every response is ``Cache-Control: no-store``.
"""

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from scim_provisioning.conf import app_settings
from scim_provisioning.models import SCIMOAuthClient, SCIMOAuthSecret, SCIMToken
from scim_provisioning.oauth import (
    oauth_client_create,
    oauth_client_revoke,
    oauth_clients,
    oauth_secret_add,
    oauth_secret_revoke,
)
from scim_provisioning.rails import domains_parse, scim_settings, scim_settings_update
from scim_provisioning.selectors import scim_base_url
from scim_provisioning.services import (
    RotationError,
    token_generate,
    token_revoke,
    token_rotate,
    token_rotation_cancel,
    token_rotation_complete,
    tokens_active,
)

from ..permissions import IsOrganisationAdmin


def _days(value):
    return timezone.now() + timedelta(days=value) if value else None


class _Days(serializers.Serializer):
    expires_in_days = serializers.IntegerField(min_value=1, max_value=3660, required=False, allow_null=True)
    retire_old_in_days = serializers.IntegerField(min_value=1, max_value=365, required=False, allow_null=True)
    secret_expires_in_days = serializers.IntegerField(min_value=1, max_value=app_settings.OAUTH_SECRET_MAX_DAYS,
                                                      required=False, allow_null=True)


def _days_from(request) -> dict:
    serializer = _Days(data=request.data or {})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _token(token: SCIMToken) -> dict:
    return {
        "hint": token.hint,
        "created_at": token.created_at,
        "created_by": token.created_by.username if token.created_by else None,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
        "retire_at": token.retire_at,
        "stops_working_at": token.ends_at(),
    }


def _token_status(organisation, *, base_url: str) -> dict:
    tokens = tokens_active(organisation=organisation)
    newest = tokens[-1] if tokens else None
    return {
        "active": newest is not None,
        "hint": newest.hint if newest else None,
        "created_at": newest.created_at if newest else None,
        "created_by": newest.created_by.username if newest and newest.created_by else None,
        "last_used_at": newest.last_used_at if newest else None,
        "expires_at": newest.expires_at if newest else None,
        "base_url": base_url,
        "rotation_in_progress": len(tokens) > 1,
        "tokens": [_token(t) for t in tokens],
    }


class _NoStore(APIView):
    permission_classes = [IsOrganisationAdmin]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def status_body(self, request, **extra) -> dict:
        return {**extra, **_token_status(request.user.organisation, base_url=scim_base_url(request=request))}


class SCIMTokenView(_NoStore):
    def get(self, request):
        return Response(self.status_body(request))

    def post(self, request):
        days = _days_from(request)
        _, raw = token_generate(organisation=request.user.organisation, created_by=request.user,
                                expires_at=_days(days.get("expires_in_days")))
        return Response(self.status_body(request, token=raw), status=status.HTTP_201_CREATED)

    def delete(self, request):
        if token_revoke(organisation=request.user.organisation, revoked_by=request.user) is None:
            return Response({"detail": "There is no active SCIM token."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SCIMTokenRotationView(_NoStore):
    """POST …/rotation/ starts one; POST …/rotation/complete/ or …/cancel/ ends it."""

    step = None

    def post(self, request):
        organisation = request.user.organisation
        try:
            if self.step == "complete":
                token_rotation_complete(organisation=organisation, by=request.user)
            elif self.step == "cancel":
                token_rotation_cancel(organisation=organisation, by=request.user)
            else:
                days = _days_from(request)
                _, raw = token_rotate(organisation=organisation, created_by=request.user,
                                      expires_at=_days(days.get("expires_in_days")),
                                      retire_at=_days(days.get("retire_old_in_days")))
                return Response(self.status_body(request, token=raw), status=status.HTTP_201_CREATED)
        except RotationError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(self.status_body(request))


def _client(client: SCIMOAuthClient) -> dict:
    return {
        "client_id": client.client_id,
        "created_at": client.created_at,
        "secrets": [
            {"id": s.pk, "hint": s.hint, "created_at": s.created_at, "expires_at": s.expires_at,
             "last_used_at": s.last_used_at, "expired": s.expires_at <= timezone.now()}
            for s in client.active_secrets
        ],
    }


class OAuthClientListView(_NoStore):
    def get(self, request):
        return Response({"token_endpoint": request.build_absolute_uri(reverse("scim_provisioning_oauth:token")),
                         "clients": [_client(c) for c in oauth_clients(organisation=request.user.organisation)]})

    def post(self, request):
        days = _days_from(request)
        client, secret, raw = oauth_client_create(organisation=request.user.organisation, created_by=request.user,
                                                  secret_expires_at=_days(days.get("secret_expires_in_days")))
        return Response({
            "client_id": client.client_id, "client_secret": raw, "secret_hint": secret.hint,
            "secret_expires_at": secret.expires_at,
            "token_endpoint": request.build_absolute_uri(reverse("scim_provisioning_oauth:token")),
        }, status=status.HTTP_201_CREATED)


def _client_or_404(request, client_id: str) -> SCIMOAuthClient:
    return get_object_or_404(SCIMOAuthClient, organisation=request.user.organisation, client_id=client_id,
                             revoked_at__isnull=True)


class OAuthClientDetailView(_NoStore):
    def delete(self, request, client_id: str):
        oauth_client_revoke(client=_client_or_404(request, client_id), revoked_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OAuthSecretListView(_NoStore):
    def post(self, request, client_id: str):
        client = _client_or_404(request, client_id)
        days = _days_from(request)
        secret, raw = oauth_secret_add(client=client, created_by=request.user,
                                       expires_at=_days(days.get("secret_expires_in_days")))
        return Response({"client_id": client.client_id, "client_secret": raw, "secret_hint": secret.hint,
                         "id": secret.pk, "secret_expires_at": secret.expires_at}, status=status.HTTP_201_CREATED)


class OAuthSecretDetailView(_NoStore):
    def delete(self, request, client_id: str, pk: int):
        client = _client_or_404(request, client_id)
        secret = get_object_or_404(SCIMOAuthSecret, client=client, pk=pk, revoked_at__isnull=True)
        oauth_secret_revoke(secret=secret, revoked_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _Rails(serializers.Serializer):
    link_manual_groups = serializers.BooleanField()
    restrict_user_domains = serializers.BooleanField()
    user_domains = serializers.ListField(child=serializers.CharField(max_length=253), max_length=100)

    def validate_user_domains(self, value):
        try:
            return domains_parse(",".join(value))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate(self, data):
        if data["restrict_user_domains"] and not data["user_domains"]:
            raise serializers.ValidationError({"user_domains": "Name at least one domain to restrict userNames to."})
        return data


class SCIMSettingsView(_NoStore):
    def _body(self, organisation) -> dict:
        rails = scim_settings(organisation)
        return {"link_manual_groups": rails.link_manual_groups, "restrict_user_domains": rails.restrict_user_domains,
                "user_domains": rails.user_domains}

    def get(self, request):
        return Response(self._body(request.user.organisation))

    def put(self, request, partial: bool = False):
        organisation = request.user.organisation
        current = self._body(organisation)
        data = {**current, **request.data} if partial else request.data
        serializer = _Rails(data=data)
        serializer.is_valid(raise_exception=True)
        scim_settings_update(organisation=organisation, actor=request.user, **serializer.validated_data)
        return Response(self._body(organisation))

    def patch(self, request):
        return self.put(request, partial=True)
