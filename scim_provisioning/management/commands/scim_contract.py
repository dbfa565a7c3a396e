"""``python manage.py scim_contract``: what the configured SCIM backend needs of this project's
models, one line per requirement, and which are missing here.

Lines are ``<role> <Model label>.<field> (<kind>): <purpose>``, prefixed ``ok`` or ``MISSING``;
the last line counts them. Exits 1 when something is missing (as ``manage.py check`` reports
it, ``scim_provisioning.E010``), so it fits in CI. ``--all`` lists every requirement even when
the models cannot be loaded (missing settings).
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ...backend import get_backend
from ...contract import model_has


class Command(BaseCommand):
    help = "List the model fields the SCIM backend needs, and which are missing in this project."
    requires_system_checks = []  # it is the explanation of a failing check: run it anyway

    def handle(self, *args, **options):
        backend = get_backend()
        requirements = backend.model_requirements()
        try:
            models = backend.contract_models()
        except (LookupError, ValueError, ImproperlyConfigured) as exc:
            models, problem = {}, str(exc)
        else:
            problem = ""
        missing = 0
        for requirement in requirements:
            model = models.get(requirement.model)
            label = model._meta.label if model is not None else f"<{requirement.model} model>"
            if model is None:
                status = "?"
            elif model_has(model, requirement):
                status = "ok"
            else:
                status, missing = "MISSING", missing + 1
            self.stdout.write(f"{status:8} {requirement.model:8} {label}.{requirement.field} "
                              f"({requirement.kind}): {requirement.purpose}")
        self.stdout.write(f"{len(requirements)} requirements of {type(backend).__module__}."
                          f"{type(backend).__qualname__}, {missing} missing.")
        if problem:
            raise CommandError(f"A model cannot be loaded, so it was not checked: {problem}")
        if missing:
            raise CommandError(f"{missing} missing: add them to your models, or map them in your backend "
                               "subclass and leave them out of model_requirements().")
