# The SCIM columns were copied into scim_provisioning.SCIMUser by 0005; drop them (issue 10).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('vxp_hub', '0005_scim_state_to_scim_provisioning'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='useremail',
            name='user',
        ),
        migrations.RemoveIndex(
            model_name='user',
            name='user_org_external_id',
        ),
        migrations.RemoveIndex(
            model_name='user',
            name='user_org_scim_managed',
        ),
        migrations.RemoveField(
            model_name='user',
            name='external_id',
        ),
        migrations.RemoveField(
            model_name='user',
            name='manager',
        ),
        migrations.RemoveField(
            model_name='user',
            name='scim_attributes',
        ),
        migrations.RemoveField(
            model_name='user',
            name='scim_deleted_at',
        ),
        migrations.RemoveField(
            model_name='user',
            name='scim_id',
        ),
        migrations.RemoveField(
            model_name='user',
            name='scim_managed',
        ),
        migrations.RemoveField(
            model_name='user',
            name='scim_updated_at',
        ),
        migrations.DeleteModel(
            name='UserEmail',
        ),
    ]
