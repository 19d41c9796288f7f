"""Appointments: drop the index on `practitioner_id` alone.

The (practitioner, start) index serves every lookup by practitioner, the foreign key's
checks included. The single-column index cost each booking one more insert and, with
statistics a few thousand bookings old, won the planner's choice for the 14-day
availability read, which it served ten times slower (bench/explain.py).

Only the index is dropped: Django's own AlterField would recreate the foreign key
DEFERRABLE on PostgreSQL (undoing 0010) and rebuild the table on SQLite (losing the
triggers of 0008, 0009 and 0011).
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "bookings_appointment_practitioner_id_6bb171f2"


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0011_sqlite_desk_triggers_without_conflicts"),
        ("practitioners", "0002_practitioner_schedule_token"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
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
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX};",
                    f"CREATE INDEX {INDEX} ON bookings_appointment (practitioner_id);",
                ),
            ],
        ),
    ]
