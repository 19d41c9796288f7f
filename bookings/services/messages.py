"""Mail to clients, through an outbox in the database.

queue() writes the message in the caller's transaction and sends it after commit,
so a rolled-back booking sends nothing and a dead mail server loses nothing:
the row stays queued and `manage.py send_queued_mail` retries it."""

import datetime
import logging
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from bookings.models import Appointment, OutboundEmail, Review
from bookings.selectors.calendar_file import appointment_ics
from bookings.services.clients import email_proof_token
from medspa.clock import client_when, relative_day, spa_local

logger = logging.getLogger(__name__)


# Retried for about three days (the delay doubles up to an hour), then given up and
# left in the admin's outbox list: a weekend outage of the mail server loses nothing.
MAX_ATTEMPTS = 80


MAX_RETRY_DELAY = datetime.timedelta(hours=1)


# The first attempt is made right after commit by the process that queued the mail;
# the retry job leaves the row alone this long. The first attempt starts only while
# at least FIRST_ATTEMPT_TIME of it is left (a bulk action sends its mails one after
# another), so the two never both send a mail.
FIRST_ATTEMPT_GRACE = datetime.timedelta(minutes=10)


FIRST_ATTEMPT_TIME = datetime.timedelta(minutes=5)


class Kind(StrEnum):
    CONFIRMED = "confirmed"
    REQUEST_RECEIVED = "request_received"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    REMINDER = "reminder"
    NOT_CLEARED = "not_cleared"


SUBJECTS = {
    Kind.CONFIRMED: "Your appointment is confirmed",
    Kind.REQUEST_RECEIVED: "We received your appointment request",
    Kind.APPROVED: "Your appointment is confirmed",
    Kind.DECLINED: "About your appointment request",
    Kind.CANCELLED: "Your appointment is cancelled",
    Kind.RESCHEDULED: "Your appointment has moved",
    Kind.REMINDER: "Reminder: your appointment {day}",
    Kind.NOT_CLEARED: "About your visit today",
}


# Kinds whose mail carries the calendar file (the appointment is on).
WITH_CALENDAR = {Kind.CONFIRMED, Kind.APPROVED, Kind.RESCHEDULED, Kind.REMINDER}
# What _write sets, saved again when a retry rewrites a reminder.
REWRITTEN = ["subject", "body", "html_body"]
# The first mail of an online booking carries the link that proves its email.
ASKS_FOR_PROOF = {Kind.CONFIRMED, Kind.REQUEST_RECEIVED}


def _changes_online_until(
    appointment: Appointment, now: datetime.datetime
) -> datetime.datetime | None:
    """The last moment the client may cancel or move online, while that is still ahead."""
    # Imported here: appointment_changes queues its mail through this module.
    from bookings.services.appointment_changes import (
        appointment_can_change_online,
        cancellation_deadline,
    )

    if not appointment_can_change_online(appointment, now):
        return None
    return cancellation_deadline(appointment)


def _context(appointment: Appointment, kind: Kind, now: datetime.datetime) -> dict[str, object]:
    until = _changes_online_until(appointment, now)
    return {
        "appointment": appointment,
        # What was typed for this booking, never a stored record's (services/clients.py).
        "first_name": appointment.client_first_name,
        # Medical treatments are never named in mail (read on shared phones).
        "title": appointment.public_title,
        # Formatted once for both the text and the HTML part.
        "when_text": f"{client_when(appointment.start)} "
        f"({date_format(spa_local(appointment.start), 'T')})",
        # "today", "tomorrow" or "on Monday 9 March 2026": on the spa's calendar, from
        # the moment the mail is written (a reminder is written again when it is retried).
        "day": relative_day(appointment.start, now),
        # Offered only while the online change window is open (the same rule as the
        # manage page); after that the mail says to call.
        "changes_online_until": client_when(until) if until else "",
        # A doctor's name on a lock screen hints at a medical visit: medical mail omits it.
        "practitioner_name": ""
        if appointment.is_medical
        else appointment.practitioner.display_name,
        "spa_name": settings.SPA_NAME,
        "spa_phone": settings.SPA_PHONE,
        "manage_url": settings.SITE_URL + appointment.get_absolute_url(),
        "site_url": settings.SITE_URL,
        "cancellation_hours": settings.CANCELLATION_NOTICE_HOURS,
        "medical_notice_hours": settings.MEDICAL_MIN_NOTICE_HOURS,
        "proof_url": _proof_url(appointment) if kind in ASKS_FOR_PROOF else "",
        "proof_days": settings.EMAIL_PROOF_LINK_DAYS,
        # The exam before the treatment, when the doctor approved subject to one.
        # Only the approval mail says it: no query for every other mail.
        "exam_at_visit": kind == Kind.APPROVED
        and Review.objects.filter(appointment=appointment, exam_at_visit=True).exists(),
    }


