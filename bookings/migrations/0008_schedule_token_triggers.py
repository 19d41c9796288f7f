"""Triggers that give a practitioner a new schedule_token whenever a write changes
their busy time: an appointment or time off inserted or deleted, or updated in its
practitioner, start, end of hold, or in whether its status frees the time. However
it is written (service, admin, bulk seeding, raw SQL). Availability kept in memory is
keyed by these tokens (bookings/selectors.py), so it can never outlive a booking.

Updates that leave busy time alone (check-in, completion, notes) touch no
practitioner row, so they take no lock the booking service does not already take
first (it locks practitioners before appointments: bookings/services.py).

PostgreSQL: statement-level triggers with transition tables (one UPDATE per
statement, even for a COPY of 100,000 rows). SQLite: row-level triggers.
"""

from django.db import migrations

from bookings.migrations._operations import PerVendorRunSQL

FREEING = "('cancelled', 'declined')"
NEW_TOKEN_PG = "md5(random()::text || clock_timestamp()::text)"
NEW_TOKEN_SQLITE = "lower(hex(randomblob(16)))"
# What makes an updated row change its practitioners' busy time, per table.
BUSY_CHANGED = {
    "bookings_appointment": (
        "o.practitioner_id IS DISTINCT FROM n.practitioner_id"
        " OR o.start IS DISTINCT FROM n.start"
        " OR o.blocked_until IS DISTINCT FROM n.blocked_until"
        f" OR (o.status IN {FREEING}) IS DISTINCT FROM (n.status IN {FREEING})"
    ),
    "practitioners_timeoff": (
        "o.practitioner_id IS DISTINCT FROM n.practitioner_id"
        " OR o.starts_at IS DISTINCT FROM n.starts_at"
        " OR o.ends_at IS DISTINCT FROM n.ends_at"
    ),
}


def _postgres() -> tuple[list[str], list[str]]:
    forwards = [
        f"""
        CREATE FUNCTION practitioner_schedule_written() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE practitioners_practitioner SET schedule_token = {NEW_TOKEN_PG}
             WHERE id IN (SELECT DISTINCT practitioner_id FROM changed_rows);
            RETURN NULL;
        END $$;
        """  # nosec B608: built from this module's constants only
    ]
    backwards = []
    for table, changed in BUSY_CHANGED.items():
        function = f"{table}_schedule_updated"
        forwards.append(
            f"""
            CREATE FUNCTION {function}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE practitioners_practitioner SET schedule_token = {NEW_TOKEN_PG}
                 WHERE id IN (
                    SELECT o.practitioner_id FROM old_rows o JOIN new_rows n ON o.id = n.id
                     WHERE {changed}
                    UNION
                    SELECT n.practitioner_id FROM old_rows o JOIN new_rows n ON o.id = n.id
                     WHERE {changed}
                 );
                RETURN NULL;
            END $$;
            """  # nosec B608: built from this module's constants only
        )
        for name, event, tables, called in [
            ("insert", "INSERT", "NEW TABLE AS changed_rows", "practitioner_schedule_written"),
            ("delete", "DELETE", "OLD TABLE AS changed_rows", "practitioner_schedule_written"),
            ("update", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", function),
        ]:
            trigger = f"{table}_schedule_{name}"
            forwards.append(
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} REFERENCING {tables} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {called}();"
            )
            backwards.append(f"DROP TRIGGER IF EXISTS {trigger} ON {table};")
        backwards.append(f"DROP FUNCTION IF EXISTS {function}();")
    backwards.append("DROP FUNCTION IF EXISTS practitioner_schedule_written();")
    return forwards, backwards


def _sqlite() -> tuple[list[str], list[str]]:
    forwards, backwards = [], []
    set_token = f"UPDATE practitioners_practitioner SET schedule_token = {NEW_TOKEN_SQLITE}"  # nosec B608
    for table, changed in BUSY_CHANGED.items():
        # SQLite's IS NOT compares NULLs the way IS DISTINCT FROM does, in every version.
        when = (
            changed.replace("o.", "OLD.")
            .replace("n.", "NEW.")
            .replace("IS DISTINCT FROM", "IS NOT")
        )
        for name, event, condition, ids in [
            ("insert", "INSERT", "", "NEW.practitioner_id"),
            ("delete", "DELETE", "", "OLD.practitioner_id"),
            ("update", "UPDATE", f" WHEN {when}", "OLD.practitioner_id, NEW.practitioner_id"),
        ]:
            trigger = f"{table}_schedule_{name}"
            forwards.append(
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW{condition} "
                f"BEGIN {set_token} WHERE id IN ({ids}); END;"
            )
            backwards.append(f"DROP TRIGGER IF EXISTS {trigger};")
    return forwards, backwards


POSTGRES, POSTGRES_REVERSE = _postgres()
SQLITE, SQLITE_REVERSE = _sqlite()


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
