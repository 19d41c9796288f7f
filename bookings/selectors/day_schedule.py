"""The front desk's day at a glance: practitioners (or rooms and devices) as columns,
time as rows.

Built as table rows with rowspans (no inline styles, prints on one page); costs a
fixed number of queries whatever the number of appointments."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Case, Q, When
from django.utils import timezone

from bookings.availability import Interval, Policy, block_instants, day_bounds
from bookings.models import LONGEST_HOLD, Appointment, ResourceAllocation
from bookings.selectors.client_replies import TEXTS_STOPPED, texts_stopped, with_texts_stopped
from medspa.clock import clock, spa_local, staff_time
from practitioners.models import Practitioner, TimeOff
from treatments.models import Resource, ResourceOutOfService

ROW_MINUTES = 15


DEFAULT_OPENING = (datetime.time(9), datetime.time(18))


# Columns per page: as many as a landscape page prints legibly. A spa with a busy
# year's staff (seed_demo's 100,000 appointments need 69) pages through them.
PRACTITIONERS_PER_PAGE = 10
RESOURCES_PER_PAGE = 10


@dataclass
class Cell:
    # "appointment", "off" (time off), "closed" (not working), "free", and by room or
    # device: "out" (out of service)
    kind: str
    rowspan: int = 1
    appointment: Appointment | None = None
    check_in_problem: str | None = None  # filled by the admin: why not now, if not
    markers: list = field(default_factory=list)  # filled by the admin: client_markers()
    # By room or device: the end of the cleanup that still holds it, if any; the words
    # of an out-of-service period; the appointment overlaps one.
    held_until: datetime.datetime | None = None
    words: str = ""
    clash: bool = False
    # By room or device: the column's; the others the appointment holds on the page
    # (named in its first cell); `repeat`: not its first cell (a phone's list skips it).
    resource: Resource | None = None
    also: list[Resource] = field(default_factory=list)
    repeat: bool = False


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
    # Each visit with whether its phone replied STOP (bookings/selectors/client_replies.py).
    for appointment in (
        with_texts_stopped(on_the_day.filter(practitioner_id__in=ids))
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


@dataclass
class ResourceSchedule:
    day: datetime.date
    resources: list[Resource]
    rows: list[ScheduleRow]
    count: int  # the day's appointments that hold a room or device
    page: Page  # of the rooms and devices


def resource_day_schedule(
    day: datetime.date, policy: Policy | None = None, page: str | None = None
) -> ResourceSchedule:
    """The day by room and device: a page of the rooms and devices in use (or held that
    day), each with the appointments holding it (cleanup included) and its out-of-service
    periods. Fixed queries: the rooms and devices, the day's count, the page's
    allocations with their appointments, the page's out-of-service periods."""
    policy = policy or Policy.from_settings()
    zone = policy.zone
    bounds = day_bounds(day, day, zone)
    held = ResourceAllocation.objects.filter(
        holds_time=True,
        # LONGEST_HOLD bounds the start from below, so the (resource, start) index serves.
        start__gte=bounds.start - LONGEST_HOLD,
        start__lt=bounds.end,
        blocked_until__gt=bounds.start,
    )
    # A spa has a handful: all of them in one query, paged here. Rooms, then devices.
    everything = list(
        Resource.objects.filter(Q(is_active=True) | Q(pk__in=held.values("resource_id")))
        .annotate(room_first=Case(When(kind=Resource.Kind.ROOM, then=0), default=1))
        .order_by("room_first", "pk")
    )
    paging = Paginator(everything, RESOURCES_PER_PAGE).get_page(page)
    resources = list(paging.object_list)
    ids = [r.pk for r in resources]
    allocations_of: dict[int, list[ResourceAllocation]] = defaultdict(list)
    for allocation in (
        held.filter(resource_id__in=ids)
        .select_related("appointment__treatment", "appointment__practitioner")
        .annotate(stopped=texts_stopped("appointment__client_phone"))
    ):
        setattr(allocation.appointment, TEXTS_STOPPED, allocation.stopped)
        allocations_of[allocation.resource_id].append(allocation)
    periods_of: dict[int, list[ResourceOutOfService]] = defaultdict(list)
    for period in ResourceOutOfService.objects.filter(
        resource_id__in=ids, starts_at__lt=bounds.end, ends_at__gt=bounds.start
    ).order_by("starts_at"):
        periods_of[period.resource_id].append(period)

    allocations = [a for r in resources for a in allocations_of[r.pk]]
    opening = timezone.make_aware(datetime.datetime.combine(day, DEFAULT_OPENING[0]), zone)
    closing = timezone.make_aware(datetime.datetime.combine(day, DEFAULT_OPENING[1]), zone)
    # The spa's usual day, widened for what is booked; an out-of-service period shows
    # inside it (a week of maintenance does not make the day 24 hours long).
    first = min([opening, *(a.start for a in allocations)]).astimezone(zone)
    first = first.replace(minute=first.minute // ROW_MINUTES * ROW_MINUTES, second=0, microsecond=0)
    first = max(first, bounds.start.astimezone(zone))
    last = min(max([closing, *(a.blocked_until for a in allocations)]), bounds.end)
    row_count = max(1, _rows_until(last, first))
    times = [first + datetime.timedelta(minutes=ROW_MINUTES * n) for n in range(row_count)]
    rows = [ScheduleRow(label=clock(t)) for t in times]
    for resource in resources:
        column = _resource_column(allocations_of[resource.pk], periods_of[resource.pk], times, day)
        for index, cell in enumerate(column):
            if cell is not None:
                cell.resource = resource
            rows[index].cells.append(cell)
    # A visit holding a room and a device shows in both columns; its first cell names
    # both, so a phone's list shows it once.
    first_cell: dict[int, Cell] = {}
    for row in rows:
        for cell in row.cells:
            if cell is not None and cell.appointment is not None:
                first = first_cell.setdefault(cell.appointment.pk, cell)
                if first is not cell:
                    cell.repeat = True
                    first.also.append(cell.resource)
    return ResourceSchedule(
        day=day,
        resources=resources,
        rows=rows,
        count=held.values("appointment_id").distinct().count(),
        page=paging,
    )


def _resource_column(
    allocations: list[ResourceAllocation],
    periods: list[ResourceOutOfService],
    times: list[datetime.datetime],
    day: datetime.date,
) -> list[Cell | None]:
    """One room's or device's cells, top to bottom; None where a cell above spans the
    row. An appointment spans its time and cleanup; out-of-service rows are one cell
    for each period; the rest is free."""
    row_count, first = len(times), times[0]
    column: list[Cell | None] = [None] * row_count
    taken = [False] * row_count
    for allocation in allocations:
        appointment = allocation.appointment
        top = max(0, _row_index(allocation.start, first))
        bottom = min(row_count, max(top + 1, _rows_until(allocation.blocked_until, first)))
        if any(taken[i] for i in range(top, bottom)):
            bottom = top + 1  # overlapping display (cannot happen on Postgres)
        column[top] = Cell(
            "appointment",
            bottom - top,
            appointment,
            held_until=allocation.blocked_until
            if allocation.blocked_until > appointment.end
            else None,
            clash=any(
                p.starts_at < allocation.blocked_until and allocation.start < p.ends_at
                for p in periods
            ),
        )
        for i in range(top, bottom):
            taken[i] = True
    step = datetime.timedelta(minutes=ROW_MINUTES)
    run: Cell | None = None
    for index, moment in enumerate(times):
        if taken[index]:
            run = None
            continue
        row_end = moment + step
        period = next((p for p in periods if p.starts_at < row_end and moment < p.ends_at), None)
        words = _out_of_service_words(period, day) if period else ""
        kind = "out" if period else "free"
        if run is not None and run.kind == kind and run.words == words:
            run.rowspan += 1
        else:
            run = column[index] = Cell(kind, words=words)
    return column


def _out_of_service_words(period: ResourceOutOfService, day: datetime.date) -> str:
    """ "Out of service 9:00 AM to 12:00 PM: Calibration", a date where it is not `day`."""

    def moment(value: datetime.datetime) -> str:
        return clock(value) if spa_local(value).date() == day else staff_time(value)

    words = f"Out of service {moment(period.starts_at)} to {moment(period.ends_at)}"
    return f"{words}: {period.reason}" if period.reason else words
