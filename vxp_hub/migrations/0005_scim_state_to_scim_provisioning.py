"""The hub's SCIM columns move into the SCIM app's own tables (issue 10).

Every hub user gets its ``scim_provisioning.SCIMUser`` row with the same SCIM id, externalId,
userName, names, attributes as sent, managed/deleted markers and timestamps; its e-mails move
to ``SCIMUserEmail`` in the same order; ``manager`` becomes a link between the two rows. The
primary e-mail is also kept on the hub's user (``User.email``), which the hub shows. Nothing
provisioned is lost: ``tests/vxp_hub/test_scim_state_migration.py`` migrates a populated
database, compares, and migrates back. Data only: on PostgreSQL a schema change
in the same transaction as these writes would meet their pending foreign-key checks.
"""

from django.db import migrations

FIELDS = ("given_name", "family_name", "display_name", "title", "locale", "employee_number", "cost_center",
          "enterprise_organization", "division", "department")


def forward(apps, schema_editor):
    User = apps.get_model("vxp_hub", "User")
    UserEmail = apps.get_model("vxp_hub", "UserEmail")
    SCIMUser = apps.get_model("scim_provisioning", "SCIMUser")
    SCIMUserEmail = apps.get_model("scim_provisioning", "SCIMUserEmail")
    link_of = {}
    managers = {}
    for user in User.objects.order_by("pk").iterator(chunk_size=2000):
        link = SCIMUser.objects.create(
            organisation_id=user.organisation_id, user_id=user.pk, scim_id=user.scim_id,
            external_id=user.external_id, user_name=user.username, attributes=user.scim_attributes or {},
            active=user.is_active, managed=user.scim_managed, deleted_at=user.scim_deleted_at,
            created_at=user.date_joined, updated_at=user.updated_at,
            **{name: getattr(user, name) for name in FIELDS},
        )
        link_of[user.pk] = link.pk
        if user.manager_id:
            managers[link.pk] = user.manager_id
    for link_id, manager_user_id in managers.items():
        SCIMUser.objects.filter(pk=link_id).update(manager_id=link_of.get(manager_user_id))
    batch = []
    primary = {}
    for email in UserEmail.objects.order_by("user_id", "position", "pk").iterator(chunk_size=2000):
        batch.append(SCIMUserEmail(scim_user_id=link_of[email.user_id], value=email.value, type=email.type,
                                   display=email.display, primary=email.primary, position=email.position))
        if email.primary:
            primary[email.user_id] = email.value
        else:
            primary.setdefault(email.user_id, email.value)
    SCIMUserEmail.objects.bulk_create(batch, batch_size=1000)
    for user_id, value in primary.items():
        User.objects.filter(pk=user_id).update(email=value)


def backward(apps, schema_editor):
    User = apps.get_model("vxp_hub", "User")
    UserEmail = apps.get_model("vxp_hub", "UserEmail")
    SCIMUser = apps.get_model("scim_provisioning", "SCIMUser")
    SCIMUserEmail = apps.get_model("scim_provisioning", "SCIMUserEmail")
    user_of = dict(SCIMUser.objects.values_list("pk", "user_id"))
    for link in SCIMUser.objects.order_by("pk").iterator(chunk_size=2000):
        User.objects.filter(pk=link.user_id).update(
            scim_id=link.scim_id, external_id=link.external_id, scim_attributes=link.attributes,
            scim_managed=link.managed, scim_deleted_at=link.deleted_at,
            manager_id=user_of.get(link.manager_id) if link.manager_id else None,
            **{name: getattr(link, name) for name in FIELDS},
        )
    UserEmail.objects.bulk_create(
        [UserEmail(user_id=user_of[e.scim_user_id], value=e.value, type=e.type, display=e.display,
                   primary=e.primary, position=e.position) for e in SCIMUserEmail.objects.order_by("pk")],
        batch_size=1000,
    )
    SCIMUser.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("vxp_hub", "0004_user_email"),
        ("scim_provisioning", "0005_scim_users"),
    ]

    operations = [migrations.RunPython(forward, backward)]
