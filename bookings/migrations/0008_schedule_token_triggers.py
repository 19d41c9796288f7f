"""Triggers that give a practitioner a new schedule_token whenever one of their
appointments or time off rows is inserted, updated or deleted, however it is
written (service, admin, bulk seeding, raw SQL). Availability kept in memory is
keyed by these tokens (bookings/selectors.py), so it can never outlive a booking.

PostgreSQL: statement-level triggers with transition tables (one UPDATE per
statement, even for a COPY of 100,000 rows). SQLite: row-level triggers.
"""

from django.db import migrations

from bookings.db_operations import PerVendorRunSQL

TABLES = ["bookings_appointment", "practitioners_timeoff"]
NEW_TOKEN_PG = "md5(random()::text || clock_timestamp()::text)"
NEW_TOKEN_SQLITE = "lower(hex(randomblob(16)))"

POSTGRES = [
    f"""
    CREATE FUNCTION practitioner_schedule_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE practitioners_practitioner SET schedule_token = {NEW_TOKEN_PG}
         WHERE id IN (SELECT DISTINCT practitioner_id FROM changed_rows);
        RETURN NULL;
    END $$;
    """
]
POSTGRES_REVERSE = []
# A trigger with a transition table handles one event, and an UPDATE needs both the
# old rows (a practitioner who lost an appointment) and the new ones.
for table in TABLES:
    for name, event, rows in [
        ("insert", "INSERT", "NEW"),
        ("delete", "DELETE", "OLD"),
        ("update_old", "UPDATE", "OLD"),
        ("update_new", "UPDATE", "NEW"),
    ]:
        trigger = f"{table}_schedule_{name}"
        POSTGRES.append(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} "
            f"REFERENCING {rows} TABLE AS changed_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION practitioner_schedule_changed();"
        )
        POSTGRES_REVERSE.append(f"DROP TRIGGER IF EXISTS {trigger} ON {table};")
POSTGRES_REVERSE.append("DROP FUNCTION IF EXISTS practitioner_schedule_changed();")

SQLITE = []
SQLITE_REVERSE = []
for table in TABLES:
    for name, event, ids in [
        ("insert", "INSERT", "NEW.practitioner_id"),
        ("delete", "DELETE", "OLD.practitioner_id"),
        ("update", "UPDATE", "OLD.practitioner_id, NEW.practitioner_id"),
    ]:
        trigger = f"{table}_schedule_{name}"
        SQLITE.append(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW BEGIN "
            f"UPDATE practitioners_practitioner SET schedule_token = {NEW_TOKEN_SQLITE} "
            f"WHERE id IN ({ids}); END;"
        )
        SQLITE_REVERSE.append(f"DROP TRIGGER IF EXISTS {trigger};")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0007_review_queue_index"),
        ("practitioners", "0002_practitioner_schedule_token"),
    ]

    operations = [
        PerVendorRunSQL(
            sql={"postgresql": POSTGRES, "sqlite": SQLITE},
            reverse_sql={"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE},
        ),
    ]
