"""Waitlist offers: made by the worker when a time frees up (or by the front desk by
hand), expired by the minute schedule, accepted through the booking writer.

An offer holds its practitioner and its rooms and devices until hold_until: the
booking selectors count a live hold as busy for everyone else, read from the
database under the booking locks. One entry holds at most one offer; one freed time
is offered to one entry at a time, in join order.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from bookings.availability import Policy, Slot
from bookings.models import (
    Appointment,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOpening,
)
from bookings.selectors.booking import available_slots, dates_between
from bookings.services.appointments import BookingPlan, appointment_book, appointment_validate
from bookings.services.clients import ClientDetails
from bookings.services.intake import ConsentGiven, IntakeAnswers
from bookings.services.locks import lock_schedules, treatment_as_stored
from bookings.services.waitlist import time_freed
from bookings.services.waitlist_mail import Kind, queue_waitlist_mail
from practitioners.models import Practitioner
from treatments.models import Treatment

logger = logging.getLogger(__name__)

# Entries tried for one freed time (each costs a free-times read): the first matching
# one gets it, so a long waitlist of non-matching entries is cut short.
MAX_ENTRIES_TRIED = 50

State = WaitlistOffer.State


def _hold_until(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(minutes=settings.WAITLIST_HOLD_MINUTES)


def _in_windows(entry: WaitlistEntry, start: datetime.datetime, zone) -> bool:
    local = start.astimezone(zone)
    return any(
        window.date_from <= local.date() <= window.date_to
        and window.earliest <= local.time() <= window.latest
        for window in entry.windows.all()
    )


def _matching_entries(opening: WaitlistOpening, now: datetime.datetime) -> list[WaitlistEntry]:
    """Waiting entries that could use the freed time, in join order: the treatment is
    performed by the freed practitioner (or needs the freed room or device), the
    entry's practitioner is that one or "any", a window covers its day, and it was not
    offered this time before (an offer that expired passes to the next entry)."""
    zone = Policy.from_settings().zone
    first = opening.start.astimezone(zone)
    last = opening.until.astimezone(zone)
    # One window must hold both the day and the time of day (the same filter() call:
    # the same window row), before MAX_ENTRIES_TRIED cuts the list short.
    window = Q(windows__date_from__lte=last.date(), windows__date_to__gte=first.date())
    if first.date() == last.date():
        window &= Q(windows__earliest__lt=last.time(), windows__latest__gte=first.time())
    entries = WaitlistEntry.objects.filter(
        window,
        state=WaitlistEntry.State.WAITING,
        expires_at__gt=now,
        treatment__is_active=True,
    )
    if opening.practitioner_id is not None:
        entries = entries.filter(
            Q(practitioner__isnull=True) | Q(practitioner_id=opening.practitioner_id),
            treatment__qualified_practitioners=opening.practitioner_id,
        )
    if opening.resource_id is not None:
        entries = entries.filter(treatment__resource_needs__resources=opening.resource_id)
    offered_before = WaitlistOffer.objects.filter(
        start__lt=opening.until, blocked_until__gt=opening.start
    )
    if opening.practitioner_id is not None:
        offered_before = offered_before.filter(practitioner_id=opening.practitioner_id)
    entries = entries.exclude(pk__in=offered_before.values("entry_id"))
    return list(
        entries.distinct()
        .select_related("treatment", "practitioner")
        .prefetch_related("windows")
        .order_by("created_at", "pk")[:MAX_ENTRIES_TRIED]
    )


def _candidate_slots(
    entry: WaitlistEntry, opening: WaitlistOpening, now: datetime.datetime
) -> list[Slot]:
    """Free starts (holds and all) inside the freed time and the entry's windows."""
    policy = Policy.from_settings(entry.treatment)
    first_day = max(
        opening.start.astimezone(policy.zone).date(), now.astimezone(policy.zone).date()
    )
    last_day = min(opening.until.astimezone(policy.zone).date(), policy.last_bookable_day(now))
    if last_day < first_day:
        return []
    slots = available_slots(
        entry.treatment,
        first_day=first_day,
        days=len(list(dates_between(first_day, last_day))),
        now=now,
        policy=policy,
        practitioner_id=opening.practitioner_id or entry.practitioner_id,
    )
    return [
        slot
        for slot in slots
        if opening.start <= slot.start < opening.until
        and _in_windows(entry, slot.start, policy.zone)
    ]


