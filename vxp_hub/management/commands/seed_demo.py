"""Create (or leave as it is) the demo organisation ``demo``: an owner, an administrator,
the four seed profiles, a few manual users and teams. Idempotent: a second run changes
nothing and prints the same credentials."""

from django.core.management.base import BaseCommand
from django.db import transaction

from teams.models import Team
from teams.services import team_create
from vxp_hub.models import Organisation, Role, User, UserProfile
from vxp_hub.services import organisation_create, user_create

SLUG = "demo"
OWNER = ("owner@demo.example", "demo-owner-password")
ADMIN = ("admin@demo.example", "demo-admin-password")
MEMBERS = [
    ("alice@demo.example", "Alice", "Archer"),
    ("bob@demo.example", "Bob", "Baker"),
    ("carol@demo.example", "Carol", "Cooper"),
]
TEAMS = {"Marketing": ("Editor", ["alice@demo.example", "bob@demo.example"]), "Design": (None, ["carol@demo.example"])}


class Command(BaseCommand):
    help = "Create the demo organisation (slug 'demo') with known credentials. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(slug=SLUG).first()
        created = organisation is None
        if created:
            organisation = organisation_create(name="Demo Organisation", slug=SLUG)
        self._ensure_user(organisation, OWNER[0], OWNER[1], "Olivia", "Owner", Role.OWNER)
        self._ensure_user(organisation, ADMIN[0], ADMIN[1], "Adam", "Admin", Role.ADMINISTRATOR)
        viewer = UserProfile.objects.get(organisation=organisation, name="Viewer")
        for username, given, family in MEMBERS:
            self._ensure_user(organisation, username, None, given, family, Role.MEMBER, profile=viewer)
        for name, (profile_name, members) in TEAMS.items():
            if Team.objects.filter(organisation=organisation, name__iexact=name).exists():
                continue
            profile = UserProfile.objects.filter(organisation=organisation, name=profile_name).first()
            member_ids = User.objects.filter(organisation=organisation, username__in=members).values_list("pk", flat=True)
            team_create(organisation=organisation, name=name, profile=profile, member_ids=list(member_ids))

        self.stdout.write(("Created" if created else "Found") + f" organisation '{SLUG}'.")
        self.stdout.write("Log in at /accounts/login/ with organisation 'demo' and:")
        self.stdout.write(f"  owner:         {OWNER[0]} / {OWNER[1]}")
        self.stdout.write(f"  administrator: {ADMIN[0]} / {ADMIN[1]}")

    def _ensure_user(self, organisation, username, password, given, family, role, profile=None):
        user = User.objects.filter(organisation=organisation, username__iexact=username).first()
        if user is None:
            user = user_create(
                organisation=organisation, username=username, password=password,
                given_name=given, family_name=family, role=role, profile=profile,
            )
        return user
