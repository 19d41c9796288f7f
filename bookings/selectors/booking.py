"""Reads for booking: each costs a fixed number of queries, whatever the data size."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Prefetch

from bookings.availability import Interval, Policy, PractitionerDay, Slot, day_bounds, free_slots
from bookings.models import Appointment
from practitioners.models import Practitioner, TimeOff, WorkingHours
from practitioners.supervision import agreements_for, physician_from_agreements
from treatments.models import Treatment


def bookable_treatment(slug: str) -> Treatment | None:
    """An active treatment with what booking needs loaded, or None (3 queries)."""
    return (
        Treatment.objects.active()
        .select_related("category")
        .prefetch_related("allowed_roles", "contraindication_rules__contraindication")
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
):
    """(practitioner id, from, until) of every time off and every appointment holding
    time (cleanup buffer included) that touches [start, end): one query."""
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
    return time_off.order_by().union(appointments.order_by(), all=True)


def practitioner_days(
    treatment: Treatment,
    practitioners: list[Practitioner],
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    policy: Policy,
    ignore_appointment_id: int | None = None,
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
        ids, bounds.start, bounds.end, ignore_appointment_id=ignore_appointment_id
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
) -> list[Slot]:
    """Free slots for a treatment over `days` days from `first_day`, computed from the
    database on every call (a fixed number of queries, whatever the data size).

    `ignore_appointment_id`: the appointment being moved does not block its own new time.
    """
    if practitioners is None:
        practitioners = qualified_practitioners(treatment)
    if practitioner_id is not None:
        practitioners = [p for p in practitioners if p.pk == practitioner_id]
    if not practitioners:
        return []
    last_day = first_day + datetime.timedelta(days=days - 1)
    return free_slots(
        practitioner_days(
            treatment,
            practitioners,
            first_day=first_day,
            last_day=last_day,
            policy=policy,
            ignore_appointment_id=ignore_appointment_id,
        ),
        days=dates_between(first_day, last_day),
        duration=datetime.timedelta(minutes=treatment.duration_minutes),
        buffer=datetime.timedelta(minutes=treatment.buffer_minutes),
        now=now,
        policy=policy,
    )