def _plan_under_locks(
    entry: WaitlistEntry, practitioner: Practitioner, start: datetime.datetime, now
) -> BookingPlan:
    """The validator's plan for the time, its locks taken (in the caller's
    transaction): the same rules as a booking, the client's answers aside (accepting
    checks them)."""
    lock_schedules(entry.treatment, practitioner)
    return appointment_validate(
        treatment=treatment_as_stored(entry.treatment_id),
        practitioner=practitioner,
        start=start,
        now=now,
        clinical=False,
    )


def _make_offer(
    entry: WaitlistEntry, plan: BookingPlan, now: datetime.datetime, by=None
) -> WaitlistOffer:
    offer = WaitlistOffer.objects.create(
        entry=entry,
        practitioner=plan.practitioner,
        start=plan.start,
        end=plan.end,
        blocked_until=plan.blocked_until,
        hold_until=_hold_until(now),
        offered_by=by,
    )
    offer.resources.set(plan.resource_ids)
    entry.state = WaitlistEntry.State.OFFERED
    entry.save(update_fields=["state"])
    queue_waitlist_mail(entry, Kind.OFFER, offer)
    return offer


class _NotWaiting(Exception):
    """The entry was offered a time (or left) since the candidates were read."""


def _offer_one_start(
    entry: WaitlistEntry, opening: WaitlistOpening, slot: Slot, now: datetime.datetime
) -> WaitlistOffer:
    """One try in its own transaction: lock, validate, offer, note what is left over.
    A refusal raises and rolls the try back, so its locks are never held into the next
    try (which may lock lower ids: out of the order bookings/services/locks.py keeps)."""
    with transaction.atomic():
        practitioner = Practitioner.objects.get(pk=slot.practitioner_id)
        plan = _plan_under_locks(entry, practitioner, slot.start, now)
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.state != WaitlistEntry.State.WAITING:
            raise _NotWaiting
        offer = _make_offer(entry, plan, now)
        _note_remainders(opening, plan, now)
        _mark_done(opening, now)
        return offer


def _note_remainders(opening: WaitlistOpening, plan: BookingPlan, now: datetime.datetime) -> None:
    """The parts of the freed time this offer leaves free, before and after it, are
    freed times of their own (long enough for the shortest treatment)."""
    shortest = Treatment.objects.filter(is_active=True).aggregate(m=Min("duration_minutes"))["m"]
    if shortest is None:
        return
    for start, until in ((opening.start, plan.start), (plan.blocked_until, opening.until)):
        if until - max(start, now) >= datetime.timedelta(minutes=shortest):
            time_freed(
                practitioner_id=opening.practitioner_id,
                resource_id=opening.resource_id,
                start=start,
                until=until,
                why=opening.why[:40],
                now=now,
            )


# How long one worker has an opening to itself; a worker killed meanwhile loses it
# for no longer than this.
OPENING_LEASE = datetime.timedelta(minutes=3)


def _claim(opening_id: int, now: datetime.datetime) -> WaitlistOpening | None:
    """Lease the opening in a short transaction of its own: one worker offers it. It is
    marked done with the offer (in the offer's own transaction) or when nobody matched."""
    with transaction.atomic():
        opening = (
            WaitlistOpening.objects.select_for_update(skip_locked=True)
            .filter(pk=opening_id, done_at__isnull=True)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
            .first()
        )
        if opening is not None:
            opening.leased_until = now + OPENING_LEASE
            opening.save(update_fields=["leased_until"])
    return opening


def _mark_done(opening: WaitlistOpening, now: datetime.datetime) -> None:
    WaitlistOpening.objects.filter(pk=opening.pk).update(done_at=now)


def offer_freed_time(opening_id: int, now: datetime.datetime | None = None) -> WaitlistOffer | None:
    """The worker's task: offer one freed time to the first matching entry (in join
    order) whose windows hold a start the validator accepts now. Runs once per
    opening, whoever runs it (the task, the minute schedule's catch-up).

    No lock is held while the candidates and their free times are read; each start
    tried takes the booking locks in a transaction of its own (_offer_one_start)."""
    now = now or timezone.now()
    opening = _claim(opening_id, now)
    if opening is None:
        return None
    for entry in _matching_entries(opening, now):
        for slot in _candidate_slots(entry, opening, now):
            try:
                return _offer_one_start(entry, opening, slot, now)
            except ValidationError:
                continue  # taken since the free times were read: try the next start
            except _NotWaiting:
                break
    _mark_done(opening, now)
    return None


