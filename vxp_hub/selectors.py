"""The hub's reads for its settings pages and API, each scoped to one organisation."""

from django.db.models import QuerySet
from django.db.models.functions import Lower

from .models import Organisation, User, UserProfile


def profile_list(*, organisation: Organisation) -> QuerySet[UserProfile]:
    """The organisation's user profiles, lowest rank first."""
    return UserProfile.objects.filter(organisation=organisation).order_by("rank", "id")


def user_list(*, organisation: Organisation, scim_only: bool = False) -> QuerySet[User]:
    """The organisation's users by username, without those deleted through SCIM, with their
    profile and its source team joined (one query per page)."""
    users = (
        User.objects.filter(organisation=organisation, scim_deleted_at__isnull=True)
        .select_related("profile", "profile_team")
        .order_by(Lower("username"), "id")
    )
    if scim_only:
        users = users.filter(scim_managed=True)
    return users


def user_find(*, organisation: Organisation, username: str) -> User | None:
    """The organisation's user with this username (any case), unless deleted through SCIM."""
    return User.objects.filter(
        organisation=organisation, username__iexact=username, scim_deleted_at__isnull=True
    ).first()


def organisation_administrators(*, organisation: Organisation) -> QuerySet[User]:
    """Who administers the organisation (active owner first, then administrators), with their
    emails: what a member needs to know whom to ask."""
    return (
        User.objects.filter(organisation=organisation, role__in=User.PROTECTED_ROLES, is_active=True)
        .prefetch_related("emails")
        .order_by("-role", Lower("username"))
    )
