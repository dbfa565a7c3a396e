"""What the SCIM commands share: the tenant by slug, and expiry arguments."""

from datetime import timedelta

from django.apps import apps
from django.core.management.base import CommandError
from django.utils import timezone

from ...conf import organisation_model_name


def tenant_get(slug: str):
    model = apps.get_model(organisation_model_name())
    try:
        return model._default_manager.get(slug=slug)
    except model.DoesNotExist:
        raise CommandError(f"No organisation with slug {slug!r}.") from None


def days_from_now(days: int | None, option: str):
    if days is None:
        return None
    if days < 1:
        raise CommandError(f"{option} must be at least 1.")
    return timezone.now() + timedelta(days=days)
