"""Bearer token -> a fixed service user on request.user (django-scim2 does no authentication;
its AUTH_CHECK_MIDDLEWARE only checks request.user.is_authenticated). One SELECT per request,
as a session or token lookup would cost."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.crypto import constant_time_compare


class BearerServiceUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Bearer ") and settings.STOCK_SCIM_TOKEN and constant_time_compare(
                header[7:], settings.STOCK_SCIM_TOKEN):
            request.user = get_user_model().objects.get(username=settings.STOCK_SCIM_SERVICE_USER)
        return self.get_response(request)
