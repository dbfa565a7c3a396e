"""The hub's JSON API (Django REST framework): /api/…"""

from django.urls import path

from . import teams, tokens

urlpatterns = [
    path("scim-token/", tokens.SCIMTokenView.as_view(), name="api-scim-token"),
    path("scim-token/rotation/", tokens.SCIMTokenRotationView.as_view(), name="api-scim-token-rotation"),
    path("scim-token/rotation/complete/", tokens.SCIMTokenRotationView.as_view(step="complete"),
         name="api-scim-token-rotation-complete"),
    path("scim-token/rotation/cancel/", tokens.SCIMTokenRotationView.as_view(step="cancel"),
         name="api-scim-token-rotation-cancel"),
    path("scim-oauth-clients/", tokens.OAuthClientListView.as_view(), name="api-oauth-clients"),
    path("scim-oauth-clients/<str:client_id>/", tokens.OAuthClientDetailView.as_view(), name="api-oauth-client"),
    path("scim-oauth-clients/<str:client_id>/secrets/", tokens.OAuthSecretListView.as_view(),
         name="api-oauth-secrets"),
    path("scim-oauth-clients/<str:client_id>/secrets/<int:pk>/", tokens.OAuthSecretDetailView.as_view(),
         name="api-oauth-secret"),
    path("scim-settings/", tokens.SCIMSettingsView.as_view(), name="api-scim-settings"),
    path("teams/", teams.TeamList.as_view(), name="api-team-list"),
    path("teams/<int:pk>/", teams.TeamDetail.as_view(), name="api-team-detail"),
    path("profiles/", teams.ProfileList.as_view(), name="api-profile-list"),
]
