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
    # Settings › Organisation › Users
    path("settings/organisation/users/", users.settings_users, name="settings-users"),
    # JSON API (Django REST framework), for automation
    path("api/", include("vxp_hub.api.urls")),
    path("admin/", admin.site.urls),
    path("scim/v2/", include("scim_provisioning.urls")),
]
