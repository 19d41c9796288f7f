"""The database itself refuses two overlapping active appointments of one practitioner.

Even if two requests race past every check in the service, Postgres keeps the
calendar consistent: a range over start..blocked_until (end plus the cleanup
buffer), equal practitioner, cancelled and declined appointments left out.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from bookings.migrations._operations import PostgresOnlyRunSQL


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        PostgresOnlyRunSQL(
            sql="""
                ALTER TABLE bookings_appointment
                ADD CONSTRAINT appointment_no_overlap
                EXCLUDE USING gist (
                    practitioner_id WITH =,
                    tstzrange(start, blocked_until, '[)') WITH &&
                )
                WHERE (status NOT IN ('cancelled', 'declined'))
            """,
            reverse_sql="ALTER TABLE bookings_appointment DROP CONSTRAINT appointment_no_overlap",
        ),
    ]
