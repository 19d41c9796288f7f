"""The day schedule by room and device (?by=resource): a column for each room and device
with the visits holding it, cleanup included, and its out-of-service periods in the
spa's time; a fixed number of queries whatever the day holds."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.selectors.day_schedule import resource_day_schedule
from bookings.services.appointment_changes import appointment_cancel
from bookings.services.appointments import appointment_book
from tests.factories import (
    PractitionerFactory,
    ResourceFactory,
    ResourceNeedFactory,
    ResourceOutOfServiceFactory,
    UserFactory,
)
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
DAY_URL = "/admin/bookings/appointment/day/"


@pytest.fixture
def rooms(spa):
    return add_rooms(spa)


@pytest.fixture
def desk(client, spa):
    client.force_login(UserFactory(username="desk", is_staff=True, is_superuser=True))
    return client


def book_laser(spa, rooms, day, hour: int):
    return appointment_book(
        treatment=rooms.laser_treatment,
        practitioner=spa.nurse,
        start=at(day, hour),
        client=client_details("lena@example.com", first_name="Lena"),
        intake=intake_answers(),
        consent=CONSENT,
    )


def test_the_day_by_room_and_device(desk, spa, rooms):
    day = next_working_day()
    ava = book_facial(spa, 10, "ava@example.com", day=day, first_name="Ava")
    book_facial(spa, 10, "bea@example.com", day=day, practitioner=spa.nurse, first_name="Bea")
    gone = book_facial(spa, 14, "cid@example.com", day=day, first_name="Cid")
    appointment_cancel(appointment=gone, by_client=False)
    book_laser(spa, rooms, day, 15)
    ResourceOutOfServiceFactory(
        resource=rooms.laser,
        starts_at=at(day, 11),
        ends_at=at(day, 12, 30),
        reason="<script>alert(1)</script>",
    )
    response = desk.get(DAY_URL, {"date": day.isoformat(), "by": "resource"})
    schedule = response.context["schedule"]
    assert [r.name for r in schedule.resources] == ["Room 1", "Room 2", "Laser"]
    by_column: dict[str, list[str]] = {r.name: [] for r in schedule.resources}
    for row in schedule.rows:
        for resource, cell in zip(schedule.resources, row.cells, strict=True):
            if cell is not None and cell.appointment is not None:
                by_column[resource.name].append(cell.appointment.client_first_name)
    assert by_column == {"Room 1": ["Ava"], "Room 2": ["Bea"], "Laser": ["Lena"]}
    page = response.content.decode()
    assert "Out of service 11:00 AM to 12:30 PM: &lt;script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert 'aria-current="page">By room &amp; device' in page
    # Held for the 15 minutes of cleanup after the facial.
    assert "cleanup until 11:15 AM" in page
    assert f"/admin/bookings/appointment/{ava.pk}/change/" in page
    # The practitioner view stays the default.
    assert desk.get(DAY_URL, {"date": day.isoformat()}).context["by"] == ""


def test_check_in_from_the_day_by_room_comes_back_to_it(desk, spa, rooms):
    appointment = book_facial(spa, 10, "a@example.com")
    response = desk.post(
        f"/admin/bookings/appointment/{appointment.pk}/status/",
        {"status": "checked_in", "next": "day", "by": "resource"},
    )
    assert response.status_code == 302 and response["Location"].endswith("&by=resource")


def _grow(spa, rooms, day, size: int) -> None:
    """More rooms, practitioners and facials that day, and a period out of service."""
    need = spa.facial.resource_needs.get()
    for n in range(size):
        room = ResourceFactory(name=f"Extra room {n}")
        need.resources.add(room)
        person = PractitionerFactory(qualified_treatments=[spa.facial])
        person.working_hours.create(
            weekday=day.weekday(), starts_at=at(day, 8).time(), ends_at=at(day, 20).time()
        )
        for hour in (8, 10, 12, 14, 16, 18):
            book_facial(spa, hour, f"g{n}-{hour}@example.com", day=day, practitioner=person)
        ResourceOutOfServiceFactory(resource=room, starts_at=at(day, 19), ends_at=at(day, 20))


def test_the_day_by_room_costs_fixed_queries(
    desk, spa, rooms, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr("medspa.sessions.REFRESH_SECONDS", 10**9)
    day = next_working_day()
    book_facial(spa, 10, "a@example.com", day=day)
    url = f"{DAY_URL}?date={day}&by=resource"
    desk.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(url).status_code == 200
        return len(captured)

    small = queries()
    # The rooms and devices, the day's count, the allocations, the out-of-service periods.
    with django_assert_num_queries(4):
        resource_day_schedule(day)
    _grow(spa, rooms, day, 6)
    assert queries() == small
    with django_assert_num_queries(4):
        schedule = resource_day_schedule(day)
    assert schedule.count == 1 + 6 * 6


def test_the_day_by_room_is_for_staff_only(client, spa, rooms):
    url = f"{DAY_URL}?by=resource"
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    client.force_login(UserFactory(username="no-rights", is_staff=True))
    assert client.get(url).status_code == 403


def test_a_visit_holding_a_room_and_the_laser_shows_in_both_checked_in_from_the_first(
    desk, spa, rooms
):
    ResourceNeedFactory(
        treatment=rooms.laser_treatment, label="a room", resources=[rooms.room_1, rooms.room_2]
    )
    day = next_working_day()
    book_laser(spa, rooms, day, 11)
    page = desk.get(DAY_URL, {"date": day.isoformat(), "by": "resource"}).content.decode()
    cells = re.findall(r'<td rowspan="\d+" class="slot slot-appointment[^"]*">.*?</td>', page, re.S)
    assert len(cells) == 2 and all("Lena Client" in cell for cell in cells)
    first, repeat = cells
    assert "in Room 1, Laser" in first and "Check-in opens at" in first  # days ahead
    assert "slot-repeat" in repeat and "Check in" not in repeat and "Check-in" not in repeat


def test_out_of_service_over_a_booked_visit_is_flagged_and_longer_periods_name_their_days(
    desk, spa, rooms
):
    day = next_working_day()
    book_laser(spa, rooms, day, 11)
    ResourceOutOfServiceFactory(
        resource=rooms.laser,
        starts_at=at(day, 11, 15),
        ends_at=at(day + datetime.timedelta(days=2), 9),
        reason="Repair",
    )
    page = desk.get(DAY_URL, {"date": day.isoformat(), "by": "resource"}).content.decode()
    assert "Out of service during this visit" in page
    later = day + datetime.timedelta(days=2)
    assert (
        f"Out of service 11:15 AM to {later:%a} {later.day} {later:%b %Y}, 9:00 AM: Repair" in page
    )
