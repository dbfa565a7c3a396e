"""``scim_provisioning.conf.app_settings``: values are worked out once, and again as soon as
the settings change, however they are changed."""

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from scim_provisioning.backend import get_backend
from scim_provisioning.conf import DEFAULTS, app_settings


def test_a_value_follows_the_settings_fixture(settings):
    assert app_settings.MAX_PAGE_SIZE == settings.SCIM_PROVISIONING.get("MAX_PAGE_SIZE", DEFAULTS["MAX_PAGE_SIZE"])
    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "MAX_PAGE_SIZE": 7}
    assert app_settings.MAX_PAGE_SIZE == 7
    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "MAX_PAGE_SIZE": 8}
    assert app_settings.MAX_PAGE_SIZE == 8


def test_a_new_settings_dict_is_read_even_without_a_signal(settings):
    """Assigned to ``django.conf.settings`` directly (no ``setting_changed``): another dict."""
    original = django_settings.SCIM_PROVISIONING
    assert app_settings.REALM == original.get("REALM", DEFAULTS["REALM"])
    try:
        django_settings.SCIM_PROVISIONING = {**original, "REALM": "elsewhere"}
        assert app_settings.REALM == "elsewhere"
    finally:
        django_settings.SCIM_PROVISIONING = original
    assert app_settings.REALM == original.get("REALM", DEFAULTS["REALM"])


def test_an_unknown_key_still_raises_on_every_access(settings):
    assert app_settings.REALM  # worked out (and kept) before the bad key arrives
    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "MAX_PAGE_SIZ": 7}
    for _ in range(2):
        with pytest.raises(ImproperlyConfigured, match="MAX_PAGE_SIZ"):
            app_settings.REALM


def test_field_limits_follow_the_backend_setting(settings):
    """Kept per backend class: a backend that mirrors title to a shorter host column limits it."""
    assert get_backend().field_limit("title") == 255  # the SCIM user's column only

    class MirrorsTitle(get_backend().__class__):
        user_fields = {**get_backend().__class__.user_fields, "title": "username"}  # 150 in the hub

    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING, "BACKEND": MirrorsTitle}
    assert get_backend().field_limit("title") == 150
