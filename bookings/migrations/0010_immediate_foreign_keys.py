"""Foreign keys of the bookings, practitioners and treatments tables checked at once
(PostgreSQL), not at COMMIT.

Django creates foreign keys DEFERRABLE INITIALLY DEFERRED, so PostgreSQL checks them at
COMMIT, in the order the rows were written, interleaved with the desk-token trigger
(migration 0009). A check that came after the desk row's lock could wait for a row
another committing transaction held, while that one waited for the desk row: a
deadlock. Checked when each row is written, every such lock is taken before COMMIT,
and the desk row is the last lock a transaction takes.

Our code always writes a parent before its children (and Django's deletions delete
children first), so nothing needs the checks deferred.
tests/reliability/test_desk_lock_order.py fails if a later migration brings a
deferrable foreign key back to these tables.
"""

from django.db import migrations

from bookings.migrations._operations import PostgresOnlyRunSQL

OUR_TABLES = "(rel.relname LIKE 'bookings\\_%' OR rel.relname LIKE 'practitioners\\_%'"
OUR_TABLES += " OR rel.relname LIKE 'treatments\\_%')"


def _alter(deferrable: bool, to: str) -> str:
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
        ("bookings", "0009_desk_version"),
        ("practitioners", "0002_practitioner_schedule_token"),
        ("treatments", "0004_catalogue_version"),
    ]

    operations = [
        PostgresOnlyRunSQL(
            sql=_alter(True, "NOT DEFERRABLE"),
            reverse_sql=_alter(False, "DEFERRABLE INITIALLY DEFERRED"),
        ),
    ]
