"""Text messages to clients who opted in: written here, sent by the worker.

Texts are read on lock screens: a medical one names neither the treatment nor the
practitioner (DOMAIN.md), only "your appointment at <spa>".
"""

import datetime
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, OutboundText, TextOptOut
from bookings.services import outbox
from bookings.services.outbox import SEND_TEXT_TASK, hand_to_worker
from medspa.clock import clock, relative_day
from medspa.texts import Text, TextRefused, text_backend


class TextKind(StrEnum):
    UNCONFIRMED = "text_unconfirmed"
    SAME_DAY = "text_same_day"


def _what(appointment: Appointment) -> str:
    if appointment.is_medical:
        return "appointment"
    return f"{appointment.treatment.name} with {appointment.practitioner.display_name}"


def text_body(appointment: Appointment, kind: TextKind, now: datetime.datetime) -> str:
    when = f"{relative_day(appointment.start, now)} at {clock(appointment.start)}"
    what = _what(appointment)
    if kind == TextKind.UNCONFIRMED:
        return (
            f"{settings.SPA_NAME}: your {what} is {when}. Reply C to confirm, or call "
            f"{settings.SPA_PHONE} to change it. Reply STOP to opt out."
        )
    return (
        f"{settings.SPA_NAME}: see you {when} for your {what}. "
        f"Questions: {settings.SPA_PHONE}. Reply STOP to opt out."
    )


def help_answer() -> str:
    return (
        f"{settings.SPA_NAME} appointment reminders. Call {settings.SPA_PHONE} for help. "
        "Reply C to confirm a visit, STOP to opt out, START to opt back in."
    )


def confirmed_answer(appointment: Appointment) -> str:
    return (
        f"{settings.SPA_NAME}: thank you, you're confirmed for "
        f"{relative_day(appointment.start, timezone.now())} at {clock(appointment.start)}."
    )


def opted_out(phone: str) -> bool:
    return TextOptOut.objects.filter(phone=phone).exists()


def queue_text(
    appointment: Appointment,
    kind: TextKind,
    now: datetime.datetime,
    *,
    about_start: datetime.datetime,
) -> OutboundText:
    """One text in the current transaction; the worker sends it after commit."""
    text = OutboundText.objects.create(
        to=appointment.client_phone,
        body=text_body(appointment, kind, now),
        appointment=appointment,
        kind=str(kind),
        about_start=about_start,
        # Its task is queued at commit; the schedule hands it out again only if lost.
        **outbox.new_row_times(),
    )
    transaction.on_commit(lambda: hand_to_worker(SEND_TEXT_TASK, text.pk), robust=True)
    return text


def send_text(text: OutboundText, now: datetime.datetime) -> None:
    """Send one outbox text (outbox.deliver holds its lock); raises on failure."""
    if text.appointment_id is not None:
        # "Tomorrow" written last night is "today" this morning.
        text.body = text_body(text.appointment, TextKind(text.kind), now)
    try:
        text.provider_id = text_backend().send(
            Text(
                to=text.to,
                body=text.body,
                # Our row's id in the URL (covered by Twilio's signature): a report that
                # beats this transaction's commit still finds its text.
                status_callback=f"{settings.SITE_URL}{reverse('bookings:text_status')}"
                f"?text={text.pk}",
            )
        )
    except TextRefused as refused:
        if refused.opted_out:  # replied STOP at the provider before we heard of it
            TextOptOut.objects.get_or_create(phone=text.to)
        raise
    text.delivery_status = "sent"
