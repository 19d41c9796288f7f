"""Reminders: when each goes, and whether it is still wanted when its turn comes.

What cuts no-shows (DOMAIN.md), each a setting:
- a mail REMINDER_CONFIRM_MAIL_HOURS (48) ahead, with a "Confirm" link while the
  client hasn't confirmed (for a booking made inside those hours: the day before);
- a text REMINDER_UNCONFIRMED_TEXT_HOURS (24) ahead, only while still unconfirmed;
- a same-day text REMINDER_SAME_DAY_TEXT_HOURS (2) ahead.

Texts need the client's opt-in and go only between TEXT_WINDOW_START_HOUR and
TEXT_WINDOW_END_HOUR on the spa's clock; one that would fall outside goes at the edge
of the window. The minute schedule plans them (plan_reminders); each becomes one
outbox row per appointment, kind and visit time, so planning twice sends once.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import (
    Appointment,
    AppointmentEvent,
    OutboundEmail,
    OutboundText,
    OutboxMessage,
)
from bookings.services import messages
from bookings.services.history import record_event
from bookings.services.outbox import NotNow
from bookings.services.texts import TextKind, opted_out, queue_text
from medspa.clock import spa_local

logger = logging.getLogger(__name__)
REMINDER_KINDS = {str(messages.Kind.REMINDER), *(str(kind) for kind in TextKind)}
# A reminder that asks for a confirmation: pointless once the client confirmed.
ASK_TO_CONFIRM = {str(TextKind.UNCONFIRMED)}
# A text due after text hours goes this long before they end, so that the minute
# schedule and the worker have sent it before the window closes.
LAST_CALL = datetime.timedelta(minutes=15)


def _hours(name: str) -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, name))


def confirm_window() -> datetime.timedelta:
    return _hours("REMINDER_CONFIRM_MAIL_HOURS")


def text_hours_open(moment: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The hours texts may go on the spa's calendar day of `moment`."""
    local = spa_local(moment)
    return (
        local.replace(hour=settings.TEXT_WINDOW_START_HOUR, minute=0, second=0, microsecond=0),
        local.replace(hour=settings.TEXT_WINDOW_END_HOUR, minute=0, second=0, microsecond=0),
    )


def text_moment(moment: datetime.datetime, start: datetime.datetime) -> datetime.datetime:
    """`moment` moved into the hours texts may go: before opening it goes at opening
    (or the evening before, if the visit starts before opening); after closing, it
    goes shortly before closing (LAST_CALL)."""
    opens, closes = text_hours_open(moment)
    if spa_local(moment) < opens:
        if opens < start:
            return opens
        _, closed_before = text_hours_open(opens - datetime.timedelta(days=1))
        return closed_before - LAST_CALL
    if spa_local(moment) > closes - LAST_CALL:
        return closes - LAST_CALL
    return moment


def reminder_moments(appointment: Appointment) -> dict[str, datetime.datetime]:
    """When each text of this appointment is due."""
    start = appointment.start
    return {
        str(TextKind.UNCONFIRMED): text_moment(
            start - _hours("REMINDER_UNCONFIRMED_TEXT_HOURS"), start
        ),
        str(TextKind.SAME_DAY): text_moment(start - _hours("REMINDER_SAME_DAY_TEXT_HOURS"), start),
    }


def mail_moment(appointment: Appointment) -> datetime.datetime | None:
    """When the reminder mail is due: 48 hours ahead; for a booking made after that,
    the day before (24 hours); none for a booking made later still (its confirmation
    mail was the reminder)."""
    for setting in ("REMINDER_CONFIRM_MAIL_HOURS", "REMINDER_UNCONFIRMED_TEXT_HOURS"):
        moment = appointment.start - _hours(setting)
        if appointment.created_at <= moment:
            return moment
    return None


def texts_wanted(appointment: Appointment) -> bool:
    """The spa sends texts, and this client agreed to them for this visit."""
    return (
        settings.TEXTS_ENABLED
        and appointment.sms_opt_in_at is not None
        and bool(appointment.client_phone)
    )


