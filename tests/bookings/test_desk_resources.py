"""Rooms and devices at the front desk: the appointment page and list name them, a move
may swap the room (also at the same time), the finder shows and carries each time's
room, and the day schedule shows the day by room and device."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import ResourceAllocation
from bookings.services.appointment_changes import appointment_cancel, appointment_reschedule
from bookings.services.appointments import (
    RESOURCE_TAKEN,
    appointment_book,
    appointment_validate,
)
from bookings.services.intake import ConsentGiven
from tests.factories import (
    PractitionerFactory,
    ResourceOutOfServiceFactory,
    UserFactory,
)
from tests.page_forms import form_data
from tests.spa import (
    CONSENT,
    add_rooms,
    at,
    book_facial,
    client_details,
    intake_answers,
    next_working_day,
)

pytestmark = pytest.mark.django_db
FINDER_URL = "/admin/bookings/appointment/free-times/"
DAY_URL = "/admin/bookings/appointment/day/"


@pytest.fixture
def rooms(spa):
    return add_rooms(spa)


@pytest.fixture
def desk(client, spa):
    user = UserFactory(username="desk", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


def change_url(appointment) -> str:
    return f"/admin/bookings/appointment/{appointment.pk}/change/"


def held(appointment) -> list[str]:
    return list(
        ResourceAllocation.objects.filter(appointment=appointment, holds_time=True)
        .order_by("resource_id")
        .values_list("resource__name", flat=True)
    )


def move_data(desk, appointment, query: str = "", **changes) -> dict:
    """What the appointment page's form posts, as the browser would, with `changes`."""
    page = desk.get(change_url(appointment) + query).content.decode()
    data = {name: values[-1] for name, values in form_data(page, "appointment_form").items()}
    data.update(changes)
    return data


def book_laser(spa, rooms, day, hour: int, email: str = "laser@example.com"):
    return appointment_book(
        treatment=rooms.laser_treatment,
        practitioner=spa.nurse,
        start=at(day, hour),
        client=client_details(email, first_name="Lena"),
        intake=intake_answers(),
        consent=CONSENT,
    )


def test_the_appointment_page_names_its_rooms_and_once_cancelled_what_it_released(desk, spa, rooms):
    day = next_working_day()
    facial = book_facial(spa, 10, "a@example.com", day=day)
    laser = book_laser(spa, rooms, day, 11)
    page = desk.get(change_url(facial)).content.decode()
    assert re.search(r"Rooms and devices:.*?Room 1", page, re.S)
    assert "Laser" in desk.get(change_url(laser)).content.decode()
    appointment_cancel(appointment=facial, by_client=False)
    page = desk.get(change_url(facial)).content.decode()
    assert "Room 1 (released: cancelled)" in page


def test_the_list_names_the_rooms_at_a_fixed_number_of_queries(desk, spa, rooms, monkeypatch):
    monkeypatch.setattr("medspa.sessions.REFRESH_SECONDS", 10**9)
    day = next_working_day()
    book_facial(spa, 10, "a@example.com", day=day)
    url = "/admin/bookings/appointment/"
    desk.get(url)  # the session's first-request writes, out of the way

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = desk.get(url).content.decode()
        assert "in Room 1" in page
        return len(captured)

    small = queries()
    for hour in (12, 14):
        book_facial(spa, hour, f"e{hour}@example.com", day=day)
        book_facial(spa, hour, f"n{hour}@example.com", day=day, practitioner=spa.nurse)
    book_laser(spa, rooms, day, 9)
    assert queries() == small


def test_a_move_to_room_2_at_the_same_time_swaps_the_room_and_writes_history(desk, spa, rooms):
    appointment = book_facial(spa, 10, "a@example.com")
    assert held(appointment) == ["Room 1"]
    data = move_data(desk, appointment, resource=rooms.room_2.pk)
    response = desk.post(change_url(appointment), data, follow=True)
    assert response.redirect_chain, response.content.decode()[:3000]
    assert "10:00 AM with Ella Esthetician, in Room 2." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == at(next_working_day(), 10)
    assert held(appointment) == ["Room 2"]
    moved = appointment.events.get(action="moved")
    assert moved.user == desk.user
    assert "Room 1 to " in moved.detail and moved.detail.endswith("Room 2")


