"""Availability and the booking page cost the same number of queries at any data size.

Free times are computed from the database on every request, so a repeat costs what
the first request cost.
"""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Appointment, Client
from practitioners.hours import opening_hours
from tests.factories import (
    PractitionerFactory,
    SupervisionAgreementFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)
from tests.spa import NY, at, next_working_day

pytestmark = pytest.mark.django_db


def grow(spa, practitioners: int, appointments_each: int) -> None:
    """More qualified staff, each with working hours, time off, agreements and bookings."""
    client = Client.objects.create(
        first_name="Bulk", last_name="Client", email="bulk@example.com", phone="1"
    )
    first_day = next_working_day()
    rows = []
    for index in range(practitioners):
        person = PractitionerFactory(qualified_treatments=[spa.facial, spa.botox])
        for weekday in range(6):
            WorkingHoursFactory(
                practitioner=person,
                weekday=weekday,
                starts_at=datetime.time(8),
                ends_at=datetime.time(20),
            )
        SupervisionAgreementFactory(practitioner=person, physician=spa.doctor)
        TimeOffFactory(practitioner=person, starts_at=at(first_day, 12), ends_at=at(first_day, 13))
        slots = itertools.islice(
            (
                (first_day + datetime.timedelta(days=day), hour)
                for day in range(-20, 20)
                for hour in range(8, 19)
            ),
            appointments_each,
        )
        for day, hour in slots:
            start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=NY)
            rows.append(
                Appointment(
                    client=client,
                    treatment=spa.facial,
                    practitioner=person,
                    start=start,
                    end=start + datetime.timedelta(minutes=30),
                    blocked_until=start + datetime.timedelta(minutes=45),
                    price=spa.facial.price,
                    status="confirmed",
                    token=f"bulk-{index}-{start.timestamp():.0f}-padding-to-be-long",
                )
            )
    Appointment.objects.bulk_create(rows)


def count_queries(client, url: str) -> tuple[int, int]:
    """Queries of the first request and of a repeat (the same: nothing is kept)."""
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        counts.append(len(queries))
    return counts[0], counts[1]


@pytest.mark.parametrize("days", [1, 31])
@pytest.mark.parametrize("treatment", ["facial", "botox"])
def test_availability_query_count_does_not_grow(client, spa, days, treatment):
    slug = getattr(spa, treatment).slug
    url = f"/api/availability/?treatment={slug}&date={next_working_day()}&days={days}"
    small = count_queries(client, url)
    grow(spa, practitioners=6, appointments_each=120)
    large = count_queries(client, url)
    print(f"availability {treatment} days={days} queries small={small} large={large}")
    assert small == large
    # The treatment 4 (with its rooms and devices needed: none here), practitioners and
    # their hours 2, time off and appointments 1, and for medical the supervision
    # agreements 3 (with their treatments and physicians).
    assert large == ((10, 10) if treatment == "botox" else (7, 7))


@pytest.mark.parametrize("treatment", ["facial", "botox"])
def test_booking_page_query_count_does_not_grow(client, spa, treatment):
    slug = getattr(spa, treatment).slug
    start = at(next_working_day(), 10).isoformat()
    url = f"/book/{slug}/?start={start}"
    # The footer's opening hours: one query, then kept for a minute (practitioners/hours.py).
    opening_hours()
    small = count_queries(client, url)
    grow(spa, practitioners=6, appointments_each=120)
    large = count_queries(client, url)
    print(f"booking page {treatment} queries small={small} large={large}")
    assert small == large
    assert large[0] == large[1] <= 12
