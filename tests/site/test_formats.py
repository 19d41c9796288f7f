"""One way to write money, dates and counts: public pages, portals, admin and mail."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.services.appointment_changes import appointment_cancel
from medspa.money import money
from tests.factories import UserFactory
from tests.spa import NOW, TUESDAY, at, book_botox, book_facial, book_facial_at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("125.00"), "$125"),
        (Decimal("1250.50"), "$1,250.50"),
        (Decimal("0.5"), "$0.50"),
        (Decimal("0"), "$0"),
        (None, ""),
    ],
)
def test_money_is_written_one_way(amount, text):
    assert money(amount) == text


def test_a_price_reads_the_same_on_every_public_page(client, spa):
    spa.facial.price = Decimal("1250.00")
    spa.facial.save()
    appointment = book_facial(spa, 10, "mia@example.com")
    pages = [
        "/treatments/",
        spa.facial.get_absolute_url(),
        f"/book/{spa.facial.slug}/",
        appointment.get_absolute_url(),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "$1,250" in html, url
        assert not re.search(r"1,?250\.00|\$1250", html), url


def test_the_admin_lists_prices_like_the_site(client, spa):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get("/admin/treatments/treatment/").content.decode()
    assert "$120" in html
    assert "120.00" not in html


WEEKDAY_SHORT = r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b"
STAFF_MOMENT = re.compile(WEEKDAY_SHORT + r" \d{1,2} [A-Z][a-z]{2} \d{4}, \d{1,2}:\d{2} [AP]M\b")
TWENTY_FOUR_HOUR = re.compile(r"\b\d{1,2}:\d{2}\b(?! [AP]M)")
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _text(response) -> str:
    """What a person reads: the page without its tags (links and inputs hold ISO days)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_client_reads_dates_and_times_one_way(client, spa):
    appointment = book_facial(spa, 14, "mia@example.com")
    text = _text(client.get(appointment.get_absolute_url()))
    assert re.search(r"\b(Mon|Tues|Wednes|Thurs|Fri|Satur)day \d{1,2} [A-Z][a-z]+ \d{4}", text)
    assert "2:00 PM to 3:00 PM" in text
    assert re.findall(WEEKDAY_SHORT, text) == []  # no "Mon 9 Mar" beside "Monday 9 March"
    assert TWENTY_FOUR_HOUR.findall(text) == []
    assert ISO_DAY.findall(text) == []


STAFF_DAY_AND_TIMES = re.compile(
    r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}\b.*\b\d{1,2}:\d{2} [AP]M\b"
)


def test_staff_screens_write_every_moment_one_way(client, spa):
    """The doctor's review, the practitioner's day and the admin's appointment page
    (with its history, which the admin formats by itself) all say
    "Tue 8 Jun 2027, 2:00 PM"."""
    pending = book_botox(spa, hour=14)
    spa.nurse.user = UserFactory(username="nurse")
    spa.nurse.save()
    desk = UserFactory(is_staff=True, is_superuser=True)
    pages = [
        (spa.doctor.user, f"/doctor/reviews/{pending.review.pk}/"),
        (spa.nurse.user, f"/staff/?day={timezone.localtime(pending.start).date()}"),
        (desk, f"/admin/bookings/appointment/{pending.pk}/change/"),
        (desk, "/admin/bookings/appointment/"),
    ]
    for user, url in pages:
        # The day before, when the practitioner's list shows it.
        with time_machine.travel(pending.start - datetime.timedelta(hours=20), tick=False):
            client.force_login(user)
            text = _text(client.get(url))
        if url.startswith("/staff/"):  # a day's page: its date once, then the times
            assert STAFF_DAY_AND_TIMES.search(text), url
        else:
            assert STAFF_MOMENT.search(text), url
        assert TWENTY_FOUR_HOUR.findall(text) == [], url
        assert ISO_DAY.findall(text) == [], url
        assert not re.search(r"\b[ap]\.m\.|\bnoon\b|\bmidnight\b", text), url


def test_counts_say_one_hour_and_two_hours(client, spa, settings):
    settings.MEDICAL_MIN_NOTICE_HOURS = 1
    settings.GFE_VALID_MONTHS = 1
    spa.botox.requires_gfe = True
    spa.botox.save()
    text = _text(client.get(f"/book/{spa.botox.slug}/"))
    assert "at least 1 hour ahead" in text and "in the last 1 month." in text
    settings.MEDICAL_MIN_NOTICE_HOURS = 2
    settings.GFE_VALID_MONTHS = 12
    text = _text(client.get(f"/book/{spa.botox.slug}/"))
    assert "at least 2 hours ahead" in text and "in the last 12 months." in text


def test_refusals_count_in_words_that_agree(spa, settings):
    settings.BOOKING_MIN_NOTICE_HOURS = 1
    settings.CANCELLATION_NOTICE_HOURS = 1
    start = at(TUESDAY, 10)
    with pytest.raises(ValidationError, match="at least 1 hour's notice"):
        book_facial_at(spa, start, now=start - datetime.timedelta(minutes=30))
    appointment = book_facial_at(spa, start, now=NOW)
    with pytest.raises(ValidationError, match="close 1 hour before"):
        appointment_cancel(
            appointment=appointment,
            by_client=True,
            now=start - datetime.timedelta(minutes=30),
        )
