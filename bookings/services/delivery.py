"""What the worker runs: send one mail or text, and the minute schedule (plan what has
come due, hand out retries). bookings/tasks.py calls these and nothing else."""

import datetime
import logging

from django.utils import timezone

from bookings.models import OutboundEmail, OutboundText, OutboxMessage
from bookings.services import client_accounts, follow_ups, outbox, reminders, waitlist_offers
from bookings.services.messages import send_email
from bookings.services.texts import send_text

logger = logging.getLogger(__name__)


def still_wanted(message: OutboxMessage, now: datetime.datetime) -> str:
    """Why a queued row should no longer go ("" = send it). Only planned messages
    (reminders, follow-ups) can lapse; a confirmation or a cancellation notice always
    goes."""
    if message.kind in reminders.REMINDER_KINDS:
        return reminders.skip_reason(message, now)
    if message.kind in follow_ups.FOLLOW_UP_KINDS:
        return follow_ups.skip_reason(message, now)
    return ""


def deliver_email(email_id: int, now: datetime.datetime | None = None) -> str:
    return outbox.deliver(OutboundEmail, email_id, **_how(OutboundEmail), now=now)


def deliver_text(text_id: int, now: datetime.datetime | None = None) -> str:
    return outbox.deliver(OutboundText, text_id, **_how(OutboundText), now=now)


MODELS = ((OutboundEmail, outbox.SEND_EMAIL_TASK), (OutboundText, outbox.SEND_TEXT_TASK))


def run_schedule(now: datetime.datetime | None = None) -> dict[str, int]:
    """The worker's minute: plan the reminders and follow-ups that have come due, then
    hand every due row (a retry whose back-off has passed, a task lost with a killed
    worker) to the worker. Safe to run at any time, by any number of processes: each
    intent is one row, and each row is sent under its lock."""
    now = now or timezone.now()
    figures = {}
    # Retries first: a planner that fails must not hold up what is already queued.
    for model, task in MODELS:
        due = outbox.hand_out_due(model, now)
        for message_id in due:
            outbox.hand_to_worker(task, message_id)
        figures[f"{model._meta.verbose_name_plural} handed to the worker"] = len(due)
    figures.update(_plan(now)[1])
    try:
        # Holds that ran out pass to the next entry; freed times a lost task missed.
        figures.update(waitlist_offers.run_minute(now))
    except Exception:  # logged; the next minute tries again
        logger.exception("The waitlist's minute failed")
    figures["old sign-in links forgotten"] = client_accounts.forget_old_links(now)
    return figures


def run_schedule_here(now: datetime.datetime | None = None) -> dict[str, int]:
    """The same schedule, sending in this process (manage.py send_reminders): the
    reminders and follow-ups it plans, and every row whose time has come. For a spa
    whose worker is down, or to see at once what would go."""
    now = now or timezone.now()
    planned, figures = _plan(now)
    for model, _task in MODELS:
        due = set(
            model.objects.filter(
                state=OutboxMessage.State.QUEUED, next_attempt_at__lte=now
            ).values_list("pk", flat=True)
        )
        due |= {message.pk for message in planned if isinstance(message, model)}
        states = [outbox.deliver(model, pk, **_how(model), now=now) for pk in sorted(due)]
        name = model._meta.verbose_name_plural
        figures[f"{name} sent"] = states.count(OutboxMessage.State.SENT)
        figures[f"{name} still queued"] = states.count(OutboxMessage.State.QUEUED)
    return figures


def _plan(now: datetime.datetime) -> tuple[list[OutboxMessage], dict[str, int]]:
    """Queue what has come due: the rows, and how many of each sort."""
    planned, figures = [], {}
    for name, plan in (
        ("reminders", reminders.plan_reminders),
        ("follow-ups", follow_ups.plan_follow_ups),
    ):
        try:
            rows = plan(now)
        except Exception:  # logged; the next minute tries again, the other planner goes on
            logger.exception("Planning %s failed", name)
            rows = []
        planned += rows
        figures[f"{name} planned"] = len(rows)
    return planned, figures


def _how(model: type[OutboxMessage]) -> dict:
    send = send_email if model is OutboundEmail else send_text
    return {"send": send, "skip_reason": still_wanted}
