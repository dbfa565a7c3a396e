"""The hub's reads for its settings pages and API, each scoped to one organisation."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower

from scim_provisioning.models import SCIMUser

from .models import Organisation, User, UserProfile


def profile_list(*, organisation: Organisation) -> QuerySet[UserProfile]:
    """The organisation's user profiles, lowest rank first."""
    return UserProfile.objects.filter(organisation=organisation).order_by("rank", "id")


# The Users page's filters: what each state means, as a condition on a user row. "all" is
# every user the hub still has; deprovisioned users (deleted by the identity provider, kept
# deactivated) are listed only under their own filter.
USER_STATES = {
    "all": Q(scim_deleted_at__isnull=True),
    "active": Q(scim_deleted_at__isnull=True, is_active=True),
    "deactivated": Q(scim_deleted_at__isnull=True, is_active=False),
    "deprovisioned": Q(scim_deleted_at__isnull=False),
}


def users_with_scim_state(users: QuerySet[User]) -> QuerySet[User]:
    """``users`` with what SCIM says of each (its SCIM user in the user's organisation), as
    ``scim_managed`` (bool) and ``scim_deleted_at`` (when the identity provider deleted it, or
    None): two correlated subqueries on an indexed key, no extra query."""
    links = SCIMUser.objects.filter(user=OuterRef("pk"), organisation=OuterRef("organisation"))
    return users.annotate(
        scim_managed=Exists(links.filter(managed=True)),
        scim_deleted_at=Subquery(links.values("deleted_at")[:1]),
    )


def user_is_deprovisioned(user: User) -> bool:
    """Whether the identity provider deleted ``user`` (one query)."""
    return SCIMUser.objects.filter(user=user, organisation_id=user.organisation_id, deleted_at__isnull=False).exists()


def user_list(*, organisation: Organisation, scim_only: bool = False, state: str = "all") -> QuerySet[User]:
    """The organisation's users in ``state`` (a key of ``USER_STATES``) by username, with their
    profile and its source team joined (one query per page)."""
    users = (
        users_with_scim_state(User.objects.filter(organisation=organisation))
        .filter(USER_STATES[state])
        .select_related("profile", "profile_team")
        .order_by(Lower("username"), "id")
    )
    if scim_only:
        users = users.filter(scim_managed=True)
    return users


def user_state_counts(*, organisation: Organisation, scim_only: bool = False) -> dict[str, int]:
    """How many of the organisation's users are in each of ``USER_STATES``: one query."""
    users = users_with_scim_state(User.objects.filter(organisation=organisation))
    if scim_only:
        users = users.filter(scim_managed=True)
    counts = users.aggregate(**{f"n_{state}": Count("pk", filter=q) for state, q in USER_STATES.items()})
    return {state: counts[f"n_{state}"] for state in USER_STATES}


def user_find(*, organisation: Organisation, username: str) -> User | None:
    """The organisation's user with this username (any case), unless deleted through SCIM."""
    return (users_with_scim_state(User.objects.filter(organisation=organisation, username__iexact=username))
            .filter(scim_deleted_at__isnull=True).first())


def organisation_administrators(*, organisation: Organisation) -> QuerySet[User]:
    """Who administers the organisation (active owner first, then administrators), with their
    e-mail: what a member needs to know whom to ask."""
    return (
        User.objects.filter(organisation=organisation, role__in=User.PROTECTED_ROLES, is_active=True)
        .order_by("-role", Lower("username"))
    )
