"""Issue 17, part 3: a medical booking waits for the doctor, so it needs
MEDICAL_MIN_NOTICE_HOURS (24) of notice; day-spa ones keep BOOKING_MIN_NOTICE_HOURS."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from bookings.availability import Policy
from bookings.selectors.booking import available_slots
from tests.spa import NOW, at, book_botox_at, book_facial_at

pytestmark = pytest.mark.django_db
MONDAY = NOW.date()
TUESDAY = MONDAY + datetime.timedelta(days=1)
MONDAY_0930 = at(MONDAY, 9, 30)


@pytest.fixture(autouse=True)
def monday_half_past_nine():
    with time_machine.travel(MONDAY_0930, tick=False):
        yield


def test_a_medical_booking_needs_24_hours_notice(spa):
    with pytest.raises(ValidationError, match="at least 24 hours' notice"):
        book_botox_at(spa, at(TUESDAY, 9, 15))
    assert book_botox_at(spa, at(TUESDAY, 9, 30)).status == "pending_review"


def test_a_day_spa_booking_keeps_two_hours(spa):
    assert book_facial_at(spa, at(MONDAY, 11, 30)).status == "confirmed"


def _free(treatment, days: int):
    policy = Policy.from_settings(treatment)
    return available_slots(treatment, first_day=MONDAY, days=days, now=MONDAY_0930, policy=policy)


def test_free_times_of_a_medical_treatment_start_a_day_ahead(spa):
    slots = _free(spa.botox, days=2)
    assert slots and min(s.start for s in slots) >= MONDAY_0930 + datetime.timedelta(hours=24)
    facial = available_slots(
        spa.facial,
        first_day=MONDAY,
        days=1,
        now=MONDAY_0930,
        policy=Policy.from_settings(spa.facial),
    )
    assert facial and min(s.start for s in facial) < MONDAY_0930 + datetime.timedelta(hours=3)


def test_the_page_and_the_mail_say_when_to_expect_the_answer(client, spa):
    appointment = book_botox_at(spa, at(TUESDAY, 10))
    page = client.get(appointment.get_absolute_url()).content.decode()
    assert "at least 24 hours ahead" in page and "one working day" not in page
    mail = appointment.emails.get()
    assert "at least 24 hours ahead" in mail.body and "one working day" not in mail.body
