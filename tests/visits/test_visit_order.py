"""Issue 17, part 2: visits happen in order. Check-in opens CHECK_IN_OPENS_MINUTES (60)
before the start; complete and no-show only after it; a visit still waiting for the
doctor can be checked in but not completed; the admin offers only what is allowed now,
greying the rest out with the reason. The clock is pinned at the awkward moments."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from bookings.services.reviews import review_decide
from bookings.services.visits import appointment_set_status, status_change_problem
from tests.security.helpers import front_desk_user
from tests.spa import NY, at, book_botox_at, book_facial_at

pytestmark = pytest.mark.django_db
DAY = datetime.date(2027, 6, 8)  # a Tuesday
BOOKED_AT = datetime.datetime(2027, 6, 1, 9, 0, tzinfo=NY)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def facial(spa):
    with time_machine.travel(BOOKED_AT, tick=False):
        return book_facial_at(spa, at(DAY, 11))


@pytest.fixture
def botox(spa):
    with time_machine.travel(BOOKED_AT, tick=False):
        return book_botox_at(spa, at(DAY, 11))


def _set(appointment, status, now):
    with time_machine.travel(now, tick=False):
        return appointment_set_status(appointment=appointment, status=status, now=now)


def test_at_3_am_an_11_oclock_visit_can_be_neither_checked_in_nor_completed(facial):
    three_am = at(DAY, 3)
    with pytest.raises(ValidationError, match="Check-in opens at 10:00 AM, 60 minutes before"):
        _set(facial, "checked_in", three_am)
    with pytest.raises(ValidationError, match="Check the client in first"):
        _set(facial, "completed", three_am)
    with pytest.raises(ValidationError, match="once the visit has started, at 11:00 AM"):
        _set(facial, "no_show", three_am)
    facial.refresh_from_db()
    assert facial.status == "confirmed"


def test_check_in_opens_an_hour_before_and_completion_waits_for_the_start(facial):
    with pytest.raises(ValidationError, match="Check-in opens"):
        _set(facial, "checked_in", at(DAY, 10) - MINUTE)
    _set(facial, "checked_in", at(DAY, 10))
    with pytest.raises(ValidationError, match="once the visit has started"):
        _set(facial, "completed", at(DAY, 11) - MINUTE)
    assert _set(facial, "completed", at(DAY, 11)).status == "completed"


def test_a_no_show_only_after_the_start(facial):
    with pytest.raises(ValidationError, match="once the visit has started"):
        _set(facial, "no_show", at(DAY, 11) - MINUTE)
    assert _set(facial, "no_show", at(DAY, 11) + MINUTE).status == "no_show"


def test_a_visit_waiting_for_the_doctor_is_checked_in_but_not_completed(spa, botox):
    spa.doctor.phone = "(212) 555-0177"
    spa.doctor.save()
    assert _set(botox, "checked_in", at(DAY, 10, 30)).status == "checked_in"
    with pytest.raises(ValidationError, match=r"Dr\. Reyes.*\(212\) 555-0177"):
        _set(botox, "completed", at(DAY, 11, 40))
    botox.refresh_from_db()
    review_decide(review=botox.review, user=spa.doctor.user, decision="approved")
    botox.refresh_from_db()
    assert botox.status == "checked_in"  # approval keeps the client checked in
    assert _set(botox, "completed", at(DAY, 11, 40)).status == "completed"


@pytest.mark.parametrize("change", ["spring-forward", "fall-back"])
def test_the_check_in_window_is_an_hour_of_real_time_across_a_clock_change(spa, change):
    # 2027: clocks spring forward on 14 March and fall back on 7 November, at 02:00.
    day = datetime.date(2027, 3, 14) if change == "spring-forward" else datetime.date(2027, 11, 7)
    for weekday in range(7):
        spa.esthetician.working_hours.update_or_create(
            weekday=weekday,
            defaults={"starts_at": datetime.time(0), "ends_at": datetime.time(8)},
        )
    booked = datetime.datetime.combine(day - datetime.timedelta(days=10), datetime.time(9), NY)
    with time_machine.travel(booked, tick=False):
        early = book_facial_at(spa, at(day, 3, 30), practitioner=spa.esthetician)
    opens = early.start - datetime.timedelta(hours=1)
    assert status_change_problem(early, "checked_in", opens - MINUTE) is not None
    assert status_change_problem(early, "checked_in", opens) is None


def test_the_admin_offers_only_what_is_allowed_now_and_says_why(client, facial):
    desk = front_desk_user()
    url = f"/admin/bookings/appointment/{facial.pk}/change/"
    with time_machine.travel(at(DAY, 3), tick=False):
        client.force_login(desk)
        page = client.get(url).content.decode()
        day = client.get(f"/admin/bookings/appointment/day/?date={DAY}").content.decode()
    assert 'disabled aria-describedby="why-checked_in"' in page
    assert "Check-in opens at 10:00 AM, 60 minutes before the start." in page
    assert (
        "Check-in opens at 10:00 AM" in day
        and 'value="checked_in"' not in day.split("Check-in opens")[0][-400:]
    )
    with time_machine.travel(at(DAY, 10, 15), tick=False):
        client.force_login(desk)
        page = client.get(url).content.decode()
    assert 'disabled aria-describedby="why-checked_in"' not in page
    assert "cannot become" not in page
