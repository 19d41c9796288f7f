"""The licence kinds every US med spa employs; the spa can add or rename in the admin."""

from django.db import migrations

ROLES = [
    # code, name, can_supervise, can_perform_gfe, order
    ("esthetician", "Esthetician", False, False, 10),
    ("registered-nurse", "Registered nurse", False, False, 20),
    ("nurse-practitioner", "Nurse practitioner", False, True, 30),
    ("physician-assistant", "Physician assistant", False, True, 40),
    ("physician", "Physician", True, True, 50),
]


def add_roles(apps, schema_editor):
    Role = apps.get_model("treatments", "Role")
    for code, name, can_supervise, can_perform_gfe, order in ROLES:
        Role.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "can_supervise": can_supervise,
                "can_perform_gfe": can_perform_gfe,
                "display_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("treatments", "0001_initial")]

    operations = [migrations.RunPython(add_roles, migrations.RunPython.noop)]
