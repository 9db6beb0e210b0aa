from django.db import migrations, models

from apps.analytics.sketch import sketches_fill


def fill(apps, schema_editor):
    # Existing tenants: every DailyPeople row gets the sketch of its ActiveUser rows, as a refresh
    # would write it (an empty sketch would also be safe: the engine then counts exactly).
    people = apps.get_model("analytics", "DailyPeople")._meta.db_table
    active = apps.get_model("analytics", "ActiveUser")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        sketches_fill(cursor, people=people, active=active, everything=True)


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0007_organization_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailypeople",
            name="sketch",
            field=models.BinaryField(default=b""),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
