from django.db import migrations

from treatments.standard_roles import ensure_standard_roles


def add_roles(apps, schema_editor):
    ensure_standard_roles(apps.get_model("treatments", "Role"))


class Migration(migrations.Migration):
    dependencies = [("treatments", "0001_initial")]

    operations = [migrations.RunPython(add_roles, migrations.RunPython.noop)]
