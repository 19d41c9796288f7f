"""The server-rendered time picker: a strip of days, then the free times of one day.

Shared by the booking page and the reschedule page; works without JavaScript."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from bookings.availability import Policy, Slot
from bookings.models import Appointment
from bookings.selectors.booking import available_slots
from practitioners.models import Practitioner
from treatments.models import Treatment

STRIP_DAYS = 14


PARTS_OF_DAY = [("morning", "Morning"), ("afternoon", "Afternoon"), ("evening", "Evening")]


@dataclass(frozen=True)
class DayChoice:
    day: datetime.date
    free_count: int
    selected: bool

    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def weekday(self) -> str:
        return self.day.strftime("%a")  # "Mon"

    @property
    def number(self) -> int:
        return self.day.day

    @property
    def month(self) -> str:
        return self.day.strftime("%b")  # "Nov"


@dataclass(frozen=True)
class SlotChoice:
    start_iso: str
    local_start: datetime.datetime
    practitioner_id: int | None
    practitioner_name: str | None

    @property
    def clock(self) -> str:
        """ "9:45", as the date filter's "g:i"."""
        hour = self.local_start.hour % 12 or 12
        return f"{hour}:{self.local_start.minute:02d}"

    @property
    def meridiem(self) -> str:
        return "AM" if self.local_start.hour < 12 else "PM"


@dataclass(frozen=True)
class Picker:
    days: list[DayChoice]
    selected_day: datetime.date | None
    parts: list[tuple[str, str, list[SlotChoice]]]  # (key, label, slots)
    previous_from: datetime.date | None
    next_from: datetime.date | None
    first_day: datetime.date

    @property
    def has_slots(self) -> bool:
        return any(slots for _, _, slots in self.parts)


def build_picker(
    treatment: Treatment,
    *,
    practitioner_id: int | None,
    strip_from: datetime.date | None,
    selected: datetime.date | None,
    now: datetime.datetime | None = None,
    policy: Policy | None = None,
    merge_practitioners: bool,
    ignore_appointment_id: int | None = None,
    practitioners: list[Practitioner] | None = None,
) -> Picker:
    """Free times over a 14-day strip (one availability computation, fixed queries).

    With `merge_practitioners` ("any practitioner"), each time is shown once.
    """
    now = now or timezone.now()
    policy = policy or Policy.from_settings(treatment)
    today = now.astimezone(policy.zone).date()
    last_day = policy.last_bookable_day(now)
    first_day = strip_from if strip_from and today <= strip_from <= last_day else today
    days = min(STRIP_DAYS, (last_day - first_day).days + 1)
    slots = available_slots(
        treatment,
        first_day=first_day,
        days=days,
        now=now,
        policy=policy,
        practitioner_id=practitioner_id,
        ignore_appointment_id=ignore_appointment_id,
        practitioners=practitioners,
    )
    by_day: dict[datetime.date, list[Slot]] = {}
    for slot in slots:
        by_day.setdefault(slot.start.astimezone(policy.zone).date(), []).append(slot)
    strip = [first_day + datetime.timedelta(days=n) for n in range(days)]
    if selected not in strip or selected is None:
        selected = next((day for day in strip if by_day.get(day)), None)
    parts = []
    for key, label in PARTS_OF_DAY:
        choices, seen = [], set()
        for slot in by_day.get(selected, []):
            if slot.part_of_day(policy.zone) != key:
                continue
            if merge_practitioners:
                if slot.start in seen:
                    continue
                seen.add(slot.start)
            local = slot.start.astimezone(policy.zone)
            choices.append(
                SlotChoice(
                    start_iso=local.isoformat(),
                    local_start=local,
                    practitioner_id=None if merge_practitioners else slot.practitioner_id,
                    practitioner_name=None if merge_practitioners else slot.practitioner_name,
                )
            )
        parts.append((key, label, choices))
    previous_from = first_day - datetime.timedelta(days=STRIP_DAYS)
    next_from = first_day + datetime.timedelta(days=STRIP_DAYS)
    return Picker(
        days=[
            DayChoice(day, _time_count(by_day.get(day, []), merge_practitioners), day == selected)
            for day in strip
        ],
        selected_day=selected,
        parts=parts,
        previous_from=max(previous_from, today) if first_day > today else None,
        next_from=next_from if next_from <= last_day else None,
        first_day=first_day,
    )


