"""The hub's JSON API (Django REST framework): /api/…"""

from django.urls import path

urlpatterns: list = [
]
