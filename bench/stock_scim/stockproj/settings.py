"""Settings of the stock django-scim2 reference project: what django-scim2's README asks for and
nothing more (default adapters, default filter parsers, default views at /scim/v2/).

Environment: DATABASE_URL (required: its own throwaway database), STOCK_SCIM_TOKEN (the bearer
token the service-user middleware accepts), STOCK_SCIM_NETLOC (host:port for meta.location),
DJANGO_DEBUG (default off).
"""
import os

import dj_database_url

DEBUG = os.environ.get("DJANGO_DEBUG", "0").lower() in {"1", "true", "yes", "on"}
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "stock-scim-bench-only-not-a-secret")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django_scim",
    "stockapp",
]

# Django's startproject middleware, plus the bearer-token middleware after authentication
# (django-scim2's README: "a prior middleware logs the user in").
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stockapp.middleware.BearerServiceUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "stockproj.urls"
WSGI_APPLICATION = "stockproj.wsgi.application"
TEMPLATES = []

DATABASES = {"default": dj_database_url.config(env="DATABASE_URL")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "stockapp.User"
USE_TZ = True
TIME_ZONE = "UTC"

STOCK_SCIM_TOKEN = os.environ.get("STOCK_SCIM_TOKEN", "")
STOCK_SCIM_SERVICE_USER = "scim-service"

SCIM_SERVICE_PROVIDER = {
    "NETLOC": os.environ.get("STOCK_SCIM_NETLOC", "127.0.0.1"),
    "SCHEME": "http",
    "AUTHENTICATION_SCHEMES": [
        {"type": "oauthbearertoken", "name": "OAuth Bearer Token",
         "description": "Authentication scheme using the OAuth Bearer Token Standard"},
    ],
    "GROUP_MODEL": "stockapp.models.Group",
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="django-scim2"',
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
