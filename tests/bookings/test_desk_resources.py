"""Rooms and devices at the front desk: the appointment page and list name them, a move
may swap the room (also at the same time), the finder shows and carries each time's
room, and the day schedule shows the day by room and device."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import ResourceAllocation
from bookings.services.appointment_changes import appointment_cancel
from bookings.services.appointments import (
    appointment_book,
)
from tests.factories import (
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
