"""Factories for every model, in one module."""

import factory

from scim_provisioning.models import SCIMEvent, SCIMUser, SCIMUserEmail
from scim_provisioning.users import user_link
from teams.models import Team, TeamMembership
from vxp_hub.models import Organisation, Role, User, UserProfile
from vxp_hub.provisioning import HubSCIMBackend

PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class UserProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserProfile

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Profile {n}")
    rank = factory.Sequence(lambda n: n + 1)


# What the identity provider said lives on the user's SCIM user: these UserFactory keywords go there.
SCIM_FIELDS = {"external_id": "external_id", "scim_managed": "managed", "scim_deleted_at": "deleted_at",
               "scim_attributes": "attributes", "manager": "manager"}


# The hub user's columns that mirror a SCIM attribute (the hub backend's mapping): the SCIM
# user starts with their values.
HUB_SCIM_FIELDS = tuple(HubSCIMBackend.user_fields)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    username = factory.Sequence(lambda n: f"user{n}@example.com")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    role = Role.MEMBER
    password = factory.django.Password(PASSWORD)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        scim = {SCIM_FIELDS[k]: kwargs.pop(k) for k in list(kwargs) if k in SCIM_FIELDS}
        user = super()._create(model_class, *args, **kwargs)
        if scim.get("manager") is not None:
            scim["manager"] = scim["manager"].scim_link
        user._scim_fields = scim
        return user

    @factory.post_generation
    def email(obj, create, extracted, **kwargs):
        """Like ``vxp_hub.services.user_create``: the user's SCIM user (unmanaged), with one work
        e-mail (``email=False``: none; ``email="x@y"``: that one). ``scim=False``: no SCIM user."""
        if not create or kwargs.get("scim") is False:
            return
        emails = [] if extracted is False else [{"value": extracted or obj.username, "type": "work", "primary": True}]
        if emails:
            obj.email = emails[0]["value"]
            obj.save(update_fields=["email"])
        user_link(organisation=obj.organisation, user=obj, user_name=obj.username, active=obj.is_active,
                  emails=emails, **{name: getattr(obj, name) for name in HUB_SCIM_FIELDS},
                  **getattr(obj, "_scim_fields", {}))


class SCIMUserEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SCIMUserEmail

    # scim_user: pass one (``user.scim_link``)
    value = factory.Sequence(lambda n: f"mail{n}@example.com")
    type = "work"
    primary = True


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory, organisation=factory.SelfAttribute("..team.organisation"))


class SCIMEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SCIMEvent

    organisation = factory.SubFactory(OrganisationFactory)
    action = "user.create"


def bulk_users(organisation, count: int, *, prefix: str = "bulk", **fields) -> list[User]:
    """``count`` users of ``organisation`` and their SCIM users in a few INSERTs (no emails,
    unusable passwords; the ``SCIM_FIELDS`` keywords go to the SCIM users),
    for tests that need a big population quickly."""
    scim = {SCIM_FIELDS[k]: fields.pop(k) for k in list(fields) if k in SCIM_FIELDS}
    users = [
        User(organisation=organisation, username=f"{prefix}{i}@example.com", password="!", **fields)
        for i in range(count)
    ]
    users = User.objects.bulk_create(users, batch_size=2000)
    SCIMUser.objects.bulk_create(
        [SCIMUser(organisation=organisation, user=u, user_name=u.username, active=u.is_active, **scim) for u in users],
        batch_size=2000,
    )
    return users


def bulk_memberships(team, users) -> None:
    TeamMembership.objects.bulk_create([TeamMembership(team=team, user=user) for user in users], batch_size=2000)
