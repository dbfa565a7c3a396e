"""vxp_hub 0005 moves every hub user's SCIM state into scim_provisioning's SCIMUser rows:
nothing provisioned is lost, SCIM ids stay the same (a migration test on the real database)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("vxp_hub", "0003_sso"), ("scim_provisioning", "0004_oauth_rotation_rails"), ("teams", "0002_initial")]
AFTER = [("vxp_hub", "0006_drop_scim_columns")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_hub_users_scim_state_moves_to_the_scim_app():
    old = migrate(BEFORE)
    Organisation = old.get_model("vxp_hub", "Organisation")
    User = old.get_model("vxp_hub", "User")
    UserEmail = old.get_model("vxp_hub", "UserEmail")
    acme = Organisation.objects.create(name="Acme", slug="acme-migration")
    other = Organisation.objects.create(name="Other", slug="other-migration")
    boss = User.objects.create(organisation=acme, username="boss@acme.example", password="!", role="owner",
                               given_name="Bo", scim_managed=False)
    ada = User.objects.create(
        organisation=acme, username="ada@acme.example", password="!", given_name="Ada", family_name="L",
        display_name="Ada L", title="Engineer", locale="en-GB", external_id="00u1", employee_number="7",
        department="R&D", manager=boss, scim_attributes={"nickName": "ada", "phoneNumbers": [{"value": "1"}]},
        scim_managed=True, is_active=True,
    )
    gone = User.objects.create(organisation=acme, username="gone@acme.example", password="!", scim_managed=True,
                               is_active=False, scim_deleted_at="2026-01-02T03:04:05Z")
    same_name = User.objects.create(organisation=other, username="ada@acme.example", password="!")
    UserEmail.objects.create(user=ada, value="home@ada.example", type="home", primary=False, position=0)
    UserEmail.objects.create(user=ada, value="ada@acme.example", type="work", primary=True, position=1,
                             display="Work")
    ids = {u.pk: u.scim_id for u in (boss, ada, gone, same_name)}

    new = migrate(AFTER)
    SCIMUser = new.get_model("scim_provisioning", "SCIMUser")
    NewUser = new.get_model("vxp_hub", "User")
    links = {link.user_id: link for link in SCIMUser.objects.all()}
    assert set(links) == set(ids)
    assert {pk: link.scim_id for pk, link in links.items()} == ids  # the SCIM ids stay the same
    link = links[ada.pk]
    assert (link.organisation_id, link.user_name, link.given_name, link.family_name, link.display_name,
            link.title, link.locale, link.external_id, link.employee_number, link.department) == (
        acme.pk, "ada@acme.example", "Ada", "L", "Ada L", "Engineer", "en-GB", "00u1", "7", "R&D")
    assert link.attributes == {"nickName": "ada", "phoneNumbers": [{"value": "1"}]}
    assert (link.managed, link.active, link.deleted_at) == (True, True, None)
    assert link.manager_id == links[boss.pk].pk
    assert [(e.value, e.type, e.primary, e.display, e.position) for e in link.emails.order_by("position")] == [
        ("home@ada.example", "home", False, "", 0), ("ada@acme.example", "work", True, "Work", 1)]
    assert NewUser.objects.get(pk=ada.pk).email == "ada@acme.example"  # the primary, kept on the hub user
    assert links[gone.pk].deleted_at is not None and links[gone.pk].active is False
    assert links[boss.pk].managed is False
    assert links[same_name.pk].organisation_id == other.pk

    # And back: the columns are restored from the SCIM users.
    old = migrate(BEFORE)
    User = old.get_model("vxp_hub", "User")
    restored = User.objects.get(pk=ada.pk)
    assert (restored.scim_id, restored.external_id, restored.scim_attributes, restored.manager_id) == (
        ids[ada.pk], "00u1", {"nickName": "ada", "phoneNumbers": [{"value": "1"}]}, boss.pk)
    assert old.get_model("vxp_hub", "UserEmail").objects.filter(user_id=ada.pk).count() == 2
    migrate(AFTER)
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