def offer_by_hand(
    *,
    entry: WaitlistEntry,
    practitioner: Practitioner,
    start: datetime.datetime,
    by=None,
    now: datetime.datetime | None = None,
) -> WaitlistOffer:
    """The front desk offers a time to an entry: the same validator as a booking, the
    same hold and mail as the worker's offer. Raises ValidationError keyed by field."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = _plan_under_locks(entry, practitioner, start, now)
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.state != WaitlistEntry.State.WAITING:
            raise ValidationError(
                f"This entry is {entry.get_state_display()}: it cannot get another offer now."
            )
        return _make_offer(entry, plan, now, by=by)


def expire_holds(now: datetime.datetime | None = None) -> int:
    """The minute schedule: holds whose time ran out end, their entries wait again (or
    expire with their last window), and each time goes to the next matching entry."""
    now = now or timezone.now()
    with transaction.atomic():
        ended = list(
            WaitlistOffer.objects.select_for_update(skip_locked=True)
            .filter(state=State.HELD, hold_until__lte=now)
            .order_by("pk")
        )
        for offer in ended:
            offer.state = State.EXPIRED
            offer.save(update_fields=["state"])
            WaitlistEntry.objects.filter(
                pk=offer.entry_id, state=WaitlistEntry.State.OFFERED
            ).update(state=WaitlistEntry.State.WAITING)
            time_freed(
                practitioner_id=offer.practitioner_id,
                start=offer.start,
                until=offer.blocked_until,
                why="hold expired",
                now=now,
            )
        WaitlistEntry.objects.filter(state=WaitlistEntry.State.WAITING, expires_at__lte=now).update(
            state=WaitlistEntry.State.EXPIRED
        )
    return len(ended)


def run_minute(now: datetime.datetime | None = None) -> dict[str, int]:
    """The waitlist's part of the worker's minute: expire holds, then offer every freed
    time still waiting (catching up on a task lost with a killed worker)."""
    now = now or timezone.now()
    expired = expire_holds(now)
    pending = list(
        WaitlistOpening.objects.filter(done_at__isnull=True)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:200]
    )
    offers = 0
    for pk in pending:
        # One opening that fails is logged and left: the others are still offered.
        try:
            offers += offer_freed_time(pk, now) is not None
        except Exception:
            logger.exception("Offering freed time %s failed", pk)
    return {"waitlist holds expired": expired, "waitlist offers made": offers}


class OfferGone(ValidationError):
    """The offer can no longer be accepted (taken by another, expired, withdrawn)."""


def offer_accept(
    *,
    offer: WaitlistOffer,
    intake: IntakeAnswers | None = None,
    consent: ConsentGiven | None = None,
    submission_key: str | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book the offered time through appointment_book (the same validator and writer;
    this offer's own hold does not block it), mark the offer accepted and the entry
    booked. The same form posted twice (same `submission_key`) returns the booking;
    anyone else's accept after that is refused (OfferGone)."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_schedules(offer.entry.treatment, offer.practitioner)
        offer = (
            WaitlistOffer.objects.select_for_update(of=("self",))
            .select_related("entry__treatment", "practitioner", "appointment")
            .get(pk=offer.pk)
        )
        if offer.state == State.ACCEPTED:
            if (
                submission_key
                and offer.appointment is not None
                and offer.appointment.submission_key == submission_key
            ):
                return offer.appointment
            raise OfferGone("This offer has already been accepted.")
        if offer.state == State.WITHDRAWN:
            raise OfferGone("This offer was withdrawn: you left the waitlist.")
        if offer.state != State.HELD or offer.hold_until <= now:
            raise OfferGone(
                "This offer has ended: its hold ran out and the time was offered to someone else."
            )
        entry = offer.entry
        appointment = appointment_book(
            treatment=entry.treatment,
            practitioner=offer.practitioner,
            start=offer.start,
            client=ClientDetails(
                first_name=entry.first_name,
                last_name=entry.last_name,
                email=entry.email,
                phone=entry.phone,
                sms_opt_in=entry.sms_opt_in_at is not None,
            ),
            intake=intake,
            consent=consent,
            now=now,
            submission_key=submission_key,
            ignore_offer_id=offer.pk,
        )
        offer.state = State.ACCEPTED
        offer.appointment = appointment
        offer.save(update_fields=["state", "appointment"])
        entry.state = WaitlistEntry.State.BOOKED
        entry.save(update_fields=["state"])
    return appointment
