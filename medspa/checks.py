"""Checks of our own: settings for deploys (`manage.py check --deploy`), and the
database's no-overlap constraint (`manage.py check`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder


@register(Tags.security, deploy=True)
def site_url_is_public(app_configs, **kwargs) -> list[Warning]:
    """Links in mail and calendar files use SITE_URL: it must be the public HTTPS address."""
    parts = urlsplit(settings.SITE_URL)
    if parts.hostname in {"127.0.0.1", "localhost", None} or parts.scheme != "https":
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: links in client mail would not work.",
                hint="Set SITE_URL to the public https:// address of the site.",
                id="medspa.W001",
            )
        ]
    return []


# The schema Django's migrations cannot declare for both databases: without these,
# two racing bookings could both get one practitioner, room or device. Each is
# (table, constraint, what it protects, the migration that adds it).
EXCLUSION_CONSTRAINTS = [
    ("bookings_appointment", "appointment_no_overlap", "appointments", "0002_no_overlap"),
    (
        "bookings_resourceallocation",
        "allocation_no_overlap",
        "rooms and devices",
        "0015_resource_allocation",
    ),
]


@register("schema")
def no_overlap_constraint_exists(app_configs, **kwargs) -> list[Error]:
    """On PostgreSQL, once migrated, appointments and allocations carry their exclusion
    constraints.

    Not tagged `database`, so a plain `manage.py check` runs it; a database that is
    unreachable or not yet migrated has nothing to check."""
    errors = []
    for connection in connections.all():
        if connection.vendor != "postgresql":
            continue
        applied = _applied_migrations(connection)
        for table, name, protects, migration in EXCLUSION_CONSTRAINTS:
            if ("bookings", migration) not in applied:
                continue
            with connection.cursor() as cursor:
                constraints = connection.introspection.get_constraints(cursor, table)
            if name not in constraints:
                number = migration[:4]
                errors.append(
                    Error(
                        f"The exclusion constraint {name} is missing from {protects}: "
                        "the database would accept two overlapping bookings.",
                        hint=f"Run bookings migration {number} again (manage.py migrate "
                        f"bookings {int(number) - 1:04d}, then manage.py migrate).",
                        id="medspa.E002",
                    )
                )
    return errors


def _applied_migrations(connection) -> set[tuple[str, str]]:
    try:
        return set(MigrationRecorder(connection).applied_migrations())
    except DatabaseError:  # no database to look at: nothing to check
        return set()
