"""Every way a time frees up reaches the waitlist: a doctor's decline, a move away, a
room or device back in service sooner (its period removed or shortened), and an
entry leaving while it holds an offer. Each is noted in the writer's transaction and
offered at commit (TASKS_SYNC=1)."""

import datetime

import pytest
import time_machine

from bookings.models import WaitlistOffer, WaitlistOpening
from bookings.services.appointment_changes import appointment_cancel, appointment_reschedule
from bookings.services.reviews import review_decide
from bookings.services.waitlist import WindowWanted, waitlist_join, waitlist_leave
from tests.factories import ResourceOutOfServiceFactory
from tests.spa import (
    NOW,
    TUESDAY,
    add_rooms,
    at,
    book_botox_at,
    book_facial_at,
    client_details,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def join(treatment, email, hours=(9, 17)):
    return waitlist_join(
        treatment=treatment,
        practitioner=None,
        client=client_details(email),
        windows=[WindowWanted(TUESDAY, TUESDAY, datetime.time(hours[0]), datetime.time(hours[1]))],
    )


def test_a_declined_request_frees_its_time(spa, django_capture_on_commit_callbacks):
    request = book_botox_at(spa, at(TUESDAY, 11), email="declined@example.com")
    entry = join(spa.botox, "waiting@example.com", hours=(10, 12))
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(
            review=request.review, user=spa.doctor.user, decision="declined", note="Not today"
        )
    offer = WaitlistOffer.objects.get()
    assert (offer.entry, offer.start, offer.practitioner) == (entry, at(TUESDAY, 11), spa.nurse)


def test_a_move_away_frees_the_old_time(spa, django_capture_on_commit_callbacks):
    moved = book_facial_at(spa, at(TUESDAY, 10), practitioner=spa.esthetician)
    entry = join(spa.facial, "waiting@example.com", hours=(9, 11))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reschedule(appointment=moved, start=at(TUESDAY, 14), by_client=False)
    offer = WaitlistOffer.objects.get()
    assert (offer.entry, offer.start, offer.practitioner) == (
        entry,
        at(TUESDAY, 10),
        spa.esthetician,
    )


def test_a_device_back_in_service_sooner_frees_its_time(spa, django_capture_on_commit_callbacks):
    rooms = add_rooms(spa)
    period = ResourceOutOfServiceFactory(
        resource=rooms.laser, starts_at=at(TUESDAY, 9), ends_at=at(TUESDAY, 17)
    )
    entry = join(rooms.laser_treatment, "laser@example.com", hours=(13, 16))
    with django_capture_on_commit_callbacks(execute=True):
        period.ends_at = at(TUESDAY, 12)  # back at noon: the afternoon is free
        period.save()
    opening, *rest = WaitlistOpening.objects.order_by("pk")
    assert (opening.resource, opening.start, opening.until) == (
        rooms.laser,
        at(TUESDAY, 12),
        at(TUESDAY, 17),
    )
    offer = WaitlistOffer.objects.get()
    assert (offer.entry, offer.start) == (entry, at(TUESDAY, 13))
    assert list(offer.resources.all()) == [rooms.laser]
    # What the offer leaves of the afternoon is freed time of its own.
    assert {(o.resource, o.start, o.until) for o in rest} == {
        (rooms.laser, at(TUESDAY, 12), at(TUESDAY, 13)),
        (rooms.laser, offer.blocked_until, at(TUESDAY, 17)),
    }


def test_a_removed_out_of_service_period_frees_its_time(spa, django_capture_on_commit_callbacks):
    rooms = add_rooms(spa)
    period = ResourceOutOfServiceFactory(
        resource=rooms.laser, starts_at=at(TUESDAY, 9), ends_at=at(TUESDAY, 17)
    )
    join(rooms.laser_treatment, "laser@example.com", hours=(9, 10))
    with django_capture_on_commit_callbacks(execute=True):
        period.delete()
    assert WaitlistOffer.objects.get().start == at(TUESDAY, 9)


def test_leaving_with_an_offer_passes_it_on(spa, django_capture_on_commit_callbacks):
    cancelled = book_facial_at(spa, at(TUESDAY, 10), practitioner=spa.esthetician)
    first = join(spa.facial, "first@example.com", hours=(9, 11))
    second = join(spa.facial, "second@example.com", hours=(9, 11))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=cancelled, by_client=False)
    assert WaitlistOffer.objects.get().entry == first
    with django_capture_on_commit_callbacks(execute=True):
        waitlist_leave(entry=first)
    assert WaitlistOffer.objects.get(entry=first).state == WaitlistOffer.State.WITHDRAWN
    assert WaitlistOffer.objects.get(state=WaitlistOffer.State.HELD).entry == second
