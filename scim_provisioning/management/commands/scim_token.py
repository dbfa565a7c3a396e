"""Issue a SCIM token for an organisation.

    python manage.py scim_token --organisation <slug> [--expires-in-days N]
    python manage.py scim_token --organisation <slug> --rotate [--retire-old-in-days N]
    python manage.py scim_token --organisation <slug> --complete-rotation | --cancel-rotation

Without ``--rotate`` every active token is revoked and a new one issued. ``--rotate`` issues a
second token and leaves the active one working until the rotation is completed (or cancelled,
or the old token's deadline passes). The raw token is printed once, as the last (and only)
line of stdout, so ``TOKEN=$(python manage.py scim_token --organisation acme)`` works; notes
go to stderr. The organisation is the host's tenant model, looked up by its ``slug``.
"""

from django.core.management.base import BaseCommand, CommandError

from ...services import (
    RotationError,
    token_generate,
    token_rotate,
    token_rotation_cancel,
    token_rotation_complete,
    tokens_active,
)
from ._tenant import days_from_now, tenant_get


class Command(BaseCommand):
    help = "Issue a new SCIM token for an organisation (revoking its active ones, or --rotate) and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, metavar="SLUG", help="The organisation's slug.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--rotate", action="store_true",
                          help="Issue a second token; the active one keeps working until the rotation is completed.")
        mode.add_argument("--complete-rotation", action="store_true", help="Revoke the older token of a rotation.")
        mode.add_argument("--cancel-rotation", action="store_true", help="Revoke the newer token of a rotation.")
        parser.add_argument("--expires-in-days", type=int, metavar="N", help="The new token stops working after N days.")
        parser.add_argument("--retire-old-in-days", type=int, metavar="N",
                            help="With --rotate: the old token stops working after N days even if not completed.")

    def handle(self, *args, organisation: str, rotate: bool, complete_rotation: bool, cancel_rotation: bool,
               expires_in_days, retire_old_in_days, **options):
        tenant = tenant_get(organisation)
        note = self.style.WARNING  # stderr is styled as an error by default; these are notes
        if retire_old_in_days is not None and not rotate:
            raise CommandError("--retire-old-in-days goes with --rotate.")
        try:
            if complete_rotation:
                old = token_rotation_complete(organisation=tenant)
                self.stderr.write(f"Rotation completed: {old.hint} no longer works.", note)
                return
            if cancel_rotation:
                new = token_rotation_cancel(organisation=tenant)
                self.stderr.write(f"Rotation cancelled: {new.hint} no longer works.", note)
                return
            previous = tokens_active(organisation=tenant)
            expires_at = days_from_now(expires_in_days, "--expires-in-days")
            if rotate:
                token, raw = token_rotate(organisation=tenant, expires_at=expires_at,
                                          retire_at=days_from_now(retire_old_in_days, "--retire-old-in-days"))
                for old in previous:
                    self.stderr.write(f"{old.hint} keeps working until you run --complete-rotation.", note)
            else:
                token, raw = token_generate(organisation=tenant, created_by=None, expires_at=expires_at)
                for old in previous:
                    self.stderr.write(f"Revoked the previous SCIM token {old.hint}: it no longer works.", note)
        except (RotationError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(f"New SCIM token {token.hint} for {tenant}. It is shown this once; store it now:", note)
        self.stdout.write(raw)
