"""A SaaS-shaped Django project using the SCIM app: people log in by e-mail and belong to
several workspaces through memberships; each workspace has roles, and teams map to roles.

Everything the SCIM and teams apps need is the block marked "SCIM" below; the rest is what
``django-admin startproject`` writes.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "workspace-host-example-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "workspaces",
    # SCIM
    "rest_framework",
    "teams",
    "scim_provisioning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "workspace_site.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
WSGI_APPLICATION = "workspace_site.wsgi.application"


def _database(url: str | None) -> dict:
    """SQLite in the project folder unless DATABASE_URL names PostgreSQL."""
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("WORKSPACE_DB", BASE_DIR / "db.sqlite3")}
    parts = urlsplit(url)
    return {"ENGINE": "django.db.backends.postgresql", "NAME": parts.path.lstrip("/"), "USER": parts.username or "",
            "PASSWORD": parts.password or "", "HOST": parts.hostname or "", "PORT": str(parts.port or "")}


DATABASES = {"default": _database(os.environ.get("DATABASE_URL"))}
AUTH_USER_MODEL = "workspaces.Person"
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# SCIM -------------------------------------------------------------------------------------
SCIM_PROVISIONING_ORGANISATION_MODEL = "workspaces.Workspace"
TEAMS_ORGANISATION_MODEL = "workspaces.Workspace"
TEAMS_PROFILE_MODEL = "workspaces.Role"
TEAMS_PROFILE_HOLDER = "workspaces.Membership"
SCIM_PROVISIONING = {
    "BACKEND": "workspaces.scim.WorkspaceBackend",
    "TOKEN_PREFIX": "ws_",
    "TOKEN_DESCRIPTION": "The workspace's SCIM token (Workspace settings › Provisioning), sent as "
                         "'Authorization: Bearer <token>'.",
}
