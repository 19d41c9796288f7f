"""The schema is Django's: no triggers of ours, foreign keys as Django makes them, and
the one hand-written piece (the no-overlap exclusion constraint) guarded by a check."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from medspa import checks

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's catalogue"
)


def rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's catalogue")
def test_a_migrated_sqlite_database_holds_no_trigger():
    assert rows("SELECT name FROM sqlite_master WHERE type = 'trigger'") == []


@postgres_only
def test_a_migrated_database_holds_no_trigger_of_ours():
    # Foreign keys are enforced by internal triggers: those are PostgreSQL's own.
    assert rows("SELECT tgrelid::regclass, tgname FROM pg_trigger WHERE NOT tgisinternal") == []
    assert (
        rows(
            "SELECT proname FROM pg_proc WHERE prorettype = 'trigger'::regtype "
            "AND pronamespace = current_schema()::regnamespace"
        )
        == []
    )


@postgres_only
def test_foreign_keys_are_as_django_creates_them():
    """Deferred to COMMIT, as an ordinary AlterField would create them again."""
    immediate = rows(
        "SELECT rel.relname, con.conname FROM pg_constraint con "
        "JOIN pg_class rel ON rel.oid = con.conrelid "
        "WHERE con.contype = 'f' AND NOT con.condeferred "
        "AND rel.relname ~ '^(bookings|practitioners|treatments)_'"
    )
    assert immediate == []


@postgres_only
def test_the_check_fails_when_the_no_overlap_constraint_is_missing():
    assert checks.no_overlap_constraint_exists(None) == []
    call_command("check")  # no error
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute("ALTER TABLE bookings_appointment DROP CONSTRAINT appointment_no_overlap")
    [error] = checks.no_overlap_constraint_exists(None)
    assert error.id == "medspa.E002" and "overlapping" in error.msg
    with pytest.raises(SystemCheckError, match="appointment_no_overlap"):
        call_command("check")


@postgres_only
def test_the_check_fails_when_the_allocation_constraint_is_missing():
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute(
            "ALTER TABLE bookings_resourceallocation DROP CONSTRAINT allocation_no_overlap"
        )
    [error] = checks.no_overlap_constraint_exists(None)
    assert "rooms and devices" in error.msg and "0014" in error.hint
    with pytest.raises(SystemCheckError, match="allocation_no_overlap"):
        call_command("check")
