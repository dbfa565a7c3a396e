"""POST /Users asks whether a deleted SCIM user has the userName only after the database has
refused the plain create (``SCIMBackend.revive_after_conflict``): a new person costs no such
question, a revival and a conflict are still told apart, each logged once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scim_provisioning.models import SCIMEvent, SCIMUser
from vxp_hub.models import User
from vxp_hub.provisioning import HubSCIMBackend

from .users import USER, assert_error


def _deleted_name_questions(queries) -> list[str]:
    """The statements that look for a SCIM user deleted through SCIM."""
    return [q["sql"] for q in queries
            if q["sql"].startswith("SELECT") and "scim_provisioning_scimuser" in q["sql"]
            and '"deleted_at" IS NOT NULL' in q["sql"]]


def _events(organisation, action="user.create"):
    return list(SCIMEvent.objects.filter(organisation=organisation, action=action)
                .order_by("id").values_list("outcome", "status_code", "resource_display"))


def test_a_new_person_is_created_without_asking_about_deleted_users(scim, organisation):
    with CaptureQueriesContext(connection) as ctx:
        response = scim.post("Users", {"schemas": [USER], "userName": "new.person@example.com"})
    assert response.status_code == 201
    assert _deleted_name_questions(ctx.captured_queries) == []
    assert _events(organisation) == [("success", 201, "new.person@example.com")]


def test_a_deleted_username_is_brought_back_after_the_refusal_and_logged_once(scim, organisation, member):
    link = member.scim_link
    assert scim.delete(f"Users/{link.scim_id}").status_code == 204
    with CaptureQueriesContext(connection) as ctx:
        response = scim.post("Users", {"schemas": [USER], "userName": member.username.upper()})
    assert response.status_code == 201 and response.json()["id"] == str(link.scim_id)
    assert len(_deleted_name_questions(ctx.captured_queries)) >= 1  # asked on the second try
    assert User.objects.filter(organisation=organisation, username__iexact=member.username).count() == 1
    assert SCIMUser.objects.filter(organisation=organisation, user_name__iexact=member.username).count() == 1
    assert _events(organisation) == [("success", 201, member.username.upper())]


def test_a_visible_username_is_a_conflict_after_the_second_try_and_logged_once(scim, organisation, member):
    before = User.objects.count(), SCIMUser.objects.count()
    assert_error(scim.post("Users", {"schemas": [USER], "userName": member.username}), 409, "uniqueness")
    assert (User.objects.count(), SCIMUser.objects.count()) == before
    assert _events(organisation) == [("failure", 409, member.username)]


class AsksFirst(HubSCIMBackend):
    revive_after_conflict = False


def test_a_backend_may_ask_before_every_create(scim, organisation, member, settings):
    settings.SCIM_PROVISIONING = {**settings.SCIM_PROVISIONING,
                                  "BACKEND": "tests.scim_provisioning.test_users_optimistic_create.AsksFirst"}
    with CaptureQueriesContext(connection) as ctx:
        assert scim.post("Users", {"schemas": [USER], "userName": "asked@example.com"}).status_code == 201
    assert len(_deleted_name_questions(ctx.captured_queries)) == 1
    link = member.scim_link
    assert scim.delete(f"Users/{link.scim_id}").status_code == 204
    response = scim.post("Users", {"schemas": [USER], "userName": member.username})
    assert response.status_code == 201 and response.json()["id"] == str(link.scim_id)
    assert_error(scim.post("Users", {"schemas": [USER], "userName": member.username}), 409, "uniqueness")


@pytest.mark.django_db(transaction=True)
def test_a_revival_commits_once_on_a_real_transaction(scim, organisation, member):
    """The refused first try is rolled back for real (no test-wrapping transaction)."""
    link = member.scim_link
    assert scim.delete(f"Users/{link.scim_id}").status_code == 204
    response = scim.post("Users", {"schemas": [USER], "userName": member.username,
                                   "emails": [{"value": "again@example.com", "primary": True}]})
    assert response.status_code == 201 and response.json()["id"] == str(link.scim_id)
    link.refresh_from_db()
    assert link.deleted_at is None and [e.value for e in link.emails.all()] == ["again@example.com"]
    assert User.objects.filter(organisation=organisation, username__iexact=member.username).count() == 1
    assert _events(organisation) == [("success", 201, member.username)]
