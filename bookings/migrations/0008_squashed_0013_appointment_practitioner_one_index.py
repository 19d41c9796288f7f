"""Appointments: no index on `practitioner_id` alone (replaces 0008 to 0013).

The (practitioner, start) index serves every lookup by practitioner, the foreign
key's checks included; a single-column index cost each booking one more insert and
won the planner's choice for the availability read, which it served ten times slower
(bench/explain.py).

0008 to 0011 added a first round's cache machinery (triggers on this app's tables and
on practitioners', a desk version table, immediate foreign keys) and 0013 took it out
again. A database that ran them is left exactly as this migration leaves a new one.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [
        ("bookings", "0008_schedule_token_triggers"),
        ("bookings", "0009_desk_version"),
        ("bookings", "0010_immediate_foreign_keys"),
        ("bookings", "0011_sqlite_desk_triggers_without_conflicts"),
        ("bookings", "0012_appointment_practitioner_one_index"),
        ("bookings", "0013_remove_triggers_and_desk_version"),
    ]

    dependencies = [
        ("bookings", "0007_review_queue_index"),
        ("practitioners", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appointment",
            name="practitioner",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="practitioners.practitioner",
                verbose_name="practitioner",
            ),
        ),
    ]
