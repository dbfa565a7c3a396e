"""Kept user counts (issue 11): PostgreSQL row triggers on SCIMUser keep how many visible SCIM
users each organisation has (``SCIMUserCount``), so a list's totalResults needs no COUNT.
Other databases get the table only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Visible = not deleted through SCIM. An increment goes to this backend's shard (upsert: the
# organisation exists, the new row references it); a decrement to any one of the
# organisation's rows (none may be left while the organisation itself is being deleted).
FORWARD = [
    "LOCK TABLE scim_provisioning_scimuser IN SHARE ROW EXCLUSIVE MODE",
    """CREATE FUNCTION scim_user_count_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
    UPDATE scim_provisioning_scimusercount SET visible = visible - 1
     WHERE id = (SELECT id FROM scim_provisioning_scimusercount WHERE organisation_id = OLD.organisation_id
                  ORDER BY shard = pg_backend_pid() % 16 DESC, shard LIMIT 1);
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.deleted_at IS NULL THEN
    INSERT INTO scim_provisioning_scimusercount (organisation_id, shard, visible)
    VALUES (NEW.organisation_id, pg_backend_pid() % 16, 1)
    ON CONFLICT (organisation_id, shard) DO UPDATE SET visible = scim_provisioning_scimusercount.visible + 1;
  END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER scim_user_count AFTER INSERT OR DELETE OR UPDATE OF deleted_at, organisation_id
  ON scim_provisioning_scimuser FOR EACH ROW EXECUTE FUNCTION scim_user_count_keep()""",
    """INSERT INTO scim_provisioning_scimusercount (organisation_id, shard, visible)
SELECT organisation_id, 0, count(*) FROM scim_provisioning_scimuser WHERE deleted_at IS NULL GROUP BY organisation_id""",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS scim_user_count ON scim_provisioning_scimuser",
    "DROP FUNCTION IF EXISTS scim_user_count_keep()",
]


def _postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('scim_provisioning', '0005_scim_users'),
        migrations.swappable_dependency(settings.SCIM_PROVISIONING_ORGANISATION_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SCIMUserCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('shard', models.PositiveSmallIntegerField()),
                ('visible', models.BigIntegerField(default=0)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.SCIM_PROVISIONING_ORGANISATION_MODEL)),
            ],
            options={
                'verbose_name': 'SCIM user count',
                'constraints': [models.UniqueConstraint(fields=('organisation', 'shard'), name='scim_user_count_shard')],
            },
        ),
        migrations.RunPython(_postgresql(FORWARD), _postgresql(BACKWARD)),
    ]
