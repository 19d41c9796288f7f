"""What a client's text reply does: C confirms, STOP opts out, START opts back in, HELP
answers. Keywords as carriers and Twilio's opt-out handling know them."""

import datetime

from django.conf import settings
from django.db import transaction

from bookings.models import Appointment, AppointmentEvent, OutboundText, OutboxMessage, TextOptOut
from bookings.services.history import record_event
from bookings.services.reminders import client_confirms
from bookings.services.texts import confirmed_answer, help_answer

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "UNSTOP", "YES"}
HELP_WORDS = {"HELP", "INFO"}
CONFIRM_WORDS = {"C", "CONFIRM", "CONFIRMED"}


def answer_reply(phone: str, body: str, now: datetime.datetime) -> str:
    """Act on a text from `phone` (E.164); the answer to text back ("" for none: on
    STOP and START the provider sends the carriers' standard answer itself)."""
    word = body.strip().upper().rstrip(".!")
    if word in STOP_WORDS:
        # The word as sent: a "CANCEL" may have meant the visit, which the desk can ask.
        stop_texts(phone, how=f'replied "{word}" by text')
        return ""
    if word in START_WORDS:
        TextOptOut.objects.filter(phone=phone).delete()
        return ""
    if word in HELP_WORDS:
        return help_answer()
    if word in CONFIRM_WORDS:
        appointment = _next_visit(phone, now)
        if appointment is not None and client_confirms(appointment, now, "replied C by text"):
            return confirmed_answer(appointment)
        return (
            f"{settings.SPA_NAME}: we found no upcoming visit to confirm for this number. "
            f"Please call {settings.SPA_PHONE}."
        )
    return f"{settings.SPA_NAME}: reply C to confirm your visit, HELP for help, or call " + (
        f"{settings.SPA_PHONE}."
    )


def stop_texts(phone: str, *, by=None, how: str = "STOP") -> None:
    """No text goes to `phone` from now on: the opt-out is recorded, every queued text
    to it is dropped, and its upcoming visits' history says so (`by`: the staff member
    who recorded it, when the client asked on the phone rather than by text)."""
    with transaction.atomic():
        _, created = TextOptOut.objects.get_or_create(phone=phone)
        OutboundText.objects.filter(to=phone, state=OutboxMessage.State.QUEUED).update(
            state=OutboxMessage.State.SKIPPED, last_error="The number opted out (STOP)."
        )
        if created:
            upcoming = Appointment.objects.filter(
                client_phone=phone, sms_opt_in_at__isnull=False, status__in=_UPCOMING
            )
            for appointment in upcoming:
                record_event(appointment, AppointmentEvent.Action.TEXTS_STOPPED, by, how)


_UPCOMING = [Appointment.Status.CONFIRMED, Appointment.Status.PENDING_REVIEW]


def _next_visit(phone: str, now: datetime.datetime) -> Appointment | None:
    return (
        Appointment.objects.filter(
            client_phone=phone,
            status=Appointment.Status.CONFIRMED,
            start__gt=now,
        )
        .order_by("start")
        .first()
    )


# Twilio's delivery statuses, in the order they happen; reports may arrive out of order.
DELIVERY_ORDER = ["accepted", "queued", "sending", "sent", "delivered", "undelivered", "failed"]
FINAL = {"delivered", "undelivered", "failed"}


def record_delivery(text_id: str, provider_id: str, status: str, error_code: str) -> bool:
    """The provider's delivery report: a failed or undelivered text is marked failed
    with its reason, for the front desk to see. False for an unknown message."""
    if not text_id.isdigit() or not provider_id:
        return False
    with transaction.atomic():
        # Waits for the sending transaction, should the report beat its commit.
        text = OutboundText.objects.select_for_update().filter(pk=int(text_id)).first()
        if text is None or text.provider_id not in ("", provider_id):
            return False
        if text.delivery_status in FINAL or status not in DELIVERY_ORDER:
            return True  # a late, older report: the newer one stands
        text.delivery_status = status
        fields = ["delivery_status"]
        if status in ("failed", "undelivered"):
            text.state = OutboxMessage.State.FAILED
            text.last_error = (
                f"Twilio reported the text {status} (error {error_code[:10] or 'none'})."
            )
            fields += ["state", "last_error"]
        text.save(update_fields=fields)
    return True
