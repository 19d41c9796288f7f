"""The outbox through the worker's paths: each mail once, never twice, nothing lost.

TASKS_SYNC=1 (pyproject) runs each worker task in the test itself, at commit."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Appointment, OutboundEmail
from bookings.services import delivery, outbox
from bookings.services.appointments import appointment_book
from tests.spa import client_details

pytestmark = pytest.mark.django_db


def book_at(spa, start, email="mia@example.com", *, confirmation_sent=True):
    """Booked online three days before; its confirmation mail went then (unless not)."""
    with time_machine.travel(start - datetime.timedelta(days=3), tick=False):
        appointment = appointment_book(
            treatment=spa.facial,
            practitioner=spa.esthetician,
            start=start,
            client=client_details(email),
        )
    if confirmation_sent:
        OutboundEmail.objects.filter(appointment=appointment).update(state="sent")
    return appointment


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


def test_the_confirm_reminder_goes_once_two_days_ahead(
    always_open, capsys, django_capture_on_commit_callbacks
):
    spa = always_open
    soon = book_at(spa, _workday_start(36))
    book_at(spa, _workday_start(60), email="later@example.com")  # not yet 48 hours
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
    assert [m.to for m in mail.outbox] == [["mia@example.com"]]
    assert "Reminder" in mail.outbox[0].subject
    assert f"/bookings/{soon.token}/confirm/" in mail.outbox[0].body
    assert "reminders planned: 1" in capsys.readouterr().out

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
        delivery.run_schedule()
    assert len(mail.outbox) == 1
    assert OutboundEmail.objects.filter(kind="reminder").count() == 1


def test_a_cancelled_or_client_confirmed_visit_gets_no_reminder(always_open):
    cancelled = book_at(always_open, _workday_start(36))
    confirmed = book_at(always_open, _workday_start(40), email="sure@example.com")
    Appointment.objects.filter(pk=cancelled.pk).update(status="cancelled")
    Appointment.objects.filter(pk=confirmed.pk).update(client_confirmed_at=timezone.now())
    mail.outbox.clear()
    call_command("send_reminders")
    assert mail.outbox == []


def test_a_reminder_planned_then_no_longer_wanted_is_skipped_with_its_reason(always_open):
    appointment = book_at(always_open, _workday_start(36))
    mail.outbox.clear()
    [planned] = delivery.reminders.plan_reminders()  # its task not run (no commit here)
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled")
    assert delivery.deliver_email(planned.pk) == "skipped"
    planned.refresh_from_db()
    assert planned.last_error == "The appointment is cancelled."
    assert mail.outbox == []


def test_queued_mail_is_retried_until_sent(
    always_open, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_at(always_open, _workday_start(20), confirmation_sent=False)
    email = OutboundEmail.objects.get(appointment=appointment, kind="confirmed")
    assert email.state == "queued" and email.attempts == 1  # kept, not lost
    assert email.next_attempt_at > timezone.now() and "refused" in email.last_error.lower()
    assert delivery.deliver_email(email.pk) == ""  # not before its back-off
    call_command("send_reminders")
    email.refresh_from_db()
    assert email.attempts == 1 and mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboundEmail.objects.update(next_attempt_at=timezone.now())
    call_command("send_reminders")
    email.refresh_from_db()
    assert email.state == "sent" and email.attempts == 2
    assert [m.subject for m in mail.outbox].count(email.subject) == 1
    sent = len(mail.outbox)
    OutboundEmail.objects.update(next_attempt_at=timezone.now())
    call_command("send_reminders")
    assert len(mail.outbox) == sent


def test_mail_sent_by_the_worker_is_recorded_and_never_sent_again(
    always_open, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_at(always_open, _workday_start(20), confirmation_sent=False)
    assert [m.to for m in mail.outbox] == [["mia@example.com"]]
    email = OutboundEmail.objects.get(appointment=appointment)
    assert email.state == "sent" and email.attempts == 1 and email.sent_at is not None
    # The row's own Message-ID: a resend after a kill is the same message.
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<outbox-{email.pk}@localhost>"
    assert email.last_error == ""
    # The schedule and a second task for the same row leave it alone.
    OutboundEmail.objects.update(next_attempt_at=timezone.now(), leased_until=None)
    delivery.run_schedule()
    assert delivery.deliver_email(email.pk) == ""
    assert len(mail.outbox) == 1


def test_the_schedule_hands_a_due_row_out_once_per_lease(
    always_open, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the booking's task is lost
        book_at(always_open, _workday_start(20), confirmation_sent=False)
    email = OutboundEmail.objects.get()
    # Its own task holds it until the lease ends; then the schedule hands it out, once
    # per lease.
    then = email.leased_until
    assert outbox.hand_out_due(OutboundEmail, then - datetime.timedelta(minutes=1)) == []
    assert outbox.hand_out_due(OutboundEmail, then) == [email.pk]
    assert outbox.hand_out_due(OutboundEmail, then + datetime.timedelta(minutes=1)) == []
    assert outbox.hand_out_due(OutboundEmail, then + outbox.LEASE) == [email.pk]
    assert mail.outbox == []


def test_a_mail_that_finally_fails_stays_failed_with_its_reason(always_open, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    book_at(always_open, _workday_start(20), confirmation_sent=False)
    email = OutboundEmail.objects.get()
    OutboundEmail.objects.update(attempts=outbox.MAX_ATTEMPTS - 1)
    assert delivery.deliver_email(email.pk) == "failed"
    email.refresh_from_db()
    assert email.last_error and email.attempts == outbox.MAX_ATTEMPTS
    OutboundEmail.objects.update(next_attempt_at=timezone.now())
    assert delivery.deliver_email(email.pk) == ""
