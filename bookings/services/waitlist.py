"""The waitlist: joining and leaving, and noting a freed time for the worker.

Every writer that frees time (cancel, decline, a move away, an out-of-service period
shortened) calls time_freed in its own transaction: an opening row, and after commit
the worker's task that offers it (services/waitlist_offers.py). Offering, expiring
holds and catching up run in the worker, never in a request.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from bookings.availability import Policy, to_instant
from bookings.models import WaitlistEntry, WaitlistOffer, WaitlistOpening, normalise_email
from bookings.selectors.booking import qualified_practitioners
from bookings.services.clients import ClientDetails
from bookings.services.outbox import hand_to_worker
from bookings.services.waitlist_mail import Kind, queue_waitlist_mail
from medspa.phones import INVALID_PHONE, phone_to_e164
from practitioners.models import Practitioner
from treatments.models import Treatment

# The worker's task (bookings/tasks.py), named so that services never import it.
OFFER_FREED_TIME_TASK = "bookings.tasks.offer_freed_time"


@dataclass(frozen=True)
class WindowWanted:
    """Days from `date_from` to `date_to`, a start from `earliest` to `latest` (local)."""

    date_from: datetime.date
    date_to: datetime.date
    earliest: datetime.time
    latest: datetime.time


def waitlist_join_problems(
    *,
    treatment: Treatment,
    practitioner: Practitioner | None,
    windows: list[WindowWanted],
    now: datetime.datetime | None = None,
) -> dict[str, list[str]]:
    """What is wrong with a request to join, keyed by the contract's field names.

    Windows: at least one; the days from today to the end of the booking horizon,
    the last not before the first; the earliest start before the latest. The
    practitioner, when one is named, must perform the treatment.
    """
    now = now or timezone.now()
    policy = Policy.from_settings(treatment)
    today = now.astimezone(policy.zone).date()
    last = policy.last_bookable_day(now)
    errors: dict[str, list[str]] = {}
    if not treatment.is_active:
        errors["__all__"] = ["This treatment is no longer offered online. Please call us."]
    if practitioner is not None and practitioner.pk not in {
        p.pk for p in qualified_practitioners(treatment)
    }:
        errors["practitioner"] = [
            "That practitioner does not perform this treatment. Please choose another."
        ]
    if not windows:
        errors["date_from"] = ["Please give the days you could come."]
    for window in windows:
        if window.date_from < today:
            errors["date_from"] = ["The first day must be today or later."]
        if window.date_to < window.date_from:
            errors["date_to"] = ["The last day must not be before the first day."]
        elif window.date_to > last:
            days = policy.max_advance_days
            errors["date_to"] = [
                f"We book up to {days} day{pluralize(days)} ahead: please choose a last "
                f"day on or before {last:%Y-%m-%d}."
            ]
        if window.earliest >= window.latest:
            errors["latest"] = ["The latest start must be after the earliest start."]
    return errors


def waitlist_join(
    *,
    treatment: Treatment,
    practitioner: Practitioner | None,
    client: ClientDetails,
    windows: list[WindowWanted],
    now: datetime.datetime | None = None,
) -> WaitlistEntry:
    """Put a client on the waitlist, or raise ValidationError keyed by field (nothing
    saved). Mails a confirmation with the link to leave, through the outbox. An email
    already waiting (or offered a time) for the treatment gets its open entry back, and
    that entry's mail again: one person cannot hold every freed time many times over,
    and the page answers as for a first join, so it tells nobody who is waiting for
    what (the mailbox learns it, as it would anyway)."""
    now = now or timezone.now()
    errors = waitlist_join_problems(
        treatment=treatment, practitioner=practitioner, windows=windows, now=now
    )
    phone = phone_to_e164(client.phone)
    if phone is None:
        errors["phone"] = [INVALID_PHONE]
    if errors:
        raise ValidationError(errors)
    email = normalise_email(client.email)
    with transaction.atomic():
        existing = _open_entry(treatment, email)
        if existing is None:
            try:
                with transaction.atomic():
                    return _create_entry(
                        treatment, practitioner, client, email, phone, windows, now
                    )
            except IntegrityError:  # the same email joined at the same moment
                existing = _open_entry(treatment, email)
        if existing is None:  # joined and left again in the same instant
            raise ValidationError("Please try again in a moment.", code="busy")
        queue_waitlist_mail(existing, Kind.JOINED)
        return existing


def _open_entry(treatment: Treatment, email: str) -> WaitlistEntry | None:
    return (
        WaitlistEntry.objects.select_for_update()
        .filter(treatment=treatment, email=email, state__in=WaitlistEntry.OPEN_STATES)
        .first()
    )


def _create_entry(treatment, practitioner, client, email, phone, windows, now) -> WaitlistEntry:
    """One open entry per email and treatment (the constraint waitlist_one_open_entry
    raises IntegrityError for a second)."""
    zone = Policy.from_settings(treatment).zone
    last = max(windows, key=lambda window: (window.date_to, window.latest))
    entry = WaitlistEntry.objects.create(
        treatment=treatment,
        practitioner=practitioner,
        first_name=client.first_name.strip(),
        last_name=client.last_name.strip(),
        email=email,
        phone=phone,
        sms_opt_in_at=now if client.sms_opt_in else None,
        sms_consent_wording=settings.SMS_CONSENT_WORDING if client.sms_opt_in else "",
        # The end of its last window, in the spa's zone.
        expires_at=to_instant(last.date_to, last.latest, zone, later=True),
    )
    for window in windows:
        entry.windows.create(
            date_from=window.date_from,
            date_to=window.date_to,
            earliest=window.earliest,
            latest=window.latest,
        )
    queue_waitlist_mail(entry, Kind.JOINED)
    return entry


def waitlist_leave(*, entry: WaitlistEntry, now: datetime.datetime | None = None) -> WaitlistEntry:
    """Take an entry off the waitlist (the client's link, the front desk). An offer it
    holds is withdrawn and its time offered to the next entry."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.state not in WaitlistEntry.OPEN_STATES:
            return entry
        for offer in WaitlistOffer.objects.select_for_update().filter(
            entry=entry, state=WaitlistOffer.State.HELD
        ):
            offer.state = WaitlistOffer.State.WITHDRAWN
            offer.save(update_fields=["state"])
            if offer.hold_until > now:
                time_freed(
                    practitioner_id=offer.practitioner_id,
                    start=offer.start,
                    until=offer.blocked_until,
                    why="offer withdrawn",
                    now=now,
                )
        entry.state = WaitlistEntry.State.LEFT
        entry.save(update_fields=["state"])
    return entry


def time_freed(
    *,
    start: datetime.datetime,
    until: datetime.datetime,
    why: str,
    practitioner_id: int | None = None,
    resource_id: int | None = None,
    now: datetime.datetime | None = None,
) -> WaitlistOpening | None:
    """Note a freed time in the caller's transaction; after commit the worker offers it
    to the first matching entry. A time already past is not noted. A rolled-back
    cancellation notes nothing."""
    now = now or timezone.now()
    if until <= now:
        return None
    opening = WaitlistOpening.objects.create(
        practitioner_id=practitioner_id,
        resource_id=resource_id,
        start=max(start, now),
        until=until,
        why=why,
    )
    transaction.on_commit(lambda: hand_to_worker(OFFER_FREED_TIME_TASK, opening.pk), robust=True)
    return opening
