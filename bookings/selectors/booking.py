"""Reads for booking: each costs a fixed number of queries, whatever the data size."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from operator import attrgetter

from django.db.models import Prefetch
from django.utils import timezone

from bookings.availability import (
    Interval,
    Need,
    Policy,
    PractitionerDay,
    ResourceDay,
    Slot,
    day_bounds,
    free_slots,
)
from bookings.models import LONGEST_HOLD, Appointment, ResourceAllocation, WaitlistOffer
from practitioners.models import Practitioner, TimeOff, WorkingHours
from practitioners.supervision import agreements_for, physician_from_agreements
from treatments.models import ResourceOutOfService, Treatment

# What booking reads with a treatment: who may perform it, what rules it out, and
# which rooms and devices it needs.
BOOKING_RULES = (
    "allowed_roles",
    "contraindication_rules__contraindication",
    "resource_needs__resources",
)


def bookable_treatment(slug: str) -> Treatment | None:
    """An active treatment with what booking needs loaded, or None (5 queries)."""
    return (
        Treatment.objects.active()
        .select_related("category")
        .prefetch_related(*BOOKING_RULES)
        .filter(slug=slug)
        .first()
    )


def qualified_practitioners(treatment: Treatment) -> list[Practitioner]:
    """Active practitioners qualified for the treatment whose role may perform it, with
    their working hours (2 queries)."""
    practitioners = (
        Practitioner.objects.active()
        .filter(qualified_treatments=treatment)
        .select_related("role")
        .prefetch_related(
            Prefetch(
                "working_hours", queryset=WorkingHours.objects.order_by("weekday", "starts_at")
            )
        )
        .order_by("display_order", "display_name")
    )
    return [p for p in practitioners if treatment.role_may_perform(p.role)]


def busy_times(
    practitioner_ids: list[int],
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    ignore_appointment_id: int | None = None,
    ignore_offer_id: int | None = None,
    now: datetime.datetime | None = None,
):
    """(practitioner id, from, until) of every time off, every appointment holding
    time (cleanup buffer included) and every live waitlist hold that touches
    [start, end): one query."""
    time_off = TimeOff.objects.filter(
        practitioner_id__in=practitioner_ids, starts_at__lt=end, ends_at__gt=start
    ).values_list("practitioner_id", "starts_at", "ends_at")
    appointments = (
        Appointment.objects.holding_time()
        .overlapping(start, end)
        .filter(practitioner_id__in=practitioner_ids)
    )
    if ignore_appointment_id is not None:
        appointments = appointments.exclude(pk=ignore_appointment_id)
    appointments = appointments.values_list("practitioner_id", "start", "blocked_until")
    holds = _live_holds(start, end, ignore_offer_id, now).filter(
        practitioner_id__in=practitioner_ids
    )
    holds = holds.values_list("practitioner_id", "start", "blocked_until")
    return time_off.order_by().union(appointments.order_by(), holds.order_by(), all=True)


def _live_holds(
    start: datetime.datetime,
    end: datetime.datetime,
    ignore_offer_id: int | None,
    now: datetime.datetime | None,
):
    """Waitlist offers still holding their time over [start, end). A hold past its
    hold_until frees the time at once, before the worker marks it expired; the offer
    being accepted (`ignore_offer_id`) does not block its own booking."""
    holds = WaitlistOffer.objects.filter(
        state=WaitlistOffer.State.HELD,
        hold_until__gt=now or timezone.now(),
        start__gte=start - LONGEST_HOLD,
        start__lt=end,
        blocked_until__gt=start,
    )
    if ignore_offer_id is not None:
        holds = holds.exclude(pk=ignore_offer_id)
    return holds


def practitioner_days(
    treatment: Treatment,
    practitioners: list[Practitioner],
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    policy: Policy,
    ignore_appointment_id: int | None = None,
    ignore_offer_id: int | None = None,
    now: datetime.datetime | None = None,
) -> list[PractitionerDay]:
    """Working blocks, time off and busy time of each practitioner over the days.

    Medical treatments also limit each practitioner to the days on which their
    licence is valid and a physician supervises them for it. Costs 1 query, and for
    medical treatments 2 more (the supervision agreements).
    """
    if not practitioners:
        return []
    ids = [p.pk for p in practitioners]
    bounds = day_bounds(first_day, last_day, policy.zone)
    unavailable: dict[int, list[Interval]] = defaultdict(list)
    for practitioner_id, start, end in busy_times(
        ids,
        bounds.start,
        bounds.end,
        ignore_appointment_id=ignore_appointment_id,
        ignore_offer_id=ignore_offer_id,
        now=now,
    ):
        unavailable[practitioner_id].append(Interval(start, end))

    days = list(dates_between(first_day, last_day))
    agreements = agreements_for(ids) if treatment.is_medical else []
    result = []
    for practitioner in practitioners:
        weekly: dict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
        for block in practitioner.working_hours.all():
            weekly[block.weekday].append((block.starts_at, block.ends_at))
        allowed_days = None
        if treatment.is_medical:
            allowed_days = {
                day
                for day in days
                if practitioner.licence_valid_on(day)
                and physician_from_agreements(
                    agreements, practitioner=practitioner, treatment=treatment, day=day
                )
            }
        elif practitioner.licence_expires_on < last_day:
            allowed_days = {day for day in days if practitioner.licence_valid_on(day)}
        result.append(
            PractitionerDay(
                practitioner_id=practitioner.pk,
                name=practitioner.display_name,
                weekly_blocks=dict(weekly),
                unavailable=unavailable[practitioner.pk],
                allowed_days=allowed_days,
            )
        )
    return result


def resource_needs(
    treatment: Treatment,
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    policy: Policy,
    ignore_appointment_id: int | None = None,
    ignore_offer_id: int | None = None,
    now: datetime.datetime | None = None,
) -> list[Need]:
    """The treatment's needs, each with its resources in service and their busy time
    over the days. Costs 1 query (the busy time), plus 2 when the treatment's needs
    were not prefetched (BOOKING_RULES); none for a treatment that needs nothing."""
    needs = [
        (need.label, sorted((r for r in need.resources.all() if r.is_active), key=attrgetter("pk")))
        for need in treatment.resource_needs.all()
    ]
    ids = {resource.pk for _, resources in needs for resource in resources}
    unavailable: dict[int, list[Interval]] = defaultdict(list)
    if ids:
        bounds = day_bounds(first_day, last_day, policy.zone)
        for resource_id, start, end in resource_busy_times(
            ids,
            bounds.start,
            bounds.end,
            ignore_appointment_id=ignore_appointment_id,
            ignore_offer_id=ignore_offer_id,
            now=now,
        ):
            unavailable[resource_id].append(Interval(start, end))
    return [
        Need(
            label=label,
            resources=tuple(
                ResourceDay(resource.pk, resource.name, unavailable[resource.pk])
                for resource in resources
            ),
        )
        for label, resources in needs
    ]


def resource_busy_times(
    resource_ids: Iterable[int],
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    ignore_appointment_id: int | None = None,
    ignore_offer_id: int | None = None,
    now: datetime.datetime | None = None,
):
    """(resource id, from, until) of every out-of-service period, every allocation
    still holding time and every live waitlist hold that touches [start, end): one
    query."""
    out_of_service = ResourceOutOfService.objects.filter(
        resource_id__in=resource_ids, starts_at__lt=end, ends_at__gt=start
    ).values_list("resource_id", "starts_at", "ends_at")
    held = ResourceAllocation.objects.filter(
        resource_id__in=resource_ids,
        holds_time=True,
        # LONGEST_HOLD bounds the start from below, so the (resource, start) index serves.
        start__gte=start - LONGEST_HOLD,
        start__lt=end,
        blocked_until__gt=start,
    )
    if ignore_appointment_id is not None:
        held = held.exclude(appointment_id=ignore_appointment_id)
    held = held.values_list("resource_id", "start", "blocked_until")
    offers = _live_holds(start, end, ignore_offer_id, now)
    offered = WaitlistOffer.resources.through.objects.filter(
        resource_id__in=resource_ids, waitlistoffer__in=offers
    ).values_list("resource_id", "waitlistoffer__start", "waitlistoffer__blocked_until")
    return out_of_service.order_by().union(held.order_by(), offered.order_by(), all=True)


def dates_between(first: datetime.date, last: datetime.date) -> Iterable[datetime.date]:
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def available_slots(
    treatment: Treatment,
    *,
    first_day: datetime.date,
    days: int,
    now: datetime.datetime,
    policy: Policy,
    practitioner_id: int | None = None,
    ignore_appointment_id: int | None = None,
    practitioners: list[Practitioner] | None = None,
    wanted_resources: frozenset[int] = frozenset(),
    ignore_offer_id: int | None = None,
) -> list[Slot]:
    """Free slots for a treatment over `days` days from `first_day`, computed from the
    database on every call (a fixed number of queries, whatever the data size).

    `ignore_appointment_id`: the appointment being moved does not block its own new time.
    `wanted_resources`: the front desk's choice of room or device; for the need that
    lists one, only the times it is free (as appointment_validate's).
    """
    if practitioners is None:
        practitioners = qualified_practitioners(treatment)
    if practitioner_id is not None:
        practitioners = [p for p in practitioners if p.pk == practitioner_id]
    if not practitioners:
        return []
    last_day = first_day + datetime.timedelta(days=days - 1)
    window = {
        "first_day": first_day,
        "last_day": last_day,
        "policy": policy,
        "ignore_appointment_id": ignore_appointment_id,
        "ignore_offer_id": ignore_offer_id,
        "now": now,
    }
    return free_slots(
        practitioner_days(treatment, practitioners, **window),
        needs=resource_needs(treatment, **window),
        days=dates_between(first_day, last_day),
        duration=datetime.timedelta(minutes=treatment.duration_minutes),
        buffer=datetime.timedelta(minutes=treatment.buffer_minutes),
        now=now,
        policy=policy,
        wanted=wanted_resources,
    )
