"""Configure an organisation's SAML single sign-on from the command line (headless setups).

    python manage.py sso_configure --organisation <slug> --metadata-file <path> [--require-sso | --no-require-sso]
    python manage.py sso_configure --organisation <slug> --metadata-url <url>
    python manage.py sso_configure --organisation <slug> --require-sso

The identity provider's metadata is validated with pysaml2 exactly as the settings page does;
nothing is saved when it is invalid. Prints the values to paste into the identity provider
(absolute when SSO_BASE_URL is set or --base-url given).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from ... import sso
from ...models import Organisation


class Command(BaseCommand):
    help = "Configure an organisation's SAML single sign-on (identity provider metadata, require SSO)."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, metavar="SLUG")
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--metadata-file", metavar="PATH", help="The identity provider's metadata XML.")
        source.add_argument("--metadata-url", metavar="URL", help="Fetched now, and validated.")
        parser.add_argument("--name-id-attribute", metavar="NAME", help="SAML attribute carrying the userName ('' for NameID).")
        parser.add_argument(
            "--require-sso", action="store_true", default=None, dest="require_sso",
            help="Members can no longer sign in with a password.",
        )
        parser.add_argument("--no-require-sso", action="store_false", dest="require_sso")
        parser.add_argument("--base-url", help="The hub's public base URL, for the printed values (default: SSO_BASE_URL).")

    def handle(self, *args, organisation, metadata_file, metadata_url, name_id_attribute, require_sso, base_url, **options):
        try:
            tenant = Organisation.objects.get(slug=organisation)
        except Organisation.DoesNotExist:
            raise CommandError(f"No organisation with slug {organisation!r}.") from None
        metadata = None
        try:
            if metadata_file:
                try:
                    metadata = sso.idp_metadata_parse(Path(metadata_file).read_bytes())
                except OSError as exc:
                    raise CommandError(f"Cannot read {metadata_file}: {exc.strerror}") from None
            elif metadata_url:
                metadata = sso.idp_metadata_fetch(metadata_url)
        except sso.MetadataError as exc:
            raise CommandError(f"Invalid identity provider metadata: {exc} Nothing was saved.") from None
        current = sso.sso_get(organisation=tenant)
        if require_sso and metadata is None and not (current and current.is_configured):
            raise CommandError("Give the identity provider's metadata (--metadata-file) before requiring SSO.")
        config = sso.sso_configure(
            organisation=tenant,
            metadata=metadata,
            metadata_url=metadata_url,
            name_id_attribute=name_id_attribute,
            require_sso=require_sso,
        )
        try:
            urls = sso.sp_urls(organisation=tenant, base_url=base_url)
        except ValueError:
            urls = {
                "entity_id": reverse("sso-metadata", args=[tenant.slug]) + "  (prefix the hub's URL)",
                "acs_url": reverse("sso-acs", args=[tenant.slug]) + "  (prefix the hub's URL)",
            }
        self.stdout.write(f"Single sign-on of {tenant.name} ({tenant.slug}):")
        self.stdout.write(f"  identity provider: {config.idp_entity_id or '(none yet)'}")
        self.stdout.write(f"  require SSO for members: {'yes' if config.require_sso else 'no'}")
        self.stdout.write(f"  userName from: {config.name_id_attribute or 'NameID'}")
        self.stdout.write(f"  SP entity ID / metadata URL: {urls['entity_id']}")
        self.stdout.write(f"  ACS URL: {urls['acs_url']}")
