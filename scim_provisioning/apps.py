from django.apps import AppConfig


class SCIMProvisioningConfig(AppConfig):
    name = "scim_provisioning"
    verbose_name = "SCIM provisioning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
