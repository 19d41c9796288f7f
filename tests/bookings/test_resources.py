"""Rooms and devices, through the services and the availability API: what is offered
is what is booked, a held device or room is never offered twice, cancelling or
declining frees it, and a move may swap the room."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.availability import TAKEN_MESSAGE, Policy
from bookings.models import Appointment, AppointmentEvent, ResourceAllocation, Review
from bookings.selectors.booking import available_slots
from bookings.services.appointment_changes import appointment_cancel, appointment_reschedule
from bookings.services.appointments import appointment_book
from bookings.services.reviews import review_decide
from tests.factories import PractitionerFactory, ResourceFactory, TreatmentFactory, needs
from tests.spa import NOW, TUESDAY, at, book_botox_at, client_details, next_working_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(spa):
    """Two treatment rooms that the facial and Botox need; a HydraFacial that also needs
    the spa's one HydraFacial machine, performed by the nurse and the esthetician."""
    one, two = ResourceFactory(name="Room 1"), ResourceFactory(name="Room 2")
    machine = ResourceFactory(name="HydraFacial machine", kind="device")
    needs(spa.facial, "a treatment room", one, two)
    needs(spa.botox, "a treatment room", one, two)
    hydrafacial = TreatmentFactory(
        name="HydraFacial", slug="hydrafacial", duration_minutes=45, buffer_minutes=15
    )
    needs(hydrafacial, "a treatment room", one, two)
    needs(hydrafacial, "the HydraFacial machine", machine)
    spa.nurse.qualified_treatments.add(hydrafacial)
    spa.esthetician.qualified_treatments.add(hydrafacial)
    return one, two, machine, hydrafacial


def book(treatment, practitioner, start, email="mia@example.com") -> Appointment:
    return appointment_book(
        treatment=treatment,
        practitioner=practitioner,
        start=start,
        client=client_details(email),
        now=NOW,
    )


def offered(treatment, practitioner=None) -> dict[datetime.datetime, list[tuple[int, str]]]:
    """Start -> resources of each slot offered on Tuesday (one practitioner, or any)."""
    return {
        slot.start: list(slot.resources)
        for slot in available_slots(
            treatment,
            first_day=TUESDAY,
            days=1,
            now=NOW,
            policy=Policy.from_settings(treatment),
            practitioner_id=practitioner.pk if practitioner else None,
        )
    }


def held(appointment: Appointment) -> list[str]:
    return [
        allocation.resource.name
        for allocation in appointment.allocations.filter(holds_time=True).order_by("resource")
    ]


def test_what_is_offered_is_what_is_booked(spa, rooms):
    one, _two, machine, hydrafacial = rooms
    shown = offered(hydrafacial, spa.nurse)[at(TUESDAY, 10)]
    assert shown == [(one.pk, "Room 1"), (machine.pk, "HydraFacial machine")]
    appointment = book(hydrafacial, spa.nurse, at(TUESDAY, 10))
    assert held(appointment) == ["Room 1", "HydraFacial machine"]
    allocation = appointment.allocations.get(resource=machine)
    # The buffer is held too: the machine is cleaned before the next client.
    assert (allocation.start, allocation.blocked_until) == (at(TUESDAY, 10), at(TUESDAY, 11))


def test_a_device_held_by_another_practitioner_is_not_offered_or_booked(spa, rooms):
    *_, hydrafacial = rooms
    book(hydrafacial, spa.nurse, at(TUESDAY, 10))
    free = offered(hydrafacial, spa.esthetician)
    assert at(TUESDAY, 10) not in free and at(TUESDAY, 10, 15) not in free
    assert at(TUESDAY, 9) in free and at(TUESDAY, 11) in free  # 10:00 + 45 + 15
    with pytest.raises(ValidationError, match="just taken"):
        book(hydrafacial, spa.esthetician, at(TUESDAY, 10, 30), email="other@example.com")
    # A facial needs only a room: room 2 is free at 10:00.
    assert offered(spa.facial, spa.esthetician)[at(TUESDAY, 10)] == [(rooms[1].pk, "Room 2")]


def test_a_room_freed_by_a_cancellation_is_offered_again(spa, rooms):
    third = PractitionerFactory(qualified_treatments=[spa.facial])
    for weekday in range(6):
        third.working_hours.create(
            weekday=weekday, starts_at=datetime.time(9), ends_at=datetime.time(17)
        )
    first = book(spa.facial, spa.nurse, at(TUESDAY, 10))
    book(spa.facial, spa.esthetician, at(TUESDAY, 10), email="b@example.com")
    assert at(TUESDAY, 10) not in offered(spa.facial, third)  # both rooms are held
    with pytest.raises(ValidationError, match="just taken"):
        book(spa.facial, third, at(TUESDAY, 10), email="c@example.com")

    appointment_cancel(appointment=first, by_client=False, now=NOW)
    assert held(first) == [] and first.allocations.get().holds_time is False
    assert offered(spa.facial, third)[at(TUESDAY, 10)] == [(rooms[0].pk, "Room 1")]
    assert held(book(spa.facial, third, at(TUESDAY, 10), email="c@example.com")) == ["Room 1"]


def test_a_declined_medical_booking_frees_its_room(spa, rooms):
    appointment = book_botox_at(spa, at(TUESDAY, 10), now=NOW)
    assert held(appointment) == ["Room 1"]
    review_decide(
        review=Review.objects.get(appointment=appointment),
        user=spa.doctor.user,
        decision="declined",
        note="Not suitable",
    )
    assert held(appointment) == []
    assert offered(spa.facial, spa.esthetician)[at(TUESDAY, 10)] == [(rooms[0].pk, "Room 1")]


