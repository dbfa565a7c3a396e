"""The hub's JSON API (Django REST framework): /api/…"""

from django.urls import path

from . import tokens

urlpatterns: list = [
    path("scim-token/", tokens.SCIMTokenView.as_view(), name="api-scim-token"),
]
