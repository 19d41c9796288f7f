"""G9 dates: the spa zone's next daylight-saving changes (computed from zoneinfo, never
hard-coded). A practitioner works 00:00-04:00 on those days: every offered slot is a
real instant on the local 15-minute grid, lasts exactly the treatment's duration, fits
the working block, books at exactly the instant offered, and nothing past the booking
window is accepted."""

import datetime

import pytest
from django.conf import settings as django_settings

from bookings.models import Appointment
from tests.factories import WorkingHoursFactory
from tests.security.helpers import facial_post, figure
from tests.spa import NY

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def _next_transitions(zone=NY) -> dict[str, datetime.date]:
    """The next day the clocks go forward and the next day they go back."""
    found: dict[str, datetime.date] = {}
    day = datetime.datetime.now(zone).date() + datetime.timedelta(days=1)
    for _ in range(800):
        start = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone).utcoffset()
        end = datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=zone).utcoffset()
        if end > start:
            found.setdefault("spring-forward", day)
        elif end < start:
            found.setdefault("fall-back", day)
        if len(found) == 2:
            return found
        day += datetime.timedelta(days=1)
    raise AssertionError(f"{zone} has no daylight-saving changes")


def _block(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """00:00 and 04:00 local on that day, as real instants (fold=0: the first 04:00)."""
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=NY).astimezone(UTC)
    end = datetime.datetime.combine(day, datetime.time(4), tzinfo=NY).astimezone(UTC)
    return start, end


def _real_local(moment: datetime.datetime) -> bool:
    """The instant names a local time that exists and means that same instant."""
    local = moment.astimezone(NY)
    again = datetime.datetime.combine(local.date(), local.time(), tzinfo=NY).replace(
        fold=local.fold
    )
    return again.astimezone(UTC) == moment.astimezone(UTC)


@pytest.mark.parametrize("change", ["spring-forward", "fall-back"])
def test_slots_and_bookings_across_a_daylight_saving_change(client, spa, settings, change):
    day = _next_transitions()[change]
    settings.BOOKING_MAX_ADVANCE_DAYS = (day - datetime.datetime.now(NY).date()).days + 30
    WorkingHoursFactory(
        practitioner=spa.esthetician,
        weekday=day.weekday(),
        starts_at=datetime.time(0),
        ends_at=datetime.time(4),
    )
    response = client.get(
        "/api/availability/",
        {"treatment": spa.facial.slug, "date": day.isoformat(), "practitioner": spa.esthetician.pk},
    )
    assert response.status_code == 200, response.content
    slots = response.json()["slots"]
    duration = datetime.timedelta(minutes=spa.facial.duration_minutes)
    buffer = datetime.timedelta(minutes=spa.facial.buffer_minutes)
    block_start, block_end = _block(day)
    shifted = wrong_duration = outside = off_grid = 0
    starts = []
    for slot in slots:
        start = datetime.datetime.fromisoformat(slot["start"])
        end = datetime.datetime.fromisoformat(slot["end"])
        starts.append(start.astimezone(UTC))
        shifted += not _real_local(start) or start.utcoffset() != start.astimezone(NY).utcoffset()
        wrong_duration += end - start != duration
        outside += not (block_start <= start and end + buffer <= block_end)
        off_grid += start.astimezone(NY).minute % django_settings.BOOKING_SLOT_MINUTES != 0
    duplicates = len(starts) - len(set(starts))
    # Book the first, a middle and the last slot offered: stored at exactly that instant.
    booked_wrong = 0
    chosen = {0, len(slots) // 2, len(slots) - 1} if slots else set()
    taken: list[datetime.datetime] = []
    for n, index in enumerate(sorted(chosen)):
        start = datetime.datetime.fromisoformat(slots[index]["start"])
        if any(start < t + duration + buffer and t < start + duration + buffer for t in taken):
            continue
        data = facial_post(spa, day, email=f"dst{n}@example.com", start=slots[index]["start"])
        posted = client.post(f"/book/{spa.facial.slug}/", data)
        if posted.status_code != 302:
            booked_wrong += 1
            continue
        taken.append(start)
        appointment = Appointment.objects.get(client_email=f"dst{n}@example.com")
        ics = client.get(appointment.get_absolute_url() + "calendar.ics").content.decode()
        booked_wrong += appointment.start != start
        booked_wrong += appointment.end - appointment.start != duration
        booked_wrong += f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}" not in ics
    # Real minutes in the 00:00-04:00 block: 180 (spring), 300 (fall).
    real_minutes = int((block_end - block_start).total_seconds() // 60)
    figure(
        f"G9 change={change} day={day} block_real_minutes={real_minutes} slots={len(slots)} "
        f"shifted={shifted} wrong_duration={wrong_duration} outside_hours={outside} "
        f"off_grid={off_grid} duplicates={duplicates} booked={len(taken)} "
        f"booked_wrong={booked_wrong}"
    )
    assert slots, "no slot offered on the change day"
    assert real_minutes == (180 if change == "spring-forward" else 300)
    assert (shifted, wrong_duration, outside, off_grid, duplicates, booked_wrong) == (
        0,
        0,
        0,
        0,
        0,
        0,
    )
    assert taken


@pytest.mark.parametrize("change", ["spring-forward", "fall-back"])
def test_nothing_past_the_booking_window_is_accepted(client, spa, settings, change):
    """With the window ending the day before the change, the change day is refused."""
    day = _next_transitions()[change]
    today = datetime.datetime.now(NY).date()
    settings.BOOKING_MAX_ADVANCE_DAYS = (day - today).days - 1
    WorkingHoursFactory(
        practitioner=spa.esthetician,
        weekday=day.weekday(),
        starts_at=datetime.time(0),
        ends_at=datetime.time(4),
    )
    start = datetime.datetime.combine(day, datetime.time(1), tzinfo=NY)
    api = client.get("/api/availability/", {"treatment": spa.facial.slug, "date": day.isoformat()})
    posted = client.post(
        f"/book/{spa.facial.slug}/", facial_post(spa, day, start=start.isoformat())
    )
    # The last day inside the window, at 23:59 local, seen from UTC, is still the day
    # before: a late-evening start there (past midnight UTC) must still be accepted by
    # the day in the spa's zone, not refused or accepted by the UTC date.
    accepted = Appointment.objects.count()
    figure(
        f"G9 window change={change} day={day} max_advance_days="
        f"{settings.BOOKING_MAX_ADVANCE_DAYS} api_status={api.status_code} "
        f"post_status={posted.status_code} accepted_past_window={accepted}"
    )
    assert api.status_code == 400
    assert posted.status_code == 200 and "days ahead" in posted.content.decode()
    assert accepted == 0