def _proof_url(appointment: Appointment) -> str:
    if appointment.client_id is not None:
        return ""
    path = reverse("bookings:email_proof", kwargs={"proof": email_proof_token(appointment)})
    return settings.SITE_URL + path


def _write(email: OutboundEmail, appointment: Appointment, kind: Kind, now: datetime.datetime):
    """The subject and both parts, as of `now`."""
    context = _context(appointment, kind, now)
    email.subject = f"{SUBJECTS[kind].format(**context)} - {settings.SPA_NAME}"
    email.body = render_to_string(f"emails/{kind}.txt", context)
    email.html_body = render_to_string(f"emails/{kind}.html", context)


def queue(
    appointment: Appointment, kind: Kind, now: datetime.datetime | None = None
) -> OutboundEmail | None:
    """Queue one mail about `appointment` in the current transaction; send after commit.
    None for a client booked by phone without an email address: nothing to send."""
    if not appointment.client_email:
        return None
    email = OutboundEmail(
        to=appointment.client_email,
        calendar=appointment_ics(appointment) if kind in WITH_CALENDAR else "",
        appointment=appointment,
        kind=str(kind),
        next_attempt_at=timezone.now() + FIRST_ATTEMPT_GRACE,
    )
    _write(email, appointment, kind, now or timezone.now())
    email.save(force_insert=True)
    transaction.on_commit(lambda: _first_attempt(email))
    return email


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    if email.calendar:
        message.attach("appointment.ics", email.calendar, "text/calendar")
    return message


def _retry_delay(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8... minutes between attempts, at most an hour."""
    return min(datetime.timedelta(minutes=2 ** min(attempts - 1, 10)), MAX_RETRY_DELAY)


def _first_attempt(email: OutboundEmail) -> None:
    """Send a mail just queued, from the row in memory; one UPDATE records the outcome.

    Too late in its grace, the mail is left to the retry job. A process that dies
    between the mail server accepting the mail and the UPDATE leaves it queued: the
    retry job sends it again after the grace (at least once, never lost)."""
    if timezone.now() > email.next_attempt_at - FIRST_ATTEMPT_TIME:
        return
    try:
        _message(email).send()
    except Exception as error:  # any transport failure: keep the mail, retry later
        logger.warning("Mail %s to %s failed: %s", email.pk, email.to, error)
        OutboundEmail.objects.filter(pk=email.pk, state=OutboundEmail.State.QUEUED).update(
            attempts=F("attempts") + 1,
            last_error=str(error)[:1000],
            next_attempt_at=timezone.now() + _retry_delay(1),
        )
        return
    # Unless the retry job already recorded it.
    OutboundEmail.objects.filter(pk=email.pk, state=OutboundEmail.State.QUEUED).update(
        state=OutboundEmail.State.SENT,
        sent_at=timezone.now(),
        attempts=F("attempts") + 1,
        last_error="",
    )


def send_one(email_id: int, now: datetime.datetime) -> bool:
    """Try to send one queued mail that is due at `now`; on failure keep it queued
    with a later retry time."""
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True, no_key=True)
            .filter(pk=email_id, state=OutboundEmail.State.QUEUED, next_attempt_at__lte=now)
            .first()
        )
        if email is None:
            return False
        if email.kind == Kind.REMINDER and email.appointment_id is not None:
            # "Tomorrow" written yesterday would be wrong today, and the change window
            # may have closed meanwhile.
            _write(email, email.appointment, Kind.REMINDER, now)
        email.attempts += 1
        try:
            _message(email).send()
        except Exception as error:  # any transport failure: keep the mail, retry later
            logger.warning("Mail %s to %s failed: %s", email.pk, email.to, error)
            email.last_error = str(error)[:1000]
            if email.attempts >= MAX_ATTEMPTS:
                email.state = OutboundEmail.State.FAILED
            else:
                email.next_attempt_at = timezone.now() + _retry_delay(email.attempts)
            email.save(
                update_fields=[*REWRITTEN, "attempts", "last_error", "state", "next_attempt_at"]
            )
            return False
        email.state = OutboundEmail.State.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=[*REWRITTEN, "attempts", "state", "sent_at", "last_error"])
        return True


def send_due(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Send every queued mail whose retry time has come: (sent, failed)."""
    now = now or timezone.now()
    due = OutboundEmail.objects.filter(
        state=OutboundEmail.State.QUEUED, next_attempt_at__lte=now
    ).values_list("pk", flat=True)
    sent = failed = 0
    for email_id in list(due):
        if send_one(email_id, now):
            sent += 1
        else:
            failed += 1
    return sent, failed
