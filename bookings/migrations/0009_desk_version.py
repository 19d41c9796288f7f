"""The desk version: one row whose token changes whenever a transaction that wrote
what the staff pages show commits (bookings/desk_pages.py keeps those pages under it).

Triggers, so every write counts however it is made (service, admin, seeding, raw SQL):

PostgreSQL
- A deferred constraint trigger gives the row a new token at COMMIT, once per
  transaction (a setting local to the transaction, reset when it ends, remembers it
  was done). Commits that wrote desk data queue on the row only for their commit. The
  row's lock comes after every lock the transaction took while it ran; at COMMIT only
  deferred foreign-key checks could still follow it, which is why migration 0010
  makes these apps' foreign keys immediate and the services lock FOR NO KEY UPDATE.
- A statement trigger marks the transaction as having written desk data (no lock), so
  that transaction, which sees its own writes before the token changes, never reads a
  page kept under the old token.

SQLite: row triggers change the token at once (SQLite has one writer at a time).
"""

import uuid

from django.db import migrations, models

from bookings.migrations._operations import PerVendorRunSQL

WATCHED = [
    "bookings_client",
    "bookings_appointment",
    "bookings_intake",
    "bookings_consent",
    "bookings_review",
    "bookings_goodfaithexam",
    "bookings_treatmentrecord",
    "practitioners_timeoff",
]
NEW_TOKEN_PG = "md5(random()::text || clock_timestamp()::text)"
NEW_TOKEN_SQLITE = "lower(hex(randomblob(16)))"


def _postgres() -> tuple[list[str], list[str]]:
    forwards = [
        """
        CREATE FUNCTION desk_written() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM set_config('medspa.desk_written', 'on', true);
            RETURN NULL;
        END $$;
        """,
        f"""
        CREATE FUNCTION desk_committing() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('medspa.desk_changed', true) = 'on' THEN
                RETURN NULL;
            END IF;
            PERFORM set_config('medspa.desk_changed', 'on', true);
            INSERT INTO bookings_deskversion (id, token) VALUES (1, {NEW_TOKEN_PG})
                ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
            RETURN NULL;
        END $$;
        """,  # nosec B608: built from this module's constants only
    ]
    backwards = []
    for table in WATCHED:
        forwards += [
            f"CREATE TRIGGER {table}_desk_written AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION desk_written();",
            f"CREATE CONSTRAINT TRIGGER {table}_desk_changed "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION desk_committing();",
        ]
        backwards += [
            f"DROP TRIGGER IF EXISTS {table}_desk_written ON {table};",
            f"DROP TRIGGER IF EXISTS {table}_desk_changed ON {table};",
        ]
    backwards += [
        "DROP FUNCTION IF EXISTS desk_written();",
        "DROP FUNCTION IF EXISTS desk_committing();",
    ]
    return forwards, backwards


def _sqlite() -> tuple[list[str], list[str]]:
    forwards, backwards = [], []
    new_token = (
        f"INSERT OR REPLACE INTO bookings_deskversion (id, token) VALUES (1, {NEW_TOKEN_SQLITE})"
    )
    for table in WATCHED:
        for event in ["INSERT", "UPDATE", "DELETE"]:
            trigger = f"{table}_desk_{event.lower()}"
            forwards.append(
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW "
                f"BEGIN {new_token}; END;"
            )
            backwards.append(f"DROP TRIGGER IF EXISTS {trigger};")
    return forwards, backwards


def create_the_row(apps, schema_editor):
    apps.get_model("bookings", "DeskVersion").objects.create(pk=1, token=uuid.uuid4().hex)


POSTGRES, POSTGRES_REVERSE = _postgres()
SQLITE, SQLITE_REVERSE = _sqlite()


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0008_schedule_token_triggers"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeskVersion",
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
                "verbose_name": "desk version",
                "default_permissions": (),
            },
        ),
        migrations.RunPython(create_the_row, migrations.RunPython.noop),
        PerVendorRunSQL(
            sql={"postgresql": POSTGRES, "sqlite": SQLITE},
            reverse_sql={"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE},
        ),
    ]
