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


# The one piece of schema Django's migrations cannot declare for both databases
# (bookings migration 0002): without it, two racing bookings could both succeed.
NO_OVERLAP = "appointment_no_overlap"


@register("schema")
def no_overlap_constraint_exists(app_configs, **kwargs) -> list[Error]:
    """On PostgreSQL, once migrated, appointments carry the exclusion constraint.

    Not tagged `database`, so a plain `manage.py check` runs it; a database that is
    unreachable or not yet migrated has nothing to check."""
    errors = []
    for connection in connections.all():
        if connection.vendor != "postgresql" or not _overlap_migration_applied(connection):
            continue
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, "bookings_appointment")
        if NO_OVERLAP not in constraints:
            errors.append(
                Error(
                    f"The exclusion constraint {NO_OVERLAP} is missing from appointments: "
                    "the database would accept two overlapping bookings.",
                    hint="Run bookings migration 0002 again "
                    "(manage.py migrate bookings 0001, then manage.py migrate).",
                    id="medspa.E002",
                )
            )
    return errors


def _overlap_migration_applied(connection) -> bool:
    try:
        applied = MigrationRecorder(connection).applied_migrations()
    except DatabaseError:  # no database to look at: nothing to check
        return False
    return ("bookings", "0002_no_overlap") in applied
