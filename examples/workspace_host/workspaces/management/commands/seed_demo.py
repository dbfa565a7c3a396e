"""The demo workspace (slug ``demo``), its roles and its owner; idempotent."""

from django.core.management.base import BaseCommand
from django.db import transaction

from scim_provisioning.users import user_link
from workspaces.models import Membership, Person, Role, Workspace

ROLES = (("Viewer", 10), ("Editor", 20), ("Manager", 30))
OWNER = ("owner@demo.example", "demo-owner-password")


class Command(BaseCommand):
    help = "Create the demo workspace (slug 'demo') with its roles and owner, if missing."

    @transaction.atomic
    def handle(self, *args, **options):
        workspace, created = Workspace.objects.get_or_create(slug="demo", defaults={"name": "Demo Workspace"})
        for name, rank in ROLES:
            Role.objects.get_or_create(organisation=workspace, name=name, defaults={"rank": rank})
        if workspace.default_scim_profile is None:
            workspace.default_scim_profile = Role.objects.get(organisation=workspace, name="Viewer")
            workspace.save(update_fields=["default_scim_profile"])
        email, password = OWNER
        owner = Person.objects.filter(email=email).first()
        if owner is None:
            owner = Person.objects.create_superuser(email=email, password=password, first_name="Olive",
                                              last_name="Owner")
        membership, made = Membership.objects.get_or_create(organisation=workspace, user=owner,
                                                            defaults={"role": "owner"})
        if made:  # visible to SCIM (an identity provider's import matches it), read-only there
            user_link(organisation=workspace, user=owner, user_name=email, given_name="Olive", family_name="Owner",
                      emails=[{"value": email, "type": "work", "primary": True}])
        self.stdout.write(f"{'Created' if created else 'Found'} workspace 'demo'. Owner: {email} / {password}")
        self.stdout.write("SCIM token: python manage.py scim_token --organisation demo")
