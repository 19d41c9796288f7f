"""Commits that change the desk token never deadlock with the services' row locks.

At COMMIT, PostgreSQL runs a transaction's deferred foreign-key checks and its
desk-token trigger (bookings migration 0009) in the order the rows were written: a
booking may take the desk row's lock, then check that its supervising physician
still exists, a KEY SHARE lock on that practitioner's row. The services lock rows
FOR NO KEY UPDATE, which never blocks that check (FOR UPDATE would, and the two
transactions would wait for each other until PostgreSQL aborted one).
"""

import threading

import pytest
from django.db import connection, transaction

from bookings.models import Appointment, Client
from bookings.services import _lock_practitioner_ids, appointment_book
from tests.spa import CONSENT, at, client_details, intake_answers, next_working_day

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
            appointment_book(
                treatment=spa.botox,
                practitioner=spa.nurse,
                start=at(next_working_day(), 10),
                client=client_details("booker@example.com"),
                intake=intake_answers(),
                consent=CONSENT,
            )
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
