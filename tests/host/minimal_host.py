"""A minimal host project written into a temporary directory: what a developer following the
README ('Install in your project') writes, with an e-mail login field (``USERNAME_FIELD =
"email"``, ``email`` unique) and a role model of its own as the teams' profile model. Its user
model has no SCIM field at all: ``AbstractUser`` plus the tenant and what the teams app's
profile rule writes (``role``, ``profile``, ``profile_team``).

``write_host(path)`` writes it; ``manage(path, *args)`` runs its ``manage.py`` in a fresh
interpreter (``sys.executable``) with the repository on ``PYTHONPATH`` and a SQLite file.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

FILES = {
    "manage.py": """
        import os, sys
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")
        from django.core.management import execute_from_command_line
        execute_from_command_line(sys.argv)
    """,
    "site_cfg/__init__.py": "",
    "site_cfg/settings.py": """
        import os
        from pathlib import Path

        BASE_DIR = Path(__file__).resolve().parent.parent
        SECRET_KEY = "minimal-host-not-secret"
        DEBUG = True
        ALLOWED_HOSTS = ["*"]
        INSTALLED_APPS = [
            "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
            "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
            "rest_framework", "teams", "scim_provisioning", "accounts",
        ]
        MIDDLEWARE = [
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ]
        ROOT_URLCONF = "site_cfg.urls"
        TEMPLATES = [{
            "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
            "OPTIONS": {"context_processors": [
                "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]},
        }]
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                                 "NAME": os.environ.get("HOST_DB", BASE_DIR / "db.sqlite3")}}
        USE_TZ = True
        STATIC_URL = "static/"
        DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

        AUTH_USER_MODEL = "accounts.User"
        SCIM_PROVISIONING_ORGANISATION_MODEL = "accounts.Tenant"
        TEAMS_ORGANISATION_MODEL = "accounts.Tenant"
        TEAMS_PROFILE_MODEL = "accounts.Role"
        SCIM_PROVISIONING = {"TOKEN_PREFIX": "acme_"}
    """,
    "site_cfg/urls.py": """
        from django.urls import include, path

        urlpatterns = [
            path("scim/v2/", include("scim_provisioning.urls")),
            path("scim/oauth/", include("scim_provisioning.oauth_urls")),
        ]
    """,
    "accounts/__init__.py": "",
    "accounts/migrations/__init__.py": "",
    "accounts/models.py": """
        from django.contrib.auth.models import AbstractUser, UserManager
        from django.db import models


        class Tenant(models.Model):
            name = models.CharField(max_length=100)
            slug = models.SlugField(unique=True)
            default_scim_profile = models.ForeignKey("Role", null=True, blank=True, on_delete=models.SET_NULL,
                                                     related_name="+")


        class Role(models.Model):
            organisation = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="roles")
            name = models.CharField(max_length=100)
            rank = models.IntegerField(default=0)


        class EmailUserManager(UserManager):
            def create_user(self, email, password=None, **extra):
                return super().create_user(extra.pop("username", email), email, password, **extra)


        class User(AbstractUser):
            email = models.EmailField(unique=True)
            USERNAME_FIELD = "email"
            REQUIRED_FIELDS = ["username"]
            objects = EmailUserManager()

            organisation = models.ForeignKey(Tenant, null=True, on_delete=models.PROTECT, related_name="users")
            role = models.CharField(max_length=20, default="member")
            PROTECTED_ROLES = ("owner",)
            profile = models.ForeignKey(Role, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
            profile_team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.SET_NULL,
                                             related_name="+")

            @property
            def is_protected(self):
                return self.role in self.PROTECTED_ROLES


    """,
    # Drives the host through its whole HTTP stack (Django's test client: middleware, URLs, views,
    # the SQLite file): SCIM requests from argv as JSON [[method, path, body], ...], one JSON line
    # per answer on stdout, with a fresh tenant "demo" and its token.
    "drive.py": """
        import json, os, sys

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")
        django.setup()
        from django.core.management import call_command
        from django.test import Client

        from accounts.models import Tenant
        from scim_provisioning.services import token_generate

        tenant, _ = Tenant.objects.get_or_create(slug="demo", defaults={"name": "Demo"})
        _, token = token_generate(organisation=tenant)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        for method, path, body in json.loads(sys.argv[1]):
            response = getattr(client, method.lower())(path, data=json.dumps(body) if body is not None else None,
                                                       content_type="application/scim+json")
            print(json.dumps({"status": response.status_code,
                              "body": json.loads(response.content) if response.content else None}))
    """,
}


def write_host(path: Path) -> Path:
    for name, text in FILES.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip())
    return path


def manage(path: Path, *args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env.update(PYTHONPATH=os.pathsep.join([str(path), str(REPO)]), HOST_DB=str(path / "db.sqlite3"))
    return subprocess.run([sys.executable, "manage.py", *args], cwd=path, env=env, capture_output=True,
                          text=True, timeout=timeout)
