"""Remove the cache machinery of 0008 to 0011: the schedule-token and desk-token
triggers, the desk version row, and the immediate foreign keys.

Availability and the staff pages now read the database on every request, so nothing
needs a token. Foreign keys go back to what Django creates (DEFERRABLE INITIALLY
DEFERRED on PostgreSQL), so an ordinary AlterField leaves the schema as it finds it.
The triggers read practitioners.schedule_token: they go before that column does.
"""

from django.db import migrations, models

from bookings.migrations._operations import PerVendorRunSQL, PostgresOnlyRunSQL

DESK_TABLES = [
    "bookings_client",
    "bookings_appointment",
    "bookings_intake",
    "bookings_consent",
    "bookings_review",
    "bookings_goodfaithexam",
    "bookings_treatmentrecord",
    "practitioners_timeoff",
]
SCHEDULE_TABLES = ["bookings_appointment", "practitioners_timeoff"]
EVENTS = ["insert", "update", "delete"]


def _postgres_drops() -> list[str]:
    drops = []
    for table in SCHEDULE_TABLES:
        drops += [f"DROP TRIGGER IF EXISTS {table}_schedule_{event} ON {table};" for event in EVENTS]
        drops.append(f"DROP FUNCTION IF EXISTS {table}_schedule_updated();")
    drops.append("DROP FUNCTION IF EXISTS practitioner_schedule_written();")
    for table in DESK_TABLES:
        drops += [
            f"DROP TRIGGER IF EXISTS {table}_desk_written ON {table};",
            f"DROP TRIGGER IF EXISTS {table}_desk_changed ON {table};",
        ]
    drops += ["DROP FUNCTION IF EXISTS desk_written();", "DROP FUNCTION IF EXISTS desk_committing();"]
    return drops


def _sqlite_drops() -> list[str]:
    drops = [f"DROP TRIGGER IF EXISTS {t}_schedule_{e};" for t in SCHEDULE_TABLES for e in EVENTS]
    drops += [f"DROP TRIGGER IF EXISTS {t}_desk_{e};" for t in DESK_TABLES for e in EVENTS]
    return drops


OUR_TABLES = (
    "(rel.relname LIKE 'bookings\\_%' OR rel.relname LIKE 'practitioners\\_%'"
    " OR rel.relname LIKE 'treatments\\_%')"
)


def _alter_foreign_keys(deferrable: bool, to: str) -> str:
    return f"""
    DO $$
    DECLARE fk record;
    BEGIN
        FOR fk IN
            SELECT con.conname, rel.relname
              FROM pg_constraint con
              JOIN pg_class rel ON rel.oid = con.conrelid
              JOIN pg_namespace ns ON ns.oid = rel.relnamespace
             WHERE con.contype = 'f' AND con.condeferrable = {str(deferrable).lower()}
               AND ns.nspname = current_schema() AND {OUR_TABLES}
        LOOP
            EXECUTE format('ALTER TABLE %I ALTER CONSTRAINT %I {to}', fk.relname, fk.conname);
        END LOOP;
    END $$;
    """  # nosec B608: built from this module's constants only


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0012_appointment_practitioner_one_index"),
    ]
    # The schedule triggers read the column that practitioners 0003 removes.
    run_before = [("practitioners", "0003_remove_practitioner_schedule_token")]

    operations = [
        PerVendorRunSQL(
            sql={"postgresql": _postgres_drops(), "sqlite": _sqlite_drops()},
            # Unapplied, the triggers stay away: nothing reads their tokens any more.
            reverse_sql={"postgresql": [], "sqlite": []},
        ),
        PostgresOnlyRunSQL(
            sql=_alter_foreign_keys(False, "DEFERRABLE INITIALLY DEFERRED"),
            reverse_sql=_alter_foreign_keys(True, "NOT DEFERRABLE"),
        ),
        migrations.DeleteModel(name="DeskVersion"),
    ]
