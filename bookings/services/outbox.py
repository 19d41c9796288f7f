"""Delivering outbox rows (mail and texts alike): one row at a time, under its lock.

The guarantees (SECURITY.md, G13):
- a row is sent by whoever holds its lock; a second worker skips it, and a row no
  longer queued is never sent again, so a clean stop (SIGTERM) sends nothing twice;
- the outcome is saved in the transaction that holds the lock: a kill between the
  provider's "accepted" and the commit leaves the row queued, and it goes again
  (at most that one message twice, nothing lost);
- a failure keeps the row queued with a back-off; the last one leaves it failed,
  with its reason, in the admin's outbox lists.
"""

import datetime
import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from bookings.models import OutboxMessage
from medspa.texts import TextRefused

logger = logging.getLogger(__name__)

# Retried for about three days (the delay doubles up to an hour), then given up: a
# weekend outage of the mail server or of Twilio loses nothing.
MAX_ATTEMPTS = 80
MAX_RETRY_DELAY = datetime.timedelta(hours=1)
# A row handed to the worker (its task queued) is left to that task this long; a task
# lost with a killed worker is handed out again after it.
LEASE = datetime.timedelta(minutes=3)

State = OutboxMessage.State
# Why a queued row is no longer wanted when its turn comes ("" = send it).
SkipReason = Callable[[OutboxMessage, datetime.datetime], str]
Send = Callable[[OutboxMessage, datetime.datetime], None]


# The worker's tasks (bookings/tasks.py), named so that services never import them.
SEND_EMAIL_TASK = "bookings.tasks.send_email"
SEND_TEXT_TASK = "bookings.tasks.send_text"


def hand_to_worker(task: str, message_id: int) -> None:
    """Queue the worker's task for one outbox row (a database row of django-q's own)."""
    async_task(task, message_id)


class NotNow(Exception):
    """Not yet (a text outside the hours texts may go): try again at `until`, without
    counting an attempt."""

    def __init__(self, until: datetime.datetime) -> None:
        super().__init__(f"waits until {until.isoformat()}")
        self.until = until


def retry_delay(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8... minutes between attempts, at most an hour."""
    return min(datetime.timedelta(minutes=2 ** min(attempts - 1, 10)), MAX_RETRY_DELAY)


def deliver(
    model: type[OutboxMessage],
    message_id: int,
    *,
    send: Send,
    skip_reason: SkipReason,
    now: datetime.datetime | None = None,
) -> str:
    """Send one queued row now; returns its state afterwards ("" when another worker
    holds it or it is no longer queued)."""
    now = now or timezone.now()
    with transaction.atomic():
        # Not before its back-off: a second task for the same row (the schedule's, a
        # redelivered one) finds nothing to do and counts no attempt.
        message = (
            model.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
            .select_related("appointment")
            .filter(pk=message_id, state=State.QUEUED, next_attempt_at__lte=now)
            .first()
        )
        if message is None:
            return ""
        try:
            reason = skip_reason(message, now)
            if reason:
                message.state = State.SKIPPED
                message.last_error = reason
                message.save(update_fields=["state", "last_error"])
                return message.state
            send(message, now)
        except NotNow as wait:
            message.next_attempt_at, message.leased_until = wait.until, None
            message.save(update_fields=["next_attempt_at", "leased_until"])
            return message.state
        except TextRefused as error:
            message.attempts += 1
            message.state = State.FAILED
            message.last_error = str(error)[:1000]
        except Exception as error:  # any transport failure: keep it, try again later
            message.attempts += 1
            # The row's id only: the error's text may repeat the address.
            logger.warning("%s %s failed: %s", model.__name__, message.pk, type(error).__name__)
            message.last_error = str(error)[:1000] or type(error).__name__
            if message.attempts >= MAX_ATTEMPTS:
                message.state = State.FAILED
            else:
                message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
                message.leased_until = None  # the schedule hands it out after the back-off
        else:
            message.attempts += 1
            message.state = State.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
        message.save()
        return message.state


def hand_out_due(model: type[OutboxMessage], now: datetime.datetime) -> list[int]:
    """The queued rows whose time has come and that no pending task holds, each leased
    to the caller for LEASE."""
    with transaction.atomic():
        due = list(
            model.objects.select_for_update(skip_locked=True, no_key=True)
            .filter(state=State.QUEUED, next_attempt_at__lte=now)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:500]
        )
        model.objects.filter(pk__in=due).update(leased_until=now + LEASE)
    return due


def new_row_times() -> dict[str, datetime.datetime]:
    """A row written now: due at once, and its task (queued at commit) holds it."""
    now = timezone.now()
    return {"next_attempt_at": now, "leased_until": now + LEASE}
