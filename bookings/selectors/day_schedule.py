"""The front desk's day at a glance: practitioners as columns, time as rows.

Built as table rows with rowspans (no inline styles, prints on one page); costs a
fixed number of queries whatever the number of appointments."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.utils import timezone

from bookings.availability import Interval, Policy, block_instants, day_bounds
from bookings.models import Appointment
from medspa.clock import clock
from practitioners.models import Practitioner, TimeOff

ROW_MINUTES = 15


DEFAULT_OPENING = (datetime.time(9), datetime.time(18))


# Columns per page: as many as a landscape page prints legibly. A spa with a busy
# year's staff (seed_demo's 100,000 appointments need 69) pages through them.
PRACTITIONERS_PER_PAGE = 10


@dataclass
class Cell:
    kind: str  # "appointment", "off" (time off), "closed" (not working), "free"
    rowspan: int = 1
    appointment: Appointment | None = None
    check_in_problem: str | None = None  # filled by the admin: why not now, if not


@dataclass
class ScheduleRow:
    label: str
    cells: list[Cell | None] = field(default_factory=list)  # None: covered by a rowspan


@dataclass
class DaySchedule:
    day: datetime.date
    practitioners: list[Practitioner]
    rows: list[ScheduleRow]
    count: int  # the day's appointments, every practitioner's
    page: Page  # of the practitioners


def _row_index(moment: datetime.datetime, first: datetime.datetime) -> int:
    return int((moment - first).total_seconds() // (ROW_MINUTES * 60))


def _rows_until(moment: datetime.datetime, first: datetime.datetime) -> int:
    """How many rows it takes to reach `moment` (a part row counts as a row)."""
    return -(-int((moment - first).total_seconds()) // (ROW_MINUTES * 60))


def day_schedule(
    day: datetime.date, policy: Policy | None = None, page: str | None = None
) -> DaySchedule:
    """A page of the practitioners working that day (or booked), with their appointments
    and time off. Fixed queries: who works or is booked (ids), the page's practitioners
    with their hours, the day's count, the page's appointments, the page's time off."""
    policy = policy or Policy.from_settings()
    zone = policy.zone
    bounds = day_bounds(day, day, zone)
    on_the_day = Appointment.objects.overlapping(bounds.start, bounds.end).exclude(
        status__in=Appointment.FREEING_STATUSES
    )
    everyone = (
        Practitioner.objects.filter(
            Q(is_active=True, working_hours__weekday=day.weekday())
            | Q(pk__in=on_the_day.values("practitioner_id"))
        )
        .distinct()
        .order_by("display_order", "display_name", "pk")
        .values_list("pk", flat=True)
    )
    paging = Paginator(list(everyone), PRACTITIONERS_PER_PAGE).get_page(page)
    ids = list(paging.object_list)
    # Only the page's practitioners are loaded, with their hours.
    practitioners = list(
        Practitioner.objects.filter(pk__in=ids)
        .select_related("role")
        .prefetch_related("working_hours")
        .order_by("display_order", "display_name", "pk")
    )
    appointments_of: dict[int, list[Appointment]] = defaultdict(list)
    for appointment in (
        on_the_day.filter(practitioner_id__in=ids)
        .select_related("client", "treatment")
        .order_by("start")
    ):
        appointments_of[appointment.practitioner_id].append(appointment)
    time_off_of: dict[int, list[TimeOff]] = defaultdict(list)
    for time_off in TimeOff.objects.filter(
        practitioner_id__in=ids, starts_at__lt=bounds.end, ends_at__gt=bounds.start
    ):
        time_off_of[time_off.practitioner_id].append(time_off)
    blocks = {
        p.pk: [
            block_instants(day, b.starts_at, b.ends_at, zone)
            for b in p.working_hours.all()
            if b.weekday == day.weekday()
        ]
        for p in practitioners
    }
    booked = [a for p in practitioners for a in appointments_of[p.pk]]
    starts = [b.start for bs in blocks.values() for b in bs] + [a.start for a in booked]
    ends = [b.end for bs in blocks.values() for b in bs] + [a.end for a in booked]
    opening = timezone.make_aware(datetime.datetime.combine(day, DEFAULT_OPENING[0]), zone)
    closing = timezone.make_aware(datetime.datetime.combine(day, DEFAULT_OPENING[1]), zone)
    first = min(starts, default=opening).astimezone(zone)
    first = first.replace(minute=first.minute // ROW_MINUTES * ROW_MINUTES, second=0, microsecond=0)
    last = max(ends, default=closing)
    row_count = max(1, _rows_until(last, first))
    times = [first + datetime.timedelta(minutes=ROW_MINUTES * n) for n in range(row_count)]
    rows = [ScheduleRow(label=clock(t)) for t in times]

    for practitioner in practitioners:
        column = _column(
            appointments_of[practitioner.pk],
            time_off_of[practitioner.pk],
            blocks[practitioner.pk],
            times,
            first,
        )
        for index, cell in enumerate(column):
            rows[index].cells.append(cell)
    return DaySchedule(
        day=day,
        practitioners=practitioners,
        rows=rows,
        count=on_the_day.count(),
        page=paging,
    )


def _column(
    appointments: list[Appointment],
    time_off: list[TimeOff],
    blocks: list[Interval],
    times: list[datetime.datetime],
    first: datetime.datetime,
) -> list[Cell | None]:
    """One practitioner's cells, top to bottom; None where a cell above spans the row.

    Consecutive rows of the same kind (free, time off, not working) are one cell, so a
    day of 69 practitioners stays a page a browser draws at once.
    """
    row_count = len(times)
    column: list[Cell | None] = [None] * row_count
    taken = [False] * row_count
    for appointment in appointments:
        top = max(0, _row_index(appointment.start, first))
        bottom = min(row_count, max(top + 1, _rows_until(appointment.end, first)))
        if any(taken[i] for i in range(top, bottom)):
            bottom = top + 1  # overlapping display (cannot happen on Postgres)
        column[top] = Cell("appointment", bottom - top, appointment)
        for i in range(top, bottom):
            taken[i] = True
    step = datetime.timedelta(minutes=ROW_MINUTES)
    run: Cell | None = None
    for index, moment in enumerate(times):
        if taken[index]:
            run = None
            continue
        row_end = moment + step
        if any(t.starts_at < row_end and moment < t.ends_at for t in time_off):
            kind = "off"
        elif any(b.start <= moment and row_end <= b.end for b in blocks):
            kind = "free"
        else:
            kind = "closed"
        if run is not None and run.kind == kind:
            run.rowspan += 1
        else:
            run = column[index] = Cell(kind)
    return column
