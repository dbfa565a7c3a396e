"""The OAuth 2.0 token endpoint. Mount with
``path("scim/oauth/", include("scim_provisioning.oauth_urls"))``: it answers at
``/scim/oauth/token`` (with or without a trailing slash: a POST cannot follow a redirect)."""

from django.urls import re_path

from .views.oauth import token

app_name = "scim_provisioning_oauth"

urlpatterns = [
    re_path(r"^token/?$", token, name="token"),
]
