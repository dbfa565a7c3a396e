"""Shared helpers of the Groups endpoint tests (tests/scim_provisioning/test_groups_*.py)."""

from scim_provisioning.models import SCIMEvent
from teams.models import Team, TeamMembership

from .users import assert_error, patch_body  # noqa: F401  (shared by every SCIM suite)

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
# Entra sends this second schema URN on POST /Groups (scim-clients.md §4.4).
ENTRA_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"




def member(user, **extra) -> dict:
    """A member object as Okta sends it: a value (and often a display), no type."""
    return {"value": str(user.scim_link.scim_id), **extra}


def member_ids(team) -> set[str]:
    """The team's members as SCIM ids, read from the database."""
    return {str(i) for i in TeamMembership.objects.filter(team=team, user__scim_links__organisation=team.organisation_id)
            .values_list("user__scim_links__scim_id", flat=True)}


def team_from(response) -> Team:
    return Team.objects.get(scim_id=response.json()["id"])


def snapshot(team) -> tuple:
    """Everything SCIM may change on a team, to assert that a refused request changed nothing."""
    team = Team.objects.get(pk=team.pk)
    return (team.name, team.external_id, team.scim_managed, team.updated_at, frozenset(member_ids(team)))


def events(organisation, action_prefix: str = "group.") -> list[SCIMEvent]:
    return list(
        SCIMEvent.objects.filter(organisation=organisation, action__startswith=action_prefix).order_by("created_at", "id")
    )


def make_user(organisation, **fields):
    """A user of ``organisation`` without a usable password: hashing one costs ~0.2 s, and
    SCIM never logs anyone in."""
    import factory

    from tests import factories

    return factories.UserFactory(organisation=organisation, password=factory.Transformer.Force("!"), **fields)
