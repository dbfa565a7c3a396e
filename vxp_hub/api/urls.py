"""The hub's JSON API (Django REST framework): /api/…"""

from django.urls import path

urlpatterns: list = [
]

# --- Teams and user profiles (issue 5) ------------------------------------------------------
from . import teams as teams_api  # noqa: E402  (kept inside this block on purpose)

urlpatterns += [
    path("teams/", teams_api.TeamList.as_view(), name="api-team-list"),
    path("teams/<int:pk>/", teams_api.TeamDetail.as_view(), name="api-team-detail"),
    path("profiles/", teams_api.ProfileList.as_view(), name="api-profile-list"),
]
# --- end: teams and user profiles -----------------------------------------------------------
