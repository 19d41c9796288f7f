"""Mail after a visit: its aftercare, and later a "time to book again" nudge.

- Aftercare goes once the visit is completed and its time is over, for a treatment
  with aftercare text. For a medical treatment the mail names nothing (DOMAIN.md:
  mail is read on shared phones) and links to the manage page, which shows the text.
- Book-again goes the treatment's rebook_after_days after the visit, unless the
  client has booked that treatment again since, or unsubscribed (MailOptOut). It
  carries a one-click unsubscribe (List-Unsubscribe, services/mail_opt_out.py).

The minute schedule plans both (plan_follow_ups), like reminders: each is one outbox
row per appointment, kind and visit time, so planning twice sends once. Both look
back a bounded window only, so the first run on a database full of history does not
mail every client the spa ever had.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from bookings.models import LONGEST_HOLD, Appointment, MailOptOut, OutboundEmail, OutboxMessage
from bookings.services import messages
from bookings.services.mail_opt_out import opted_out
from treatments.models import Treatment

logger = logging.getLogger(__name__)
Status = Appointment.Status
AFTERCARE = str(messages.Kind.AFTERCARE)
BOOK_AGAIN = str(messages.Kind.BOOK_AGAIN)
FOLLOW_UP_KINDS = {AFTERCARE, BOOK_AGAIN}

# Aftercare is for the days right after the visit; a visit completed (or a schedule
# down) for longer than this gets none rather than stale advice.
AFTERCARE_WITHIN = datetime.timedelta(days=2)
# A nudge whose moment passed while the worker was down still goes within this window;
# older ones are history.
BOOK_AGAIN_WITHIN = datetime.timedelta(days=7)
# Another appointment that counts as "already booked again": anything but a cancelled,
# declined or missed one.
STILL_ON = [Status.PENDING_REVIEW, Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED]


def plan_follow_ups(now: datetime.datetime | None = None) -> list[OutboundEmail]:
    """Queue every aftercare and book-again mail that has come due and isn't queued
    yet; the rows queued."""
    now = now or timezone.now()
    queued = []
    for appointment in _aftercare_due(now):
        queued += _queue(appointment, messages.Kind.AFTERCARE, now)
    for appointment in _book_again_due(now):
        queued += _queue(appointment, messages.Kind.BOOK_AGAIN, now)
    return queued


def _not_planned(kind: str) -> Exists:
    """No row of this kind yet for the appointment at its visit time."""
    return ~Exists(
        OutboundEmail.objects.filter(
            appointment=OuterRef("pk"), kind=kind, about_start=OuterRef("start")
        )
    )


def _completed_with_email() -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(status=Status.COMPLETED)
        .exclude(client_email="")
        .select_related("treatment", "practitioner")
    )


def _aftercare_due(now: datetime.datetime) -> QuerySet[Appointment]:
    # Bounded on `start` too, so the query uses its index.
    return (
        _completed_with_email()
        .filter(
            start__gt=now - AFTERCARE_WITHIN - LONGEST_HOLD,
            end__gt=now - AFTERCARE_WITHIN,
            end__lte=now,
        )
        .exclude(treatment__aftercare="")
        .filter(_not_planned(AFTERCARE))
    )


def _book_again_due(now: datetime.datetime) -> QuerySet[Appointment] | list[Appointment]:
    # One range on `start` per interval in use (a handful), instead of date arithmetic
    # in SQL: the same on every database, and each range can use the index on start.
    intervals = (
        Treatment.objects.active()
        .filter(rebook_after_days__gt=0)
        .order_by()  # else the default ordering's columns join the DISTINCT
        .values_list("rebook_after_days", flat=True)
        .distinct()
    )
    moments = Q()
    for days in intervals:
        came = now - datetime.timedelta(days=days)
        moments |= Q(
            treatment__rebook_after_days=days,
            start__lte=came,
            start__gt=came - BOOK_AGAIN_WITHIN,
        )
    if not moments:
        return []
    booked_again = _later_bookings(
        OuterRef("treatment_id"), OuterRef("start"), OuterRef("client_email"), OuterRef("client")
    )
    unsubscribed = MailOptOut.objects.filter(email=Lower(OuterRef("client_email")))
    return (
        _completed_with_email()
        .filter(moments, treatment__is_active=True)
        .filter(_not_planned(BOOK_AGAIN), ~Exists(booked_again), ~Exists(unsubscribed))
    )


def _later_bookings(treatment, start, email, client) -> QuerySet[Appointment]:
    """The same client's appointments for the treatment after the visit at `start` (each
    argument a value, or an OuterRef in a subquery). The same client: the same address
    in any case, or the same client record (a booking made by phone may have another)."""
    same_client = Q(client_email__iexact=email)
    if client is not None:  # Q(client=None) would match everyone without a record
        same_client |= Q(client=client)
    return Appointment.objects.filter(
        same_client, treatment_id=treatment, start__gt=start, status__in=STILL_ON
    )


def booked_again(appointment: Appointment) -> bool:
    return _later_bookings(
        appointment.treatment_id,
        appointment.start,
        appointment.client_email,
        appointment.client_id,
    ).exists()


def _queue(
    appointment: Appointment, kind: messages.Kind, now: datetime.datetime
) -> list[OutboundEmail]:
    try:
        with transaction.atomic():
            email = messages.queue(appointment, kind, now, about_start=appointment.start)
    except IntegrityError:  # planned meanwhile by another run (one row per intent)
        return []
    except Exception:  # one visit's mail must not stop everyone else's
        logger.exception("Follow-up %s for appointment %s not planned", kind, appointment.pk)
        return []
    return [email] if email else []


def skip_reason(message: OutboxMessage, now: datetime.datetime) -> str:
    """Why a queued follow-up should no longer go ("" = send it)."""
    appointment = message.appointment
    if appointment is None:
        return "The appointment was deleted."
    if appointment.status != Status.COMPLETED:
        return f"The appointment is {appointment.get_status_display()}."
    if message.kind == BOOK_AGAIN:
        if opted_out(message.to):
            return "The address unsubscribed from book-again mail."
        if booked_again(appointment):
            return "The client has booked again."
        if not appointment.treatment.is_active:
            return "The treatment is no longer offered."
    return ""
