from django.db import migrations, models

import enlace.organizations.time_zones


def fill_time_zones(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    for organization in Organization.objects.filter(time_zone=""):
        organization.time_zone = enlace.organizations.time_zones.usual_time_zone(organization.country)
        organization.save(update_fields=["time_zone"])


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0003_require_two_factor"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="time_zone",
            field=models.CharField(
                db_default="",
                default="",
                max_length=64,
                validators=[enlace.organizations.time_zones.validate_time_zone],
                verbose_name="time zone",
            ),
        ),
        migrations.RunPython(fill_time_zones, migrations.RunPython.noop),
    ]