def _time_count(slots: list[Slot], merge_practitioners: bool) -> int:
    """How many times the day offers: with "any practitioner" each start counts once."""
    return len({slot.start for slot in slots}) if merge_practitioners else len(slots)


def nearest_free_times(
    treatment: Treatment,
    *,
    around: datetime.datetime,
    practitioner_id: int | None,
    count: int = 4,
    now: datetime.datetime | None = None,
    policy: Policy | None = None,
) -> list[SlotChoice]:
    """The free times closest to a time someone just lost, that day and the next."""
    now = now or timezone.now()
    policy = policy or Policy.from_settings(treatment)
    day = around.astimezone(policy.zone).date()
    slots = available_slots(
        treatment,
        first_day=max(day, now.astimezone(policy.zone).date()),
        days=2,
        now=now,
        policy=policy,
        practitioner_id=practitioner_id,
    )
    if practitioner_id is None:
        # "Any practitioner": one button per time, not bound to whoever was free first.
        distinct = {}
        for slot in slots:
            distinct.setdefault(slot.start, slot)
        slots = list(distinct.values())
    slots.sort(key=lambda slot: abs((slot.start - around).total_seconds()))
    chosen = sorted(slots[:count], key=lambda slot: slot.start)
    return [
        SlotChoice(
            start_iso=slot.start.astimezone(policy.zone).isoformat(),
            local_start=slot.start.astimezone(policy.zone),
            practitioner_id=slot.practitioner_id if practitioner_id else None,
            practitioner_name=slot.practitioner_name if practitioner_id else None,
        )
        for slot in chosen
    ]


def practitioner_free_at(
    treatment: Treatment,
    start: datetime.datetime,
    *,
    practitioners: list[Practitioner],
    prefer_id: int | None = None,
    ignore_appointment_id: int | None = None,
    now: datetime.datetime | None = None,
    policy: Policy | None = None,
) -> Practitioner | None:
    """Who a time chosen under "any practitioner" would be with: `prefer_id` (the one
    a visit being moved already has) when free, else the first free in `practitioners`'
    order; None when nobody is free then. Shown before the client confirms; the booking
    service decides again when they do."""
    now = now or timezone.now()
    policy = policy or Policy.from_settings(treatment)
    free = {
        slot.practitioner_id
        for slot in available_slots(
            treatment,
            first_day=start.astimezone(policy.zone).date(),
            days=1,
            now=now,
            policy=policy,
            ignore_appointment_id=ignore_appointment_id,
            practitioners=practitioners,
        )
        if slot.start == start
    }
    ranked = sorted(practitioners, key=lambda p: p.pk != prefer_id)  # stable: keeps the order
    return next((p for p in ranked if p.pk in free), None)


def move_picker(
    appointment: Appointment,
    *,
    practitioners: list[Practitioner],
    chosen: Practitioner | None,
    start: datetime.datetime | None,
    strip_from: datetime.date | None,
    selected: datetime.date | None,
) -> tuple[Picker, Practitioner | None]:
    """The reschedule page's picker (the visit's own time counts as free) for `chosen`,
    or for anyone (None); and who a chosen `start` would be with."""
    picker = build_picker(
        appointment.treatment,
        practitioner_id=chosen.pk if chosen else None,
        ignore_appointment_id=appointment.pk,
        strip_from=strip_from,
        selected=selected,
        merge_practitioners=chosen is None,
        practitioners=practitioners,
    )
    if start is None or chosen is not None:
        return picker, chosen
    return picker, practitioner_free_at(
        appointment.treatment,
        start,
        practitioners=practitioners,
        prefer_id=appointment.practitioner_id,
        ignore_appointment_id=appointment.pk,
    )
