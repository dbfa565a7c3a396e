"""The hub's JSON API (Django REST framework): /api/…"""

from django.urls import path

from . import teams, tokens

urlpatterns = [
    path("scim-token/", tokens.SCIMTokenView.as_view(), name="api-scim-token"),
    path("teams/", teams.TeamList.as_view(), name="api-team-list"),
    path("teams/<int:pk>/", teams.TeamDetail.as_view(), name="api-team-detail"),
    path("profiles/", teams.ProfileList.as_view(), name="api-profile-list"),
]