def due_reminders(appointment: Appointment, now: datetime.datetime) -> list[str]:
    """The kinds whose moment has come and that this appointment should get now."""
    moments = reminder_moments(appointment)
    text, same_day = moments[str(TextKind.UNCONFIRMED)], moments[str(TextKind.SAME_DAY)]
    unconfirmed = appointment.client_confirmed_at is None
    texts = texts_wanted(appointment)
    due = []
    mail = mail_moment(appointment)
    # The "please confirm" text, once due, takes over from the mail; without it the
    # mail may go (late, after a worker outage) until the visit.
    mail_until = text if texts and unconfirmed else appointment.start
    if appointment.client_email and mail is not None and mail <= now < mail_until:
        due.append(str(messages.Kind.REMINDER))
    if texts and unconfirmed and appointment.created_at <= text <= now < same_day:
        due.append(str(TextKind.UNCONFIRMED))
    # Booked after that moment: the booking itself was the reminder.
    if texts and appointment.created_at <= same_day <= now:
        due.append(str(TextKind.SAME_DAY))
    return due


def plan_reminders(now: datetime.datetime | None = None) -> list[OutboxMessage]:
    """Queue every reminder that has come due and isn't queued yet; the rows queued."""
    now = now or timezone.now()
    soon = Appointment.objects.filter(
        status=Appointment.Status.CONFIRMED,
        start__gt=now,
        start__lte=now + max(confirm_window(), _hours("REMINDER_UNCONFIRMED_TEXT_HOURS")),
    ).select_related("treatment", "practitioner")
    soon = list(soon)
    ids = [appointment.pk for appointment in soon]
    planned = {
        (row["appointment_id"], row["kind"], row["about_start"])
        for model in (OutboundEmail, OutboundText)
        for row in model.objects.filter(appointment_id__in=ids, kind__in=REMINDER_KINDS).values(
            "appointment_id", "kind", "about_start"
        )
    }
    queued = []
    for appointment in soon:
        for kind in due_reminders(appointment, now):
            if (appointment.pk, kind, appointment.start) not in planned:
                queued += _queue_reminder(appointment, kind, now)
    return queued


def _queue_reminder(
    appointment: Appointment, kind: str, now: datetime.datetime
) -> list[OutboxMessage]:
    try:
        with transaction.atomic():
            if kind == messages.Kind.REMINDER:
                return [
                    messages.queue(
                        appointment, messages.Kind.REMINDER, now, about_start=appointment.start
                    )
                ]
            return [queue_text(appointment, TextKind(kind), now, about_start=appointment.start)]
    except IntegrityError:  # planned meanwhile by another run (one row per intent)
        return []
    except Exception:  # one visit's reminder must not stop everyone else's
        logger.exception("Reminder %s for appointment %s not planned", kind, appointment.pk)
        return []


def skip_reason(message: OutboxMessage, now: datetime.datetime) -> str:
    """Why a queued reminder should no longer go ("" = send it); a text outside the
    hours texts may go raises NotNow."""
    appointment = message.appointment
    if appointment is None:
        return "The appointment was deleted."
    if appointment.status != Appointment.Status.CONFIRMED:
        return f"The appointment is {appointment.get_status_display()}."
    if appointment.start != message.about_start:
        return "The appointment moved; the new time gets its own reminders."
    if appointment.start <= now:
        return "The visit has started."
    if message.kind in ASK_TO_CONFIRM and appointment.client_confirmed_at is not None:
        return "The client confirmed."
    if isinstance(message, OutboundText):
        if not settings.TEXTS_ENABLED:
            return "Texts are turned off."
        if opted_out(message.to):
            return "The number opted out (STOP)."
        if appointment.sms_opt_in_at is None:
            return "The client has not agreed to texts."
        opens, closes = text_hours_open(now)
        if spa_local(now) < opens:
            raise NotNow(opens)
        if spa_local(now) >= closes:
            next_day, _ = text_hours_open(closes + datetime.timedelta(hours=12))
            if next_day >= appointment.start:
                return "Too late for text hours before the visit."
            raise NotNow(next_day)
    return ""


def client_confirms(appointment: Appointment, now: datetime.datetime, how: str) -> bool:
    """The client says they will come (the mail's link, a "C" reply): True if that
    counted (a confirmed, upcoming visit), recorded once with how they said it."""
    with transaction.atomic():
        current = (
            Appointment.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk=appointment.pk)
            .first()
        )
        if current is None or current.status != Appointment.Status.CONFIRMED:
            return False
        if current.start <= now:
            return False
        if current.client_confirmed_at is None:
            current.client_confirmed_at = now
            current.save(update_fields=["client_confirmed_at", "updated_at"])
            record_event(current, AppointmentEvent.Action.CLIENT_CONFIRMED, None, how)
        appointment.client_confirmed_at = current.client_confirmed_at
        return True
