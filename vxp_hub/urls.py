from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .views import general, teams, users

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Settings › Organisation › General (access management, SCIM token)
    path("settings/organisation/general/", general.settings_general, name="settings-general"),
    # Settings › Organisation › Teams
    path("settings/organisation/teams/", teams.settings_teams, name="settings-teams"),
    path("settings/organisation/teams/new/", teams.team_create, name="settings-team-create"),
    path("settings/organisation/teams/<int:pk>/", teams.team_edit, name="settings-team-edit"),
    path("settings/organisation/teams/<int:pk>/rename/", teams.team_rename, name="settings-team-rename"),
    path("settings/organisation/teams/<int:pk>/members/add/", teams.team_member_add, name="settings-team-member-add"),
    path("settings/organisation/teams/<int:pk>/members/remove/", teams.team_member_remove, name="settings-team-member-remove"),
    # Settings › Organisation › Users
    path("settings/organisation/users/", users.settings_users, name="settings-users"),
    # JSON API (Django REST framework), for automation
    path("api/", include("vxp_hub.api.urls")),
    path("admin/", admin.site.urls),
    path("scim/v2/", include("scim_provisioning.urls")),
]
