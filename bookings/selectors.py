"""Reads for booking: each costs a fixed number of queries, whatever the data size."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Prefetch

from bookings.availability import (
    Interval,
    Policy,
    PractitionerDay,
    Slot,
    day_bounds,
    earliest_start,
    open_slots,
    starting_from,
)
from bookings.hot_sql import unavailable_times
from practitioners.models import Practitioner, WorkingHours
from practitioners.supervision import agreements_for, physician_from_agreements
from treatments.catalogue_cache import remember
from treatments.models import Treatment


def bookable_treatment(slug: str) -> Treatment | None:
    """An active treatment with what booking needs loaded, or None.

    Kept in memory per catalogue version (treatments/catalogue_cache.py): 1 query
    (the version) when kept, 4 when built. Read-only.
    """
    return remember(("bookable_treatment", slug), lambda: _load_bookable_treatment(slug))


def _load_bookable_treatment(slug: str) -> Treatment | None:
    return (
        Treatment.objects.active()
        .select_related("category")
        .prefetch_related("allowed_roles", "contraindication_rules__contraindication")
        .filter(slug=slug)
        .first()
    )


def qualified_practitioners(treatment: Treatment) -> list[Practitioner]:
    """Active practitioners qualified for the treatment whose role may perform it.

    Kept in memory per catalogue version, with their working hours: no query when
    kept, 2 when built. Read-only.
    """
    return remember(
        ("qualified_practitioners", treatment.pk),
        lambda: _load_qualified_practitioners(treatment),
        keep=lambda practitioners: True,
    )


def _load_qualified_practitioners(treatment: Treatment) -> list[Practitioner]:
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
    licence is valid and a physician supervises them for it. Costs 1 query; the
    supervision agreements of medical treatments are kept in memory per catalogue
    version (2 more queries when built).
    """
    if not practitioners:
        return []
    ids = [p.pk for p in practitioners]
    bounds = day_bounds(first_day, last_day, policy.zone)
    unavailable: dict[int, list[Interval]] = defaultdict(list)
    for practitioner_id, start, end in unavailable_times(
        ids, bounds.start, bounds.end, ignore_appointment_id=ignore_appointment_id
    ):
        unavailable[practitioner_id].append(Interval(start, end))

    days = list(dates_between(first_day, last_day))
    agreements = (
        remember(("agreements", tuple(ids)), lambda: agreements_for(ids), keep=lambda _: True)
        if treatment.is_medical
        else []
    )
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
    """Free slots for a treatment over `days` days from `first_day` (fixed query count).

    `ignore_appointment_id`: the appointment being moved does not block its own new time.

    The slots before the notice cut are kept in memory under the catalogue version and
    the practitioners' schedule tokens, which database triggers change with every
    write to their appointments or time off (bookings migration 0008): a booking
    makes the next request compute afresh. Costs 1 query when kept, 3 more when
    computed.
    """
    if practitioners is None:
        practitioners = qualified_practitioners(treatment)
    if practitioner_id is not None:
        practitioners = [p for p in practitioners if p.pk == practitioner_id]
    if not practitioners:
        return []
    last_day = first_day + datetime.timedelta(days=days - 1)
    bookable_until = policy.last_bookable_day(now)
    key = (
        "open_slots",
        treatment.pk,
        first_day,
        last_day,
        bookable_until,
        ignore_appointment_id,
        policy,
        schedule_tokens(practitioners),
    )
    slots = remember(
        key,
        lambda: open_slots(
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
            last_day=bookable_until,
            policy=policy,
        ),
        keep=lambda _: True,
        large=True,
    )
    return starting_from(slots, earliest_start(now, policy))


def schedule_tokens(practitioners: list[Practitioner]) -> tuple[tuple[int, str], ...]:
    """Each practitioner's current schedule token (1 query)."""
    return tuple(
        Practitioner.objects.filter(pk__in=[p.pk for p in practitioners])
        .order_by("pk")
        .values_list("pk", "schedule_token")
    )
