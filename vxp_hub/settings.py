"""Settings for the hub. The environment is read here and only here.

Environment:
- ``DATABASE_URL``: e.g. ``postgres://postgres@127.0.0.1:5432/vxp_hub``. Unset: SQLite in the
  repository (``db.sqlite3``), so a newcomer needs no database server.
- ``DJANGO_DEBUG``: off unless set to ``1``/``true`` (``make run`` and the test suite set it).
- ``DJANGO_SECRET_KEY``: the key in production. Unset with DEBUG off: a random key generated
  once into ``DJANGO_SECRET_KEY_FILE`` (default ``.secret_key``, mode 0600) and kept there.
- ``DJANGO_ALLOWED_HOSTS``: comma-separated host names (production).
- ``DJANGO_DB_POOL``: on PostgreSQL, the size of each server process's connection pool
  (default ``10``; ``0`` switches the pool off). A request borrows an open connection instead
  of opening one (a new connection is most of a small request's time).
- ``DJANGO_CONN_MAX_AGE``: without a pool (SQLite, or ``DJANGO_DB_POOL=0``), seconds a
  connection is kept (default 60 in production, 0 with DEBUG); health-checked before reuse.
- ``DJANGO_STATIC_ROOT``: where ``collectstatic`` writes (default ``staticfiles/``).
- Production only: ``DJANGO_SECURE_SSL_REDIRECT`` (default on), ``DJANGO_HSTS_SECONDS``
  (default one year), ``DJANGO_SECURE_PROXY_SSL_HEADER`` (default on: the TLS-terminating
  proxy in front sets ``X-Forwarded-Proto``; switch it off when nothing in front strips it).
- ``REDIS_URL``: the cache (SCIM rate-limit counters) in Redis; unset: the database cache
  (table made by ``manage.py createcachetable``).
- ``SCIM_RATE_LIMIT``: requests per SCIM token, ``N/s``, ``N/m`` or ``N/h`` (default
  ``50/s``), or ``off``.
"""

from pathlib import Path
import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from scim_provisioning.rates import parse_rate

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DJANGO_DEBUG", False)

