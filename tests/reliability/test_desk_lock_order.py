"""Commits that change the desk token never deadlock with other locks.

The desk token changes at COMMIT under the desk row's lock (bookings migration 0009).
Two things keep that lock the last one a transaction takes, or at least one that
never waits in a cycle:

- foreign keys of our tables are checked when each row is written, not at COMMIT
  (migration 0010), so no KEY SHARE lock on a parent row follows the desk row's;
- the services lock rows FOR NO KEY UPDATE, which never blocks those checks anyway.

With deferred foreign keys and FOR UPDATE, a booking that took the desk row at commit
then waited to check its supervising physician's row, held by a transaction that in
turn waited for the desk row: PostgreSQL broke the deadlock by aborting one of them.
"""

import threading

import pytest
from django.db import connection, transaction

from bookings.models import Appointment, Client
from bookings.services import _lock_practitioner_ids
from tests.spa import book_botox

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time"),
]


def test_a_booking_commits_while_its_supervising_physician_is_locked(spa):
    held = Client.objects.create(first_name="Held", last_name="Row", email="held@example.com")
    locked, release, booked = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_the_physician() -> None:
        """A transaction holding the physician's lock that also wrote desk data, as
        a review decision or a booking with that physician does."""
        try:
            with transaction.atomic():
                _lock_practitioner_ids([spa.doctor.pk])
                Client.objects.filter(pk=held.pk).update(phone="+1 212 555 0111")
                locked.set()
                release.wait(10)
        except BaseException as error:  # noqa: BLE001 (reported by the test below)
            errors.append(error)
        finally:
            connection.close()

    def book_under_that_physician() -> None:
        try:
            book_botox(spa, blood_thinners=False, email="booker@example.com")
            booked.set()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_physician)
    holder.start()
    assert locked.wait(10)
    booker = threading.Thread(target=book_under_that_physician)
    booker.start()
    booked_while_held = booked.wait(5)
    release.set()
    holder.join(20)
    booker.join(20)
    assert errors == []
    assert booked_while_held
    appointment = Appointment.objects.get()
    assert appointment.supervising_physician_id == spa.doctor.pk


def test_our_foreign_keys_are_checked_at_once_not_at_commit():
    """Migration 0010: no foreign-key check can follow the desk row's lock at COMMIT."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT rel.relname, con.conname
              FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
             WHERE con.contype = 'f' AND con.condeferrable
               AND rel.relname ~ '^(bookings|practitioners|treatments)_'
            """
        )
        deferrable = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid"
            " WHERE con.contype = 'f' AND rel.relname ~ '^(bookings|practitioners|treatments)_'"
        )
        checked = cursor.fetchone()[0]
    assert deferrable == []
    assert checked > 10
