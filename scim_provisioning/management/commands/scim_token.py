"""Issue a new SCIM token for an organisation, revoking its active one.

    python manage.py scim_token --organisation <slug>

The organisation is the host's tenant model (``SCIM_PROVISIONING_ORGANISATION_MODEL``),
looked up by its unique ``slug`` field. The raw token is printed once, as the last (and only)
line of stdout, so ``TOKEN=$(python manage.py scim_token --organisation acme)`` works; notes
go to stderr. The token events are recorded like any other, with no acting user.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from ...conf import organisation_model_name
from ...selectors import token_get_active
from ...services import token_generate


class Command(BaseCommand):
    help = "Issue a new SCIM token for an organisation (revoking its active one) and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, metavar="SLUG", help="The organisation's slug.")

    def handle(self, *args, organisation: str, **options):
        model = apps.get_model(organisation_model_name())
        try:
            tenant = model._default_manager.get(slug=organisation)
        except model.DoesNotExist:
            raise CommandError(f"No organisation with slug {organisation!r}.") from None
        previous = token_get_active(organisation=tenant)
        token, raw = token_generate(organisation=tenant, created_by=None)
        note = self.style.WARNING  # stderr is styled as an error by default; these are notes
        if previous is not None:
            self.stderr.write(f"Revoked the previous SCIM token {previous.hint}: it no longer works.", note)
        self.stderr.write(f"New SCIM token {token.hint} for {tenant}. It is shown this once; store it now:", note)
        self.stdout.write(raw)
