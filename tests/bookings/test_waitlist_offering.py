"""Offering freed time after review: each try in its own transaction (its locks gone
before the next), the rest of a long freed time offered too, a failing freed time never
stopping the others, the right words for a withdrawn offer, and the time-of-day windows
read before the list of entries is cut short."""

import datetime
import logging

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BigIntegerField, Func

from bookings.models import WaitlistOffer, WaitlistOpening
from bookings.services import waitlist_offers
from bookings.services.appointment_changes import appointment_cancel
from bookings.services.waitlist import WindowWanted, time_freed, waitlist_join, waitlist_leave
from tests.spa import NOW, TUESDAY, at, book_facial_at, client_details

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def join(spa, email, *, treatment=None, practitioner=None, hours=(9, 12)):
    return waitlist_join(
        treatment=treatment or spa.facial,
        practitioner=practitioner,
        client=client_details(email, first_name=email.split("@")[0].title()),
        windows=[WindowWanted(TUESDAY, TUESDAY, datetime.time(hours[0]), datetime.time(hours[1]))],
    )


def cancel(appointment, capture):
    with capture(execute=True):
        appointment_cancel(appointment=appointment, by_client=False)


def _transaction_id():
    """This transaction's id once it has written or locked a row, else None."""
    return (
        WaitlistOpening.objects.annotate(
            txid=Func(function="txid_current_if_assigned", output_field=BigIntegerField())
        )
        .values_list("txid", flat=True)
        .first()
    )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="Postgres's transaction ids")
@pytest.mark.django_db(transaction=True)
def test_each_offer_try_locks_in_a_fresh_transaction(spa, monkeypatch):
    """A try that fails (the time taken meanwhile) keeps no lock into the next try,
    and the opening's claim is committed before any booking lock is taken."""
    booked = book_facial_at(spa, at(TUESDAY, 10), practitioner=spa.esthetician, email="a@x.com")
    join(spa, "first@example.com")
    held_before_locking = []
    lock = waitlist_offers.lock_schedules

    def spy_lock(*args, **kwargs):
        held_before_locking.append(_transaction_id())
        return lock(*args, **kwargs)

    validate = waitlist_offers.appointment_validate
    calls = []

    def first_refused(**kwargs):
        calls.append(kwargs["start"])
        if len(calls) == 1:
            raise ValidationError("just taken", code="slot_taken")
        return validate(**kwargs)

    monkeypatch.setattr(waitlist_offers, "lock_schedules", spy_lock)
    monkeypatch.setattr(waitlist_offers, "appointment_validate", first_refused)
    appointment_cancel(appointment=booked, by_client=False)  # TASKS_SYNC: offered at commit

    offer = WaitlistOffer.objects.get()
    assert offer.start == calls[1] != calls[0]
    assert len(held_before_locking) == 2
    assert held_before_locking == [None, None]


def test_the_rest_of_a_long_freed_time_is_offered_too(spa, django_capture_on_commit_callbacks):
    """A cancelled facial (60 + 15 minutes) with the nurse: one Botox (30 + 10) at
    10:00 for the first entry, and what is left after it for the second."""
    booked = book_facial_at(spa, at(TUESDAY, 10), practitioner=spa.nurse, email="a@x.com")
    first = join(spa, "first@example.com", treatment=spa.botox, practitioner=spa.nurse)
    second = join(spa, "second@example.com", treatment=spa.botox, practitioner=spa.nurse)
    cancel(booked, django_capture_on_commit_callbacks)

    offers = {offer.entry_id: offer for offer in WaitlistOffer.objects.all()}
    assert set(offers) == {first.pk, second.pk}
    assert offers[first.pk].start == at(TUESDAY, 10)
    assert offers[first.pk].blocked_until <= offers[second.pk].start < at(TUESDAY, 11, 15)
    rest = WaitlistOpening.objects.get(start=offers[first.pk].blocked_until)
    assert rest.until == at(TUESDAY, 11, 15) and rest.practitioner == spa.nurse


def test_one_failing_freed_time_does_not_stop_the_others(spa, monkeypatch, caplog):
    join(spa, "first@example.com")
    broken = time_freed(
        practitioner_id=spa.esthetician.pk, start=at(TUESDAY, 9), until=at(TUESDAY, 9, 30), why="x"
    )
    time_freed(
        practitioner_id=spa.esthetician.pk, start=at(TUESDAY, 10), until=at(TUESDAY, 12), why="y"
    )
    offer = waitlist_offers.offer_freed_time

    def fails_once(pk, now=None):
        if pk == broken.pk:
            raise RuntimeError("boom")
        return offer(pk, now)

    monkeypatch.setattr(waitlist_offers, "offer_freed_time", fails_once)
    with caplog.at_level(logging.ERROR, logger=waitlist_offers.__name__):
        figures = waitlist_offers.run_minute(NOW)
    assert figures["waitlist offers made"] == 1
    assert WaitlistOffer.objects.get().start >= at(TUESDAY, 10)
    assert f"Offering freed time {broken.pk} failed" in caplog.text


def test_a_withdrawn_offer_says_the_client_left(spa, client, django_capture_on_commit_callbacks):
    booked = book_facial_at(spa, at(TUESDAY, 10), practitioner=spa.esthetician, email="a@x.com")
    entry = join(spa, "first@example.com")
    cancel(booked, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    waitlist_leave(entry=entry)

    response = client.post(offer.get_absolute_url(), {"submission": "late"})
    assert response.status_code == 410
    page = response.content.decode()
    assert "withdrawn: you left the waitlist" in page and "someone else" not in page


def test_entries_outside_the_time_of_day_do_not_use_up_the_tries(
    spa, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(waitlist_offers, "MAX_ENTRIES_TRIED", 2)
    booked = book_facial_at(spa, at(TUESDAY, 10), practitioner=spa.esthetician, email="a@x.com")
    join(spa, "afternoon1@example.com", hours=(14, 16))
    join(spa, "afternoon2@example.com", hours=(13, 16))
    morning = join(spa, "morning@example.com", hours=(9, 11))
    cancel(booked, django_capture_on_commit_callbacks)
    assert WaitlistOffer.objects.get().entry == morning


def test_a_worker_killed_mid_offer_loses_the_freed_time_only_for_the_lease(spa):
    """The claim is a lease: an opening claimed by a worker that died before offering
    is offered by the minute schedule once the lease has run out."""
    join(spa, "first@example.com")
    time_freed(
        practitioner_id=spa.esthetician.pk,
        start=at(TUESDAY, 10),
        until=at(TUESDAY, 11, 15),
        why="cancelled",
        now=NOW,
    )
    opening = WaitlistOpening.objects.get()
    assert waitlist_offers._claim(opening.pk, NOW) is not None  # ...and the worker dies
    assert waitlist_offers.run_minute(NOW)["waitlist offers made"] == 0
    assert not WaitlistOffer.objects.exists()

    later = NOW + waitlist_offers.OPENING_LEASE
    assert waitlist_offers.run_minute(later)["waitlist offers made"] == 1
    opening.refresh_from_db()
    assert opening.done_at == later
    offer = WaitlistOffer.objects.get()
    assert offer.entry.email == "first@example.com" and offer.start == at(TUESDAY, 10)
