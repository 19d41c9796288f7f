"""Mail to clients, through an outbox in the database.

queue() writes the mail in the caller's transaction and, after commit, hands it to
the worker (bookings/tasks.py): a rolled-back booking sends nothing, a slow or dead
mail server never holds up a web request, and a failed send is retried
(services/outbox.py)."""

import datetime
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from bookings.models import Appointment, OutboundEmail, Review
from bookings.selectors.calendar_file import appointment_ics
from bookings.services import mail_opt_out, outbox
from bookings.services.clients import email_proof_token
from bookings.services.outbox import SEND_EMAIL_TASK, hand_to_worker
from medspa.clock import client_when, relative_day, spa_local


class Kind(StrEnum):
    CONFIRMED = "confirmed"
    REQUEST_RECEIVED = "request_received"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    REMINDER = "reminder"
    NOT_CLEARED = "not_cleared"
    # After a completed visit (services/follow_ups.py).
    AFTERCARE = "aftercare"
    BOOK_AGAIN = "book_again"


SUBJECTS = {
    Kind.CONFIRMED: "Your appointment is confirmed",
    Kind.REQUEST_RECEIVED: "We received your appointment request",
    Kind.APPROVED: "Your appointment is confirmed",
    Kind.DECLINED: "About your appointment request",
    Kind.CANCELLED: "Your appointment is cancelled",
    Kind.RESCHEDULED: "Your appointment has moved",
    Kind.REMINDER: "Reminder: your appointment {day}",
    Kind.NOT_CLEARED: "About your visit today",
    Kind.AFTERCARE: "After your visit",
    # "your next visit" for a medical treatment, which mail never names.
    Kind.BOOK_AGAIN: "Time to book your next {next_what}",
}


# Kinds whose mail carries the calendar file (the appointment is on).
WITH_CALENDAR = {Kind.CONFIRMED, Kind.APPROVED, Kind.RESCHEDULED, Kind.REMINDER}
# What _write sets, saved again when a retry rewrites a reminder.
REWRITTEN = ["subject", "body", "html_body"]
# The first mail of an online booking carries the link that proves its email.
ASKS_FOR_PROOF = {Kind.CONFIRMED, Kind.REQUEST_RECEIVED}
# Mail the client may unsubscribe from: not about a visit they booked (MailOptOut).
UNSUBSCRIBABLE = {Kind.BOOK_AGAIN}


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
        "confirm_url": settings.SITE_URL
        + reverse("bookings:confirm", kwargs={"token": appointment.token}),
        "site_url": settings.SITE_URL,
        "cancellation_hours": settings.CANCELLATION_NOTICE_HOURS,
        "medical_notice_hours": settings.MEDICAL_MIN_NOTICE_HOURS,
        "proof_url": _proof_url(appointment) if kind in ASKS_FOR_PROOF else "",
        "proof_days": settings.EMAIL_PROOF_LINK_DAYS,
        # The exam before the treatment, when the doctor approved subject to one.
        # Only the approval mail says it: no query for every other mail.
        "exam_at_visit": kind == Kind.APPROVED
        and Review.objects.filter(appointment=appointment, exam_at_visit=True).exists(),
        **_follow_up_context(appointment, kind),
    }


def _follow_up_context(appointment: Appointment, kind: Kind) -> dict[str, object]:
    """What the aftercare and book-again mail add. A medical treatment's aftercare text
    stays on the manage page (it would name the treatment); its book-again link is a
    neutral one that leads to the treatment's booking page, so the address itself
    names nothing either."""
    if kind not in (Kind.AFTERCARE, Kind.BOOK_AGAIN):
        return {}
    treatment = appointment.treatment
    if appointment.is_medical:
        book_path = reverse("bookings:book_again", kwargs={"token": appointment.token})
    else:
        book_path = reverse("bookings:book", kwargs={"slug": treatment.slug})
    return {
        "aftercare": "" if appointment.is_medical else treatment.aftercare,
        "next_what": "visit" if appointment.is_medical else treatment.name,
        "book_url": settings.SITE_URL + book_path,
        "unsubscribe_url": mail_opt_out.unsubscribe_url(appointment.client_email)
        if kind in UNSUBSCRIBABLE
        else "",
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
    appointment: Appointment,
    kind: Kind,
    now: datetime.datetime | None = None,
    *,
    about_start: datetime.datetime | None = None,
) -> OutboundEmail | None:
    """Queue one mail about `appointment` in the current transaction; the worker sends
    it after commit. None for a client booked by phone without an email address."""
    if not appointment.client_email:
        return None
    email = OutboundEmail(
        to=appointment.client_email,
        calendar=appointment_ics(appointment) if kind in WITH_CALENDAR else "",
        appointment=appointment,
        kind=str(kind),
        about_start=about_start,
        # Its task is queued at commit; the schedule hands it out again only if lost.
        **outbox.new_row_times(),
    )
    if kind in UNSUBSCRIBABLE:
        email.unsubscribe_url = mail_opt_out.unsubscribe_url(appointment.client_email)
    _write(email, appointment, kind, now or timezone.now())
    email.save(force_insert=True)
    transaction.on_commit(lambda: hand_to_worker(SEND_EMAIL_TASK, email.pk), robust=True)
    return email


def queue_to_address(
    to: str, *, kind: str, subject: str, body: str, html_body: str
) -> OutboundEmail:
    """Queue a mail that is about no one appointment (written by the caller), in the
    current transaction; the worker sends it after commit, with the outbox's retries."""
    email = OutboundEmail(
        to=to,
        kind=kind,
        subject=subject,
        body=body,
        html_body=html_body,
        **outbox.new_row_times(),
    )
    email.save(force_insert=True)
    transaction.on_commit(lambda: hand_to_worker(SEND_EMAIL_TASK, email.pk), robust=True)
    return email


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    # One Message-ID per outbox row: a mail sent twice (a worker killed between the
    # server's "accepted" and our record of it) is one message to mail programs that
    # drop duplicates.
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">") or "localhost"
    headers = {"Message-ID": f"<outbox-{email.pk}@{domain}>"}
    if email.unsubscribe_url:
        # One click in the mail program unsubscribes (RFC 8058), no page to visit.
        headers |= {
            "List-Unsubscribe": f"<{email.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers=headers,
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    if email.calendar:
        message.attach("appointment.ics", email.calendar, "text/calendar")
    return message


def send_email(email: OutboundEmail, now: datetime.datetime) -> None:
    """Send one outbox mail (outbox.deliver holds its lock); raises on failure."""
    if email.kind == Kind.REMINDER and email.appointment_id is not None:
        # "Tomorrow" written yesterday would be wrong today, and the change window
        # may have closed meanwhile.
        _write(email, email.appointment, Kind.REMINDER, now)
    _message(email).send()
