"""The reminder says "today" or "tomorrow" by the spa's calendar at the moment it is
sent, and offers online changes only while the online change window is open."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from bookings.models import OutboundEmail
from bookings.services.appointments import appointment_book
from bookings.services.reminders import plan_reminders
from tests.spa import NY, client_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_all_day(spa):
    """The esthetician works every day from midnight, so reminders at odd hours have
    something to remind of."""
    spa.esthetician.working_hours.all().delete()
    for weekday in range(7):
        spa.esthetician.working_hours.create(
            weekday=weekday, starts_at=datetime.time(0), ends_at=datetime.time(23, 45)
        )
    return spa


@pytest.fixture(autouse=True)
def mail_until_an_hour_before(settings):
    """These tests are about the words: the confirm mail may go until an hour before
    (by default the 24-hour text takes over from it)."""
    settings.REMINDER_UNCONFIRMED_TEXT_HOURS = 1


def _book(spa, start: datetime.datetime):
    """Booked online three days before, as a client would."""
    with time_machine.travel(start - datetime.timedelta(days=3), tick=False):
        return appointment_book(
            treatment=spa.facial,
            practitioner=spa.esthetician,
            start=start,
            client=client_details("mia@example.com"),
        )


def _remind_at(moment: datetime.datetime, django_capture_on_commit_callbacks):
    """Run send_reminders with the clock at `moment`; the reminder's two parts."""
    mail.outbox.clear()
    with (
        time_machine.travel(moment, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("send_reminders")
    [reminder] = [m for m in mail.outbox if m.subject.startswith("Reminder")]
    return reminder.subject, reminder.body, reminder.alternatives[0][0]


def ny(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=NY)


@pytest.mark.parametrize(
    ("sent_at", "start", "words"),
    [
        # 11:50 pm: a 9 am visit is tomorrow, though less than ten hours away.
        (ny(2027, 6, 7, 23, 50), ny(2027, 6, 8, 9, 0), "tomorrow"),
        # 3 am: a 10 am visit is today.
        (ny(2027, 6, 8, 3, 0), ny(2027, 6, 8, 10, 0), "today"),
        # Clocks go forward on Sunday 14 March 2027: from 11:50 pm on Saturday, the next
        # 24 hours reach 00:50 on Monday, which is not "tomorrow".
        (ny(2027, 3, 13, 23, 50), ny(2027, 3, 14, 9, 0), "tomorrow"),
        (ny(2027, 3, 13, 23, 50), ny(2027, 3, 15, 0, 30), "on Monday 15 March 2027"),
        # Clocks go back on Sunday 7 November 2027: a day of 25 hours.
        (ny(2027, 11, 6, 23, 50), ny(2027, 11, 7, 22, 30), "tomorrow"),
        (ny(2027, 11, 7, 0, 30), ny(2027, 11, 7, 22, 0), "today"),
    ],
)
def test_the_reminder_names_the_day_by_the_spas_calendar(
    open_all_day, django_capture_on_commit_callbacks, sent_at, start, words
):
    _book(open_all_day, start)
    subject, text, html = _remind_at(sent_at, django_capture_on_commit_callbacks)
    assert subject.startswith(f"Reminder: your appointment {words} - ")
    assert f"we look forward to seeing you {words}." in text
    assert f"we look forward to seeing you {words}." in html


def test_a_reminder_retried_after_midnight_says_today(
    open_all_day, django_capture_on_commit_callbacks
):
    _book(open_all_day, ny(2027, 6, 8, 9, 0))
    # Queued at 11:50 pm, but the worker's task is lost (the process died).
    with (
        time_machine.travel(ny(2027, 6, 7, 23, 50), tick=False),
        django_capture_on_commit_callbacks(execute=False),
    ):
        plan_reminders()
    mail.outbox.clear()
    with time_machine.travel(ny(2027, 6, 8, 0, 20), tick=False):
        call_command("send_reminders")
    [reminder] = [m for m in mail.outbox if m.subject.startswith("Reminder")]
    assert reminder.subject.startswith("Reminder: your appointment today")
    assert "seeing you today." in reminder.body
    stored = OutboundEmail.objects.get(kind="reminder")
    assert stored.state == "sent" and "seeing you today." in stored.body


def test_the_reminder_offers_online_changes_only_while_the_window_is_open(
    open_all_day, settings, django_capture_on_commit_callbacks
):
    settings.CANCELLATION_NOTICE_HOURS = 12
    later = _book(open_all_day, ny(2027, 6, 8, 20, 0))
    subject, text, html = _remind_at(ny(2027, 6, 7, 22, 0), django_capture_on_commit_callbacks)
    # 22 hours ahead: changes online stay open until 8 am.
    assert "You can reschedule or cancel online until Tuesday 8 June 2027, 8:00 AM" in text
    assert "To see, reschedule or cancel your appointment: http" in text
    assert later.get_absolute_url() in text
    assert "See, change or cancel your appointment" in html
    assert "please call us" in text  # after the cut-off

    _book(open_all_day, ny(2027, 6, 9, 6, 0))
    subject, text, html = _remind_at(ny(2027, 6, 8, 22, 0), django_capture_on_commit_callbacks)
    # 8 hours ahead: the window closed at 6 pm.
    assert "reschedule or cancel online until" not in text
    assert "To reschedule or cancel now, please call us at" in text
    assert "To see your appointment: http" in text
    assert "change or cancel your appointment" not in html
    assert "To reschedule or cancel now, please call us at" in html


def test_with_the_usual_24_hours_no_reminder_offers_online_changes(
    open_all_day, django_capture_on_commit_callbacks
):
    _book(open_all_day, ny(2027, 6, 8, 21, 45))
    subject, text, html = _remind_at(ny(2027, 6, 7, 22, 0), django_capture_on_commit_callbacks)
    assert "online until" not in text and "online until" not in html
    assert "Changes online close 24 hours before the appointment." in text