def test_a_move_to_a_busy_room_is_refused_with_its_name(desk, spa, rooms):
    day = next_working_day()
    first = book_facial(spa, 10, "a@example.com", day=day)
    book_facial(spa, 10, "b@example.com", day=day, practitioner=spa.nurse)  # takes Room 2
    desk.raise_request_exception = False
    response = desk.post(change_url(first), move_data(desk, first, resource=rooms.room_2.pk))
    assert response.status_code == 200
    assert "Room 2 is not free at that time." in response.content.decode()
    assert held(first) == ["Room 1"]


def test_a_time_without_a_free_room_is_refused_for_the_room_not_the_practitioner(desk, spa, rooms):
    day = next_working_day()
    first = book_facial(spa, 10, "a@example.com", day=day)
    book_facial(spa, 14, "b@example.com", day=day, practitioner=spa.nurse)  # Room 1
    ResourceOutOfServiceFactory(resource=rooms.room_2, starts_at=at(day, 13), ends_at=at(day, 16))
    response = desk.post(change_url(first), move_data(desk, first, start_time="14:00"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "No room or device this treatment needs is free at that time." in page
    assert "already booked for this practitioner" not in page
    first.refresh_from_db()
    assert first.start == at(day, 10)


def test_online_a_missing_room_reads_as_a_taken_time(spa, rooms):
    day = next_working_day()
    book_facial(spa, 10, "a@example.com", day=day)
    book_facial(spa, 10, "b@example.com", day=day, practitioner=spa.nurse)
    third = PractitionerFactory(qualified_treatments=[spa.facial])
    third.working_hours.create(
        weekday=day.weekday(), starts_at=at(day, 9).time(), ends_at=at(day, 17).time()
    )
    with pytest.raises(ValidationError) as refused:
        appointment_validate(
            treatment=spa.facial,
            practitioner=third,
            start=at(day, 10),
            consent=ConsentGiven(given=True),
        )
    [item] = refused.value.error_dict["start"]
    assert item.code == RESOURCE_TAKEN and "just taken" in item.message


def test_the_service_refuses_a_room_the_treatment_does_not_use(spa, rooms):
    appointment = book_facial(spa, 10, "a@example.com")
    with pytest.raises(ValidationError, match="not one this treatment uses"):
        appointment_reschedule(
            appointment=appointment,
            start=appointment.start,
            by_client=False,
            resources=frozenset({rooms.laser.pk}),
        )
    assert held(appointment) == ["Room 1"]


def test_the_finder_shows_each_times_room_and_a_pick_carries_it_to_the_move(desk, spa, rooms):
    day = next_working_day()
    appointment = book_facial(spa, 10, "a@example.com", day=day)
    page = desk.get(FINDER_URL, {"move": appointment.pk}).content.decode()
    assert "in Room 1" in page  # where it is now
    assert '10:00 AM<span class="free-times__where"> Room 1</span>' in page
    links = re.findall(rf'href="{change_url(appointment)}\?([^"]+)"', page)
    assert links and all(f"resource={rooms.room_1.pk}" in link for link in links)

    # Move to Room 2 at the same time: the finder, asked for Room 2, then the form.
    page = desk.get(
        FINDER_URL, {"move": appointment.pk, "resource": rooms.room_2.pk}
    ).content.decode()
    links = re.findall(rf'href="{change_url(appointment)}\?([^"]+)"', page)
    assert links and all(f"resource={rooms.room_2.pk}" in link for link in links)
    same_time = next(
        link.replace("&amp;", "&")
        for link in links
        if "start_time=10%3A00" in link and "new_practitioner" not in link
    )
    data = move_data(desk, appointment, "?" + same_time)
    assert data["resource"] == str(rooms.room_2.pk) and data["start_time"] == "10:00"
    assert desk.post(change_url(appointment), data).status_code == 302
    assert held(appointment) == ["Room 2"]


def test_a_rooms_name_is_escaped_wherever_the_desk_reads_it(desk, spa, rooms):
    day = next_working_day()
    appointment = book_facial(spa, 10, "a@example.com", day=day)
    rooms.room_1.name = "<script>alert(1)</script>"
    rooms.room_1.save()
    for url in (
        change_url(appointment),
        "/admin/bookings/appointment/",
        f"{FINDER_URL}?move={appointment.pk}",
        f"/admin/bookings/appointment/day/?date={day}&by=resource",
    ):
        page = desk.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
