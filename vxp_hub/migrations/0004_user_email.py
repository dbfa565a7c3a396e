"""Before the SCIM state moves (0005): the hub user's own ``email`` (the primary address it
shows), and ``scim_id`` no longer unique (0006 drops it), so that going back 0006 can add the
column again empty and 0005 fills it before uniqueness returns."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("vxp_hub", "0003_sso")]

    operations = [
        migrations.AddField(
            model_name="user", name="email",
            field=models.CharField(blank=True, max_length=254, help_text="The primary e-mail address."),
        ),
        migrations.AlterField(model_name="user", name="scim_id", field=models.UUIDField(null=True, editable=False)),
    ]