def _secret_key_from_file(path: Path) -> str:
    """A key generated once for this installation and kept in ``path`` (mode 0600), so a bare
    ``manage.py seed_demo`` or ``scim_token`` works with DEBUG off and no key in the
    environment, and never with a key anybody else knows. Servers that share sessions set
    ``DJANGO_SECRET_KEY`` (or point ``DJANGO_SECRET_KEY_FILE`` at one shared file)."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        import secrets

        key = secrets.token_urlsafe(50)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
        return key
    except OSError as exc:
        raise ImproperlyConfigured(f"Set DJANGO_SECRET_KEY: the key file {path} cannot be read ({exc}).") from exc


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-3f9c1a7e5b2d4c6f8a0e"
    else:
        SECRET_KEY = _secret_key_from_file(Path(os.environ.get("DJANGO_SECRET_KEY_FILE") or BASE_DIR / ".secret_key"))

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "vxp_hub",
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

if not DEBUG:
    # Static files from the WSGI server itself (gunicorn), right after the security middleware:
    # what collectstatic wrote, compressed, hashed names cached for a year. With DEBUG,
    # runserver serves them from the apps' folders.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "vxp_hub.urls"
WSGI_APPLICATION = "vxp_hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Persistent connections in production (a worker reuses its connection for 60 s instead
        # of connecting per request), checked before reuse so a database restart costs one
        # reconnect, not an error. runserver and the tests keep Django's per-request default.
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0" if DEBUG else "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers on the embedded default (issue 9): every transaction takes SQLite's
    # write lock when it begins (IMMEDIATE), so two writers never deadlock upgrading a read
    # lock ("database is locked" at once, busy timeout or not); a writer waits up to 20 s for
    # the lock; WAL lets readers go on while one writer writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
    # A file, not :memory:, so the threads of concurrent tests and live_server share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _pool_setting = os.environ.get("DJANGO_DB_POOL", "").strip() or "10"
    if not _pool_setting.isdigit():
        raise ImproperlyConfigured(f"DJANGO_DB_POOL = {_pool_setting!r}: a number of connections, or 0 for no pool.")
    _pool_size = int(_pool_setting)
    if _pool_size > 0:
        # psycopg's pool (Django 5.1+): each process keeps up to _pool_size open connections
        # and lends one per request, in runserver's threads and gunicorn's workers alike.
        # Connecting (TCP, startup, SET TIME ZONE) is ~6.5 ms here, more than a SCIM read's
        # own statements; a pooled connection is checked when lent, so a restarted database
        # costs a reconnect, not an error. A pool replaces persistent connections.
        # CONN_HEALTH_CHECKS (on, above) makes the pool check a connection before lending it.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1, "max_size": _pool_size, "timeout": 10}

# The cache holds the SCIM rate-limit counters, so it is shared by every server process: the
# database (the embedded default; `manage.py createcachetable` makes the table, the Makefile runs
# it) or Redis when REDIS_URL is set. The database backend is ours for an atomic incr (one locked
# UPDATE instead of Django's get-then-set, which loses counts between processes).
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"]}}
else:
    CACHES = {"default": {"BACKEND": "scim_provisioning.cache.DatabaseCache",
                          "LOCATION": "django_cache",
                          "OPTIONS": {"MAX_ENTRIES": 10000}}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "vxp_hub.User"
# userName is unique per organisation, not site-wide; the login needs the organisation too.
# See vxp_hub.auth.OrganisationBackend and the User model's docstring.
AUTHENTICATION_BACKENDS = ["vxp_hub.auth.OrganisationBackend"]
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # administrators → settings, members → My account
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves what collectstatic wrote (make serve runs it): hashed names, so
    # WhiteNoise sends them with a far-future Cache-Control, and gzip/brotli copies. With DEBUG
    # the files come straight from the apps' static folders, no collectstatic needed.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["vxp_hub.permissions.IsOrganisationAdmin"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

# The reusable teams app: the host's tenant and profile models.
TEAMS_ORGANISATION_MODEL = "vxp_hub.Organisation"
TEAMS_PROFILE_MODEL = "vxp_hub.UserProfile"

# The reusable SCIM app: one settings dict over its defaults (scim_provisioning/conf.py).
SCIM_PROVISIONING_ORGANISATION_MODEL = "vxp_hub.Organisation"
SCIM_PROVISIONING = {
    "BACKEND": "vxp_hub.provisioning.HubSCIMBackend",
    "TOKEN_PREFIX": "vxpscim_",
    "TOKEN_DESCRIPTION": "The organisation's SCIM token, generated in Settings › Organisation › General, "
                         "sent as 'Authorization: Bearer <token>'.",
    # Requests per token. 50/s: Microsoft Entra's gallery asks for at least 25 requests/s per
    # tenant and Okta sends in parallel, so twice that leaves bursts room, while one leaked or
    # runaway token still cannot take the service from every other organisation.
    "RATE_LIMIT": str(parse_rate(os.environ.get("SCIM_RATE_LIMIT", "50/s"), name="SCIM_RATE_LIMIT") or "off"),
}

# SAML single sign-on (vxp_hub/sso.py): the hub's public base URL, e.g. https://hub.example.com,
# from which each organisation's SP entity ID and ACS URL are built. Unset: from the request's
# host, which is right unless the hub is reached under several names.
SSO_BASE_URL = os.environ.get("SSO_BASE_URL", "").rstrip("/")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = _env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if _env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # The library logs whole request bodies at DEBUG; never let that through.
        "django_scim": {"level": "WARNING"},
        "scim_provisioning": {"level": "INFO"},
        # pysaml2 logs every refused response as an ERROR (and messages at DEBUG); vxp_hub.sso
        # logs refusals itself, and the activity log has them with their reason.
        "saml2": {"level": "CRITICAL"},
    },
}
