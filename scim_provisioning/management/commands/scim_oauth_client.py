"""Issue OAuth 2.0 client credentials for an organisation (Microsoft Entra ID's gallery).

    python manage.py scim_oauth_client --organisation <slug> [--secret-expires-in-days N]
    python manage.py scim_oauth_client --organisation <slug> --add-secret CLIENT_ID

Prints ``client_id=…`` and ``client_secret=…`` as the last two lines of stdout (the secret is
shown this once); notes go to stderr. ``--add-secret`` gives an existing client another secret
(the others keep working), for rotation. The token endpoint is ``/scim/oauth/token``.
"""

from django.core.management.base import BaseCommand, CommandError

from ...models import SCIMOAuthClient
from ...oauth import oauth_client_create, oauth_secret_add
from ._tenant import days_from_now, tenant_get


class Command(BaseCommand):
    help = "Issue an OAuth 2.0 client (client credentials) for SCIM, or another secret for one, and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, metavar="SLUG", help="The organisation's slug.")
        parser.add_argument("--add-secret", metavar="CLIENT_ID", help="Add a secret to this existing client.")
        parser.add_argument("--secret-expires-in-days", type=int, metavar="N",
                            help="The secret stops working after N days (default 365, at most 3 years).")

    def handle(self, *args, organisation: str, add_secret, secret_expires_in_days, **options):
        tenant = tenant_get(organisation)
        expires_at = days_from_now(secret_expires_in_days, "--secret-expires-in-days")
        try:
            if add_secret:
                client = SCIMOAuthClient.objects.filter(organisation=tenant, client_id=add_secret,
                                                        revoked_at__isnull=True).first()
                if client is None:
                    raise CommandError(f"{tenant} has no active OAuth client {add_secret!r}.")
                secret, raw = oauth_secret_add(client=client, expires_at=expires_at)
            else:
                client, secret, raw = oauth_client_create(organisation=tenant, secret_expires_at=expires_at)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        note = self.style.WARNING
        self.stderr.write(
            f"OAuth client for {tenant}: secret {secret.hint} expires {secret.expires_at:%Y-%m-%d}. "
            "The secret is shown this once; store it now:", note)
        self.stdout.write(f"client_id={client.client_id}")
        self.stdout.write(f"client_secret={raw}")