def test_an_out_of_service_period_removes_the_times_and_refuses_them(spa, rooms):
    *_, machine, hydrafacial = rooms
    machine.out_of_service.create(
        starts_at=at(TUESDAY, 9), ends_at=at(TUESDAY, 13), reason="Annual service"
    )
    free = offered(hydrafacial)
    assert min(free) == at(TUESDAY, 13)
    with pytest.raises(ValidationError) as refused:
        book(hydrafacial, spa.nurse, at(TUESDAY, 11))
    assert TAKEN_MESSAGE in refused.value.messages
    assert not Appointment.objects.exists()


def test_a_resource_taken_out_of_use_is_never_picked(spa, rooms):
    one, *_ = rooms
    one.is_active = False
    one.save()
    assert held(book(spa.facial, spa.nurse, at(TUESDAY, 10))) == ["Room 2"]
    with pytest.raises(ValidationError, match="just taken"):
        book(spa.facial, spa.esthetician, at(TUESDAY, 10), email="b@example.com")


def test_a_move_takes_new_rooms_and_frees_the_old_ones(spa, rooms):
    one, two, machine, hydrafacial = rooms
    appointment = book(hydrafacial, spa.nurse, at(TUESDAY, 10))
    appointment_reschedule(appointment=appointment, start=at(TUESDAY, 14), by_client=True, now=NOW)
    assert held(appointment) == ["Room 1", "HydraFacial machine"]
    assert {a.start for a in appointment.allocations.all()} == {at(TUESDAY, 14)}
    book(hydrafacial, spa.esthetician, at(TUESDAY, 10), email="b@example.com")  # freed


def test_the_front_desk_swaps_the_room_at_the_same_time(spa, rooms):
    one, two, *_ = rooms
    appointment = book(spa.facial, spa.nurse, at(TUESDAY, 10))
    with pytest.raises(ValidationError, match="already the time"):
        appointment_reschedule(
            appointment=appointment, start=at(TUESDAY, 10), by_client=False, now=NOW
        )
    appointment_reschedule(
        appointment=appointment,
        start=at(TUESDAY, 10),
        resources=frozenset({two.pk}),
        by_client=False,
        now=NOW,
    )
    assert held(appointment) == ["Room 2"]
    moved = appointment.events.get(action=AppointmentEvent.Action.MOVED)
    assert "Room 1" in moved.detail and moved.detail.endswith("Room 2")
    # The room it left is free for someone else at that time.
    assert held(book(spa.facial, spa.esthetician, at(TUESDAY, 10), email="b@example.com")) == [
        "Room 1"
    ]


def test_a_room_the_treatment_does_not_use_is_refused(spa, rooms):
    *_, machine, _hydrafacial = rooms
    appointment = book(spa.facial, spa.nurse, at(TUESDAY, 10))
    with pytest.raises(ValidationError, match="not one this treatment uses"):
        appointment_reschedule(
            appointment=appointment,
            start=at(TUESDAY, 11),
            resources=frozenset({machine.pk}),
            by_client=False,
            now=NOW,
        )
    assert held(appointment) == ["Room 1"] and appointment.allocations.count() == 1


def test_the_availability_json_lists_the_resources(client, spa, rooms, settings):
    one, _two, machine, hydrafacial = rooms
    day = next_working_day()
    body = client.get(f"/api/availability/?treatment=hydrafacial&date={day}").json()
    assert body["slots"][0]["resources"] == [
        {"id": one.pk, "name": "Room 1"},
        {"id": machine.pk, "name": "HydraFacial machine"},
    ]


def test_availability_costs_the_same_queries_with_many_allocations(client, spa, rooms):
    *_, hydrafacial = rooms
    day = next_working_day()
    url = f"/api/availability/?treatment=hydrafacial&date={day}&days=14"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    for offset in range(14):
        when = day + datetime.timedelta(days=offset)
        if when.weekday() == 6:
            continue
        for hour in (9, 11, 13, 15):
            for who in (spa.nurse, spa.esthetician):
                appointment_book(
                    treatment=spa.facial,
                    practitioner=who,
                    start=at(when, hour),
                    client=client_details(f"{who.pk}-{offset}-{hour}@example.com"),
                )
    assert ResourceAllocation.objects.filter(holds_time=True).count() >= 90
    # The treatment with its roles, needs and their resources 5 (no contraindications to
    # load), practitioners and hours 2, their busy time 1, the rooms' and devices' 1.
    assert count() == small == 9


def test_rooms_changed_behind_the_orm_are_obeyed_by_the_next_booking(spa, rooms):
    """Decisions read the database under the locks: nothing is kept between requests."""
    one, two, machine, hydrafacial = rooms
    Resource = type(one)
    Resource.objects.filter(pk=one.pk).update(is_active=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO treatments_resourceoutofservice (resource_id, starts_at, ends_at, reason)"
            " VALUES (%s, %s, %s, '')",
            [two.pk, at(TUESDAY, 9), at(TUESDAY, 12)],
        )
    assert min(offered(spa.facial)) == at(TUESDAY, 12)
    with pytest.raises(ValidationError, match="just taken"):
        book(spa.facial, spa.nurse, at(TUESDAY, 10))
    assert held(book(spa.facial, spa.nurse, at(TUESDAY, 12))) == ["Room 2"]
