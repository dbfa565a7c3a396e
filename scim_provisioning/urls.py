"""Mount with ``path("scim/v2/", include("scim_provisioning.urls"))``."""

from django.urls import path

app_name = "scim_provisioning"

urlpatterns: list = []
