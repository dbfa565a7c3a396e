# SCIM state in the app's own tables (issue 10): the host's user model needs no SCIM field.

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scim_provisioning', '0004_oauth_rotation_rails'),
        migrations.swappable_dependency(settings.SCIM_PROVISIONING_ORGANISATION_MODEL),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SCIMUser',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scim_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('external_id', models.CharField(blank=True, default='', max_length=255)),
                ('user_name', models.CharField(max_length=255)),
                ('given_name', models.CharField(blank=True, max_length=255)),
                ('family_name', models.CharField(blank=True, max_length=255)),
                ('display_name', models.CharField(blank=True, max_length=255)),
                ('title', models.CharField(blank=True, max_length=255)),
                ('locale', models.CharField(blank=True, max_length=64)),
                ('employee_number', models.CharField(blank=True, max_length=255)),
                ('cost_center', models.CharField(blank=True, max_length=255)),
                ('enterprise_organization', models.CharField(blank=True, max_length=255)),
                ('division', models.CharField(blank=True, max_length=255)),
                ('department', models.CharField(blank=True, max_length=255)),
                ('attributes', models.JSONField(blank=True, default=dict)),
                ('active', models.BooleanField(default=True)),
                ('managed', models.BooleanField(default=False)),
                ('deleted_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('manager', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reports', to='scim_provisioning.scimuser')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='scim_users', to=settings.SCIM_PROVISIONING_ORGANISATION_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='scim_links', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'SCIM user',
                'ordering': ['organisation_id', 'id'],
            },
        ),
        migrations.CreateModel(
            name='SCIMUserEmail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('value', models.CharField(max_length=254)),
                ('type', models.CharField(blank=True, max_length=32)),
                ('display', models.CharField(blank=True, max_length=255)),
                ('primary', models.BooleanField(default=False)),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('scim_user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='emails', to='scim_provisioning.scimuser')),
            ],
            options={
                'verbose_name': 'SCIM user e-mail',
                'ordering': ['scim_user_id', 'position', 'id'],
            },
        ),
        migrations.AddIndex(
            model_name='scimuser',
            index=models.Index(fields=['organisation', 'external_id'], name='scim_user_org_external_id'),
        ),
        migrations.AddIndex(
            model_name='scimuser',
            index=models.Index(fields=['organisation', 'managed'], name='scim_user_org_managed'),
        ),
        migrations.AddConstraint(
            model_name='scimuser',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Upper('user_name'), models.F('organisation'), name='scim_user_name_ci_per_org'),
        ),
        migrations.AddConstraint(
            model_name='scimuser',
            constraint=models.UniqueConstraint(fields=('organisation', 'user'), name='scim_user_once_per_org'),
        ),
        migrations.AddIndex(
            model_name='scimuseremail',
            index=models.Index(django.db.models.functions.text.Upper('value'), name='scim_user_email_value_upper'),
        ),
    ]
