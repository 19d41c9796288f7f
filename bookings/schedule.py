"""The front desk's day at a glance: practitioners as columns, time as rows.

Built as table rows with rowspans (no inline styles, prints on one page); costs a
fixed number of queries whatever the number of appointments.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from bookings.availability import Policy, block_instants, day_bounds
from bookings.models import Appointment
from practitioners.models import Practitioner, TimeOff

ROW_MINUTES = 15
DEFAULT_OPENING = (datetime.time(9), datetime.time(18))


@dataclass
class Cell:
    kind: str  # "appointment", "off" (time off), "closed" (not working), "free"
    rowspan: int = 1
    appointment: Appointment | None = None


@dataclass
class ScheduleRow:
    label: str
    cells: list[Cell | None] = field(default_factory=list)  # None: covered by a rowspan


@dataclass
class DaySchedule:
    day: datetime.date
    practitioners: list[Practitioner]
    rows: list[ScheduleRow]
    count: int


def _row_index(moment: datetime.datetime, first: datetime.datetime) -> int:
    return int((moment - first).total_seconds() // (ROW_MINUTES * 60))


def _rows_until(moment: datetime.datetime, first: datetime.datetime) -> int:
    """How many rows it takes to reach `moment` (a part row counts as a row)."""
    return -(-int((moment - first).total_seconds()) // (ROW_MINUTES * 60))


def day_schedule(day: datetime.date, policy: Policy | None = None) -> DaySchedule:
    """Every active practitioner working that day (or booked), their appointments and time off."""
    policy = policy or Policy.from_settings()
    zone = policy.zone
    bounds = day_bounds(day, day, zone)
    appointments = list(
        Appointment.objects.overlapping(bounds.start, bounds.end)
        .exclude(status__in=Appointment.FREEING_STATUSES)
        .select_related("client", "treatment", "practitioner")
        .order_by("start")
    )
    booked_ids = {a.practitioner_id for a in appointments}
    practitioners = list(
        Practitioner.objects.filter(
            Q(is_active=True, working_hours__weekday=day.weekday()) | Q(pk__in=booked_ids)
        )
        .distinct()
        .select_related("role")
        .prefetch_related("working_hours")
        .order_by("display_order", "display_name")
    )
    time_off = list(
        TimeOff.objects.filter(
            practitioner__in=practitioners, starts_at__lt=bounds.end, ends_at__gt=bounds.start
        )
    )
    blocks = {
        p.pk: [
            block_instants(day, b.starts_at, b.ends_at, zone)
            for b in p.working_hours.all()
            if b.weekday == day.weekday()
        ]
        for p in practitioners
    }
    starts = [b.start for bs in blocks.values() for b in bs] + [a.start for a in appointments]
    ends = [b.end for bs in blocks.values() for b in bs] + [a.end for a in appointments]
    opening = timezone.make_aware(datetime.datetime.combine(day, DEFAULT_OPENING[0]), zone)
    closing = timezone.make_aware(datetime.datetime.combine(day, DEFAULT_OPENING[1]), zone)
    first = min(starts, default=opening).astimezone(zone)
    first = first.replace(minute=first.minute // ROW_MINUTES * ROW_MINUTES, second=0, microsecond=0)
    last = max(ends, default=closing)
    row_count = max(1, _rows_until(last, first))
    times = [first + datetime.timedelta(minutes=ROW_MINUTES * n) for n in range(row_count)]
    rows = [ScheduleRow(label=t.astimezone(zone).strftime("%H:%M")) for t in times]

    for practitioner in practitioners:
        column: list[Cell | None] = [None] * row_count
        for appointment in (a for a in appointments if a.practitioner_id == practitioner.pk):
            top = max(0, _row_index(appointment.start, first))
            bottom = min(row_count, max(top + 1, _rows_until(appointment.end, first)))
            if any(column[i] is not None for i in range(top, bottom)):
                bottom = top + 1  # overlapping display (cannot happen on Postgres)
            column[top] = Cell("appointment", bottom - top, appointment)
            for i in range(top + 1, bottom):
                column[i] = Cell("covered")
        for index, moment in enumerate(times):
            if column[index] is not None:
                continue
            row_end = moment + datetime.timedelta(minutes=ROW_MINUTES)
            if any(
                t.practitioner_id == practitioner.pk
                and t.starts_at < row_end
                and moment < t.ends_at
                for t in time_off
            ):
                column[index] = Cell("off")
            elif any(b.start <= moment and row_end <= b.end for b in blocks[practitioner.pk]):
                column[index] = Cell("free")
            else:
                column[index] = Cell("closed")
        for index, cell in enumerate(column):
            rows[index].cells.append(None if cell.kind == "covered" else cell)
    return DaySchedule(day=day, practitioners=practitioners, rows=rows, count=len(appointments))
