from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("scim/v2/", include("scim_provisioning.urls")),
    path("scim/oauth/", include("scim_provisioning.oauth_urls")),
]
