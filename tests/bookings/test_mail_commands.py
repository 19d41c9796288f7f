"""send_reminders and send_queued_mail: once each, never twice, nothing lost."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Appointment, OutboundEmail
from bookings.services.appointments import appointment_book
from bookings.services.messages import send_due, send_one
from tests.spa import client_details

pytestmark = pytest.mark.django_db


def book_at(spa, start, email="mia@example.com"):
    return appointment_book(
        treatment=spa.facial,
        practitioner=spa.esthetician,
        start=start,
        client=client_details(email),
        now=start - datetime.timedelta(days=2),
    )


def _workday_start(hours_ahead: float) -> datetime.datetime:
    """A start on the 15-minute grid about `hours_ahead` from now (staff work 00:00-23:45;
    a start late in the evening moves two hours earlier, so the facial still fits)."""
    moment = timezone.now() + datetime.timedelta(hours=hours_ahead)
    moment = moment.replace(second=0, microsecond=0)
    if timezone.localtime(moment).time() > datetime.time(22):
        moment -= datetime.timedelta(hours=2)
    return moment - datetime.timedelta(minutes=moment.minute % 15)


@pytest.fixture
def always_open(spa):
    spa.esthetician.working_hours.all().delete()
    for weekday in range(7):
        spa.esthetician.working_hours.create(
            weekday=weekday, starts_at=datetime.time(0), ends_at=datetime.time(23, 45)
        )
    return spa


def test_reminders_go_once_for_appointments_in_the_next_day(
    always_open, capsys, django_capture_on_commit_callbacks
):
    spa = always_open
    soon = book_at(spa, _workday_start(5))
    later = book_at(spa, _workday_start(40), email="later@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
    assert [m.to for m in mail.outbox] == [["mia@example.com"]]
    assert "Reminder" in mail.outbox[0].subject
    assert "Reminders queued: 1," in capsys.readouterr().out
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.reminder_sent_at is not None and later.reminder_sent_at is None

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
    assert len(mail.outbox) == 1
    assert OutboundEmail.objects.filter(kind="reminder").count() == 1


def test_cancelled_appointments_get_no_reminder(always_open):
    appointment = book_at(always_open, _workday_start(5))
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled")
    call_command("send_queued_mail")
    mail.outbox.clear()
    call_command("send_reminders")
    assert mail.outbox == []


def test_queued_mail_is_retried_until_sent(
    always_open, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    with django_capture_on_commit_callbacks(execute=True):
        book_at(always_open, _workday_start(30))  # sent after commit: the server is down
    email = OutboundEmail.objects.get()
    assert email.state == "queued" and email.attempts == 1  # kept, not lost
    assert email.next_attempt_at > timezone.now()
    call_command("send_queued_mail")  # not due yet
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboundEmail.objects.update(next_attempt_at=timezone.now())
    call_command("send_queued_mail")
    email.refresh_from_db()
    assert email.state == "sent" and len(mail.outbox) == 1
    call_command("send_queued_mail")
    assert len(mail.outbox) == 1


def test_mail_sent_after_commit_is_recorded_and_never_sent_again(
    always_open, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_at(always_open, _workday_start(30))
    assert [m.to for m in mail.outbox] == [["mia@example.com"]]
    email = OutboundEmail.objects.get(appointment=appointment)
    assert email.state == "sent" and email.attempts == 1 and email.sent_at is not None
    assert email.last_error == ""
    # The retry job, even once the first attempt's grace is over, leaves it alone.
    OutboundEmail.objects.update(next_attempt_at=timezone.now())
    call_command("send_queued_mail")
    assert len(mail.outbox) == 1


def test_a_first_attempt_too_late_in_its_grace_leaves_the_mail_to_the_retry_job(
    always_open, django_capture_on_commit_callbacks, monkeypatch
):
    """A long bulk action: by the time this mail's turn comes, the retry job has sent it."""
    from bookings.services import messages

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        book_at(always_open, _workday_start(30))
    eleven_minutes_later = timezone.now() + datetime.timedelta(minutes=11)
    assert send_due(now=eleven_minutes_later) == (1, 0)
    monkeypatch.setattr(messages.timezone, "now", lambda: eleven_minutes_later)
    for callback in after_commit:
        callback()
    assert len(mail.outbox) == 1
    assert OutboundEmail.objects.get().attempts == 1


def test_the_retry_job_checks_again_under_the_row_lock_that_a_mail_is_due(
    always_open, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        book_at(always_open, _workday_start(30))
    email = OutboundEmail.objects.get()
    # Listed as due at `listed_at`; by the time the row is locked it is not due (a
    # failed attempt moved it on): nothing is sent.
    listed_at = timezone.now()
    OutboundEmail.objects.update(next_attempt_at=listed_at + datetime.timedelta(seconds=30))
    assert not send_one(email.pk, listed_at)
    assert mail.outbox == []
    email.refresh_from_db()
    assert email.state == "queued" and email.attempts == 0
