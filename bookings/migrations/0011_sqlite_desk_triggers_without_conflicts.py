"""SQLite: the desk triggers change the token without a conflict clause.

A conflict clause inside a SQLite trigger gives way to the one of the statement that
fired it: 0009's `INSERT OR REPLACE` failed under an upsert (the booking service's
`INSERT ... ON CONFLICT (email) DO UPDATE` for a returning client) and would be
skipped without a word under `INSERT OR IGNORE`. These triggers create the row if it
is missing (a test database flush deletes it), then update it: nothing can conflict.
PostgreSQL is unchanged.
"""

from django.db import migrations

from bookings.migrations._operations import PerVendorRunSQL

WATCHED = [  # as in 0009
    "bookings_client",
    "bookings_appointment",
    "bookings_intake",
    "bookings_consent",
    "bookings_review",
    "bookings_goodfaithexam",
    "bookings_treatmentrecord",
    "practitioners_timeoff",
]
EVENTS = ["INSERT", "UPDATE", "DELETE"]
MISSING_ROW = (
    "INSERT INTO bookings_deskversion (id, token) SELECT 1, '' "
    "WHERE NOT EXISTS (SELECT 1 FROM bookings_deskversion WHERE id = 1)"
)
NEW_TOKEN = "UPDATE bookings_deskversion SET token = lower(hex(randomblob(16))) WHERE id = 1"  # nosec B608
OLD_TOKEN = (  # nosec B608: constants only
    "INSERT OR REPLACE INTO bookings_deskversion (id, token) "
    "VALUES (1, lower(hex(randomblob(16))))"
)


def _triggers(body: str) -> list[str]:
    statements = []
    for table in WATCHED:
        for event in EVENTS:
            trigger = f"{table}_desk_{event.lower()}"
            statements += [
                f"DROP TRIGGER IF EXISTS {trigger};",
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW "
                f"BEGIN {body}; END;",
            ]
    return statements


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0010_immediate_foreign_keys"),
    ]

    operations = [
        PerVendorRunSQL(
            sql={"postgresql": [], "sqlite": _triggers(f"{MISSING_ROW}; {NEW_TOKEN}")},
            reverse_sql={"postgresql": [], "sqlite": _triggers(OLD_TOKEN)},
        ),
    ]
