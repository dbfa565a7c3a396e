from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .views import account, activity, general, single_sign_on, sso, teams, users

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", account.account, name="account"),
    # Settings › Organisation › General (access management, SCIM token)
    path("settings/organisation/general/", general.settings_general, name="settings-general"),
    path(
        "settings/organisation/general/scim-token/generate/",
        general.settings_general_token_generate,
        name="settings-general-token-generate",
    ),
    path(
        "settings/organisation/general/scim-token/revoke/",
        general.settings_general_token_revoke,
        name="settings-general-token-revoke",
    ),
    path(
        "settings/organisation/general/scim-token/rotate/",
        general.settings_general_token_rotate,
        name="settings-general-token-rotate",
    ),
    path(
        "settings/organisation/general/scim-token/rotation/complete/",
        general.settings_general_rotation_end,
        {"step": "complete"},
        name="settings-general-rotation-complete",
    ),
    path(
        "settings/organisation/general/scim-token/rotation/cancel/",
        general.settings_general_rotation_end,
        {"step": "cancel"},
        name="settings-general-rotation-cancel",
    ),
    path("settings/organisation/general/oauth/secret/", general.settings_general_oauth_secret,
         name="settings-general-oauth-secret"),
    path("settings/organisation/general/oauth/revoke/", general.settings_general_oauth_revoke,
         name="settings-general-oauth-revoke"),
    path("settings/organisation/general/scim-rails/", general.settings_general_rails, name="settings-general-rails"),
    path(
        "settings/organisation/general/default-scim-profile/",
        general.settings_general_default_profile,
        name="settings-general-default-profile",
    ),
    # Settings › Organisation › Teams
    path("settings/organisation/teams/", teams.settings_teams, name="settings-teams"),
    path("settings/organisation/teams/new/", teams.team_create, name="settings-team-create"),
    path("settings/organisation/teams/<int:pk>/", teams.team_edit, name="settings-team-edit"),
    path("settings/organisation/teams/<int:pk>/rename/", teams.team_rename, name="settings-team-rename"),
    path("settings/organisation/teams/<int:pk>/delete/", teams.team_delete, name="settings-team-delete"),
    path("settings/organisation/teams/<int:pk>/members/add/", teams.team_member_add, name="settings-team-member-add"),
    path("settings/organisation/teams/<int:pk>/members/remove/", teams.team_member_remove, name="settings-team-member-remove"),
    # Settings › Organisation › Users
    path("settings/organisation/users/", users.settings_users, name="settings-users"),
    # Settings › Organisation › Single sign-on
    path("settings/organisation/sso/", single_sign_on.settings_sso, name="settings-sso"),
    # Settings › Organisation › SCIM activity
    path("settings/organisation/scim-activity/", activity.settings_activity, name="settings-activity"),
    # SAML 2.0 single sign-on, one service provider per organisation (vxp_hub/sso.py)
    path("sso/", sso.sso_start, name="sso-start"),
    path("sso/<slug:slug>/saml/metadata/", sso.metadata, name="sso-metadata"),
    path("sso/<slug:slug>/saml/login/", sso.login_start, name="sso-login"),
    path("sso/<slug:slug>/saml/acs/", sso.acs, name="sso-acs"),
    # JSON API (Django REST framework), for automation
    path("api/", include("vxp_hub.api.urls")),
    # Before admin.site.urls: the admin's login answers 429 when throttled (vxp_hub.throttle).
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("scim/v2/", include("scim_provisioning.urls")),
    path("scim/oauth/", include("scim_provisioning.oauth_urls")),
]
