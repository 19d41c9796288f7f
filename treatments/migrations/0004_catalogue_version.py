import uuid

from django.db import migrations, models


def create_the_row(apps, schema_editor):
    apps.get_model("treatments", "CatalogueVersion").objects.create(pk=1, token=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0003_treatment_charting"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogueVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
            ],
            options={
                "verbose_name": "catalogue version",
                "default_permissions": (),
            },
        ),
        migrations.RunPython(create_the_row, migrations.RunPython.noop),
    ]
