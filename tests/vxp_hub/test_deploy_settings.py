"""Production mode: DEBUG is off unless asked for, and `manage.py check --deploy` is clean."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "x" * 20 + "a-long-random-production-secret-key-value-0123456789"


def _env(env_extra):
    # Nothing of the suite's own environment (tests/settings.py sets DJANGO_DEBUG=1).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SCIM_"))}
    env.update(env_extra)
    return {k: v for k, v in env.items() if v is not None}  # None: unset (DATABASE_URL=None: SQLite)


def _check(env_extra):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_env(env_extra), capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean_in_production_mode():
    result = _check({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "hub.example.com"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_is_clean_with_debug_left_unset():
    result = _check({"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "hub.example.com"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_when_the_ssl_redirect_is_switched_off():
    # The env switch really reaches the setting (and --deploy notices).
    result = _check({"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "hub.example.com",
                     "DJANGO_SECURE_SSL_REDIRECT": "0"})
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def test_without_a_secret_key_production_mode_generates_one_and_keeps_it(tmp_path):
    """Bare management commands (scripts run ``manage.py scim_token`` with no environment)
    work with DEBUG off, on a key nobody else knows, the same on every run."""
    key_file = tmp_path / "key"
    env = {"DJANGO_SECRET_KEY_FILE": str(key_file), "DJANGO_ALLOWED_HOSTS": "hub.example.com"}
    assert _check(env).returncode == 0
    first = _settings_value(env, "settings.SECRET_KEY")
    assert first == key_file.read_text().strip() and len(first) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert _settings_value(env, "settings.SECRET_KEY") == first
    assert "dev-only" not in first


def _settings_value(env_extra, expression):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'vxp_hub.settings'; django.setup(); "
        f"from django.conf import settings; print({expression})"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(env_extra),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_debug_is_off_when_django_debug_is_unset():
    out = _settings_value({"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "hub.example.com", "DATABASE_URL": None},
                          "settings.DEBUG, settings.DATABASES['default']['CONN_MAX_AGE'], "
                          "settings.DATABASES['default']['CONN_HEALTH_CHECKS'], settings.SESSION_COOKIE_SECURE")
    assert out == "False 60 True True"


PG_URL = "postgres://postgres@127.0.0.1:5432/vxp_hub"
POOL = "settings.DATABASES['default']['CONN_MAX_AGE'], settings.DATABASES['default'].get('OPTIONS', {}).get('pool')"


def test_postgresql_connections_come_from_a_pool_in_production_and_development():
    """No connection opened per request, whatever DEBUG says: the pool lends one."""
    for debug in ("0", "1"):
        out = _settings_value({"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "hub.example.com",
                               "DJANGO_DEBUG": debug, "DATABASE_URL": PG_URL}, POOL)
        assert out == "0 {'min_size': 1, 'max_size': 10, 'timeout': 10}"
    sized = _settings_value({"DJANGO_DEBUG": "1", "DATABASE_URL": PG_URL, "DJANGO_DB_POOL": "3"}, POOL)
    assert sized == "0 {'min_size': 1, 'max_size': 3, 'timeout': 10}"


def test_without_a_pool_postgresql_keeps_persistent_connections():
    out = _settings_value({"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "hub.example.com",
                           "DATABASE_URL": PG_URL, "DJANGO_DB_POOL": "0"}, POOL)
    assert out == "60 None"


def test_a_pool_size_that_is_not_a_number_is_a_clear_configuration_error():
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'vxp_hub.settings'; django.setup()"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=_env({"DJANGO_DEBUG": "1", "DATABASE_URL": PG_URL, "DJANGO_DB_POOL": "lots"}))
    assert result.returncode != 0
    assert "DJANGO_DB_POOL = 'lots': a number of connections, or 0 for no pool." in result.stderr


def test_debug_on_only_when_asked_and_then_connections_are_per_request():
    out = _settings_value({"DJANGO_DEBUG": "1"}, "settings.DEBUG, settings.DATABASES['default']['CONN_MAX_AGE']")
    assert out == "True 0"


def test_scim_rate_limit_comes_from_the_environment():
    assert _settings_value({"DJANGO_DEBUG": "1"}, "settings.SCIM_PROVISIONING['RATE_LIMIT']") == "50/s"
    assert _settings_value({"DJANGO_DEBUG": "1", "SCIM_RATE_LIMIT": "600/m"},
                           "settings.SCIM_PROVISIONING['RATE_LIMIT']") == "600/m"


def test_an_invalid_scim_rate_limit_is_a_clear_configuration_error():
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'vxp_hub.settings'; django.setup()"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT,
                            env=_env({"DJANGO_DEBUG": "1", "SCIM_RATE_LIMIT": "fifty per second"}),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SCIM_RATE_LIMIT = 'fifty per second' is not a rate: use N/s, N/m or N/h" in result.stderr


def test_redis_url_selects_the_redis_cache():
    out = _settings_value({"DJANGO_DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/15"},
                          "settings.CACHES['default']['BACKEND']")
    assert out == "django.core.cache.backends.redis.RedisCache"
