# The visible SCIM users of a tenant in id order (list pages; deep pages read it index-only).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scim_provisioning', '0006_user_counts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='scimuser',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True)), fields=['organisation', 'id'], name='scim_user_org_visible'),
        ),
    ]
