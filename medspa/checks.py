"""Checks of our own: settings for deploys (`manage.py check --deploy`), and the
database the booking service's SQL needs."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connection


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


# bookings/hot_sql.py writes with INSERT ... RETURNING and ON CONFLICT ... DO UPDATE.
SQLITE_AT_LEAST = (3, 35)


@register(Tags.compatibility)
def sqlite_is_recent_enough(app_configs, **kwargs) -> list[Error]:
    """Bookings need SQLite 3.35 (Debian 12 has 3.40; Django itself accepts 3.31)."""
    if connection.vendor != "sqlite":
        return []
    import sqlite3

    if sqlite3.sqlite_version_info >= SQLITE_AT_LEAST:
        return []
    return [
        Error(
            f"SQLite {sqlite3.sqlite_version} is too old: bookings need 3.35 or newer.",
            hint="Use PostgreSQL (DATABASE_URL) or a Python built with a newer SQLite.",
            id="medspa.E001",
        )
    ]
