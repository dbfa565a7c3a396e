from django.apps import AppConfig


class VxpHubConfig(AppConfig):
    name = "vxp_hub"
    verbose_name = "VXP hub"
    default_auto_field = "django.db.models.BigAutoField"
