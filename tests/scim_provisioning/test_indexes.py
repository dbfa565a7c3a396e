"""Every lookup SCIM makes uses its index on PostgreSQL (case-insensitive ones included:
Django's iexact is UPPER(col::text) = UPPER(%s), which our UPPER(...) indexes serve).

The planner chooses by table statistics, so the organisation gets a few thousand users, e-mails
and teams and the tables are ANALYZEd: on a handful of rows any plan costs the same and the
test would prove nothing.
"""

import pytest
from django.db import connection

from scim_provisioning import filters
from scim_provisioning.adapters.groups import GROUP_FILTERS
from scim_provisioning.adapters.users import USER_FILTERS
from scim_provisioning.services import token_authenticate
from scim_provisioning.models import SCIMUser, SCIMUserEmail
from teams.models import Team
from vxp_hub.models import User

pytestmark = pytest.mark.postgres


POPULATION = 3000


@pytest.fixture
def populated(organisation):
    users = User.objects.bulk_create(
        User(organisation=organisation, username=f"user{i}@example.com") for i in range(POPULATION)
    )
    links = SCIMUser.objects.bulk_create(
        SCIMUser(organisation=organisation, user=u, user_name=u.username, external_id=f"00u{i:06d}")
        for i, u in enumerate(users)
    )
    SCIMUserEmail.objects.bulk_create(
        SCIMUserEmail(scim_user=link, value=link.user_name, type="work", primary=True) for link in links
    )
    Team.objects.bulk_create(Team(organisation=organisation, name=f"Team {i}", external_id=f"g{i}") for i in range(POPULATION))
    with connection.cursor() as cursor:
        for table in ("vxp_hub_user", "scim_provisioning_scimuser", "scim_provisioning_scimuseremail", "teams_team",
                      "scim_provisioning_scimtoken"):
            cursor.execute(f"ANALYZE {table}")
    return users


def plan(queryset) -> str:
    return queryset.explain()


@pytest.mark.parametrize("filter_string,index", [
    ('userName eq "USER123@Example.com"', "scim_user_name_ci_per_org"),
    ('externalId eq "00u000123"', "scim_user_org_external_id"),
    ('emails.value eq "user123@example.com"', "scim_user_email_value_upper"),
    ('emails[type eq "work"].value eq "user123@example.com"', "scim_user_email_value_upper"),
])
def test_user_filters_use_an_index(organisation, populated, filter_string, index):
    q, multi_valued = filters.to_q(filter_string, USER_FILTERS)
    queryset = SCIMUser.objects.filter(organisation=organisation, deleted_at__isnull=True)
    queryset = queryset.filter(pk__in=SCIMUser.objects.filter(q).values("pk")) if multi_valued else queryset.filter(q)
    text = plan(queryset)
    assert index in text, text
    assert "Seq Scan on scim_provisioning_scimuser " not in text, text


@pytest.mark.parametrize("filter_string,index", [
    ('displayName eq "TEAM 123"', "team_name_ci_per_org"),
    ('externalId eq "g123"', "team_org_external_id"),
])
def test_group_filters_use_an_index(organisation, populated, filter_string, index):
    q, _ = filters.to_q(filter_string, GROUP_FILTERS)
    text = plan(Team.objects.filter(organisation=organisation).filter(q))
    assert index in text, text


def test_id_lookups_and_token_lookup_use_unique_indexes(organisation, populated, scim_token):
    user = populated[123]
    text = plan(SCIMUser.objects.filter(organisation=organisation, scim_id=user.scim_link.scim_id))
    assert "scim_provisioning_scimuser_scim_id" in text, text
    from django.utils import timezone

    from scim_provisioning.models import SCIMToken
    from scim_provisioning.tokens import digest

    SCIMToken.objects.bulk_create(  # years of regenerated tokens
        SCIMToken(organisation=organisation, digest=f"{i:064x}", hint="vxpscim_…old", revoked_at=timezone.now())
        for i in range(POPULATION)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE scim_provisioning_scimtoken")
    text = plan(SCIMToken.objects.filter(digest=digest(scim_token), revoked_at__isnull=True))
    assert "Index" in text and "Seq Scan" not in text, text
    assert token_authenticate(scim_token) is not None
