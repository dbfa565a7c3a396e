from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/organisation/general/", views.settings_general, name="settings-general"),
    path("settings/organisation/teams/", views.settings_teams, name="settings-teams"),
    path("settings/organisation/users/", views.settings_users, name="settings-users"),
    path("admin/", admin.site.urls),
    path("scim/v2/", include("scim_provisioning.urls")),
]
