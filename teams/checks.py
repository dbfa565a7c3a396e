"""System checks: a host that forgot a model setting gets ``manage.py check`` errors naming it."""

from django.conf import settings
from django.core.checks import Error, register

MODEL_SETTINGS = (
    ("TEAMS_ORGANISATION_MODEL", "teams.E001", "your tenant model, e.g. TEAMS_ORGANISATION_MODEL = \"accounts.Organisation\""),
    ("TEAMS_PROFILE_MODEL", "teams.E002", "your profile (or role) model, e.g. TEAMS_PROFILE_MODEL = \"accounts.Profile\""),
)


@register()
def check_model_settings(app_configs, **kwargs):
    return [
        Error(f"{name} is not set.", hint=f"Set it to {example} (README: 'Install in your project').", id=check_id)
        for name, check_id, example in MODEL_SETTINGS
        if not getattr(settings, name, None)
    ]
