"""Free times, computed (never stored): working hours minus time off minus busy time.

Pure functions over plain data, so the rules are easy to test and cost no queries;
bookings/selectors/booking.py loads the data in a fixed number of queries. Everything is
reasoned about in the spa's own zone and is correct on daylight-saving days:
nothing is offered in the skipped hour, a repeated wall-clock time is offered once,
and durations are real elapsed time.
"""

import bisect
import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.defaultfilters import pluralize

UTC = datetime.UTC
TAKEN_MESSAGE = "That time was just taken. Please choose another time."
MORNING_ENDS = datetime.time(12, 0)
AFTERNOON_ENDS = datetime.time(17, 0)


@dataclass(frozen=True)
class Policy:
    """The spa's booking policy (settings: BOOKING_*)."""

    zone: ZoneInfo
    slot_minutes: int = 15
    min_notice: datetime.timedelta = datetime.timedelta(hours=2)
    max_advance_days: int = 90

    @classmethod
    def from_settings(cls, treatment=None) -> "Policy":
        """The policy; for a medical treatment (the doctor reviews each booking first)
        at least MEDICAL_MIN_NOTICE_HOURS of notice, so the review can happen."""
        hours = settings.BOOKING_MIN_NOTICE_HOURS
        if treatment is not None and treatment.is_medical:
            hours = max(hours, settings.MEDICAL_MIN_NOTICE_HOURS)
        return cls(
            zone=ZoneInfo(settings.TIME_ZONE),
            slot_minutes=settings.BOOKING_SLOT_MINUTES,
            min_notice=datetime.timedelta(hours=hours),
            max_advance_days=settings.BOOKING_MAX_ADVANCE_DAYS,
        )

    def without_notice(self) -> "Policy":
        """The front desk's waiver: any time not yet started, every other rule kept."""
        return replace(self, min_notice=datetime.timedelta(0))

    def last_bookable_day(self, now: datetime.datetime) -> datetime.date:
        return now.astimezone(self.zone).date() + datetime.timedelta(days=self.max_advance_days)


@dataclass(frozen=True)
class Interval:
    start: datetime.datetime
    end: datetime.datetime


class BusyTimes:
    """Intervals that block a practitioner or a resource, with a fast overlap test."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        ordered = sorted(intervals, key=lambda interval: interval.start)
        self._starts = [interval.start for interval in ordered]
        # _latest_end[i]: the latest end among the first i + 1 intervals.
        self._latest_end: list[datetime.datetime] = []
        for interval in ordered:
            latest = self._latest_end[-1] if self._latest_end else interval.end
            self._latest_end.append(max(latest, interval.end))

    def is_free(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        """Nothing overlaps [start, end)."""
        starting_before_end = bisect.bisect_left(self._starts, end)
        return starting_before_end == 0 or self._latest_end[starting_before_end - 1] <= start


@dataclass
class PractitionerDay:
    """What one practitioner offers: weekly blocks, time off and busy time."""

    practitioner_id: int
    name: str
    # weekday (0 = Monday) -> [(from, until)] wall-clock times
    weekly_blocks: dict[int, list[tuple[datetime.time, datetime.time]]]
    unavailable: list[Interval] = field(default_factory=list)  # time off and appointments
    # None: may work any day (day spa); else the days on which they may perform it
    # (medical: licence valid and a supervising physician on record that day).
    allowed_days: set[datetime.date] | None = None

    def __post_init__(self) -> None:
        self._busy = BusyTimes(self.unavailable)

    def is_free(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        """No time off or appointment overlaps [start, end)."""
        return self._busy.is_free(start, end)


class ResourceDay(BusyTimes):
    """A room or device, busy while out of service or held by another appointment."""

    def __init__(self, resource_id: int, name: str, unavailable: Iterable[Interval] = ()) -> None:
        super().__init__(unavailable)
        self.resource_id, self.name = resource_id, name


@dataclass(frozen=True)
class Need:
    """Something the treatment needs for its whole length: any one of `resources`,
    lowest-numbered first (the order in which booking picks them)."""

    label: str
    resources: tuple[ResourceDay, ...]


def pick_resources(
    needs: Sequence[Need],
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    wanted: frozenset[int] = frozenset(),
) -> tuple[ResourceDay, ...] | None:
    """One free resource for each need, never the same one twice, or None.

    The first such choice in the needs' own order, so availability and the booking
    writer pick the same rooms. `wanted`: for a need that lists one of these ids, only
    those will do (the front desk swapping a room).
    """
    if not needs:
        return ()
    first, rest = needs[0], needs[1:]
    candidates = first.resources
    if any(resource.resource_id in wanted for resource in candidates):
        candidates = tuple(r for r in candidates if r.resource_id in wanted)
    for resource in candidates:
        if not resource.is_free(start, end):
            continue
        others = [
            replace(need, resources=tuple(r for r in need.resources if r is not resource))
            for need in rest
        ]
        tail = pick_resources(others, start, end, wanted=wanted)
        if tail is not None:
            return (resource, *tail)
    return None


@dataclass(frozen=True)
class Slot:
    start: datetime.datetime
    end: datetime.datetime
    practitioner_id: int
    practitioner_name: str
    # (id, name) of the rooms and devices a booking at this time would hold.
    resources: tuple[tuple[int, str], ...] = ()

    def as_dict(self, zone: ZoneInfo) -> dict:
        """The availability API's object for this slot (CONTRACT.md), in local time."""
        return {
            "start": self.start.astimezone(zone).isoformat(),
            "end": self.end.astimezone(zone).isoformat(),
            "practitioner": self.practitioner_id,
            "practitioner_name": self.practitioner_name,
            "resources": [{"id": id_, "name": name} for id_, name in self.resources],
        }

    def part_of_day(self, zone: ZoneInfo) -> str:
        wall = self.start.astimezone(zone).time()
        if wall < MORNING_ENDS:
            return "morning"
        if wall < AFTERNOON_ENDS:
            return "afternoon"
        return "evening"


def wall_clock_exists(day: datetime.date, wall: datetime.time, zone: ZoneInfo) -> bool:
    """False for a time skipped when clocks spring forward."""
    naive = datetime.datetime.combine(day, wall)
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


def to_instant(
    day: datetime.date, wall: datetime.time, zone: ZoneInfo, *, later: bool = False
) -> datetime.datetime:
    """The instant a local wall-clock time names, in UTC.

    On a change-over day a repeated or skipped time names two instants: this gives
    the earlier, or the later with `later`. Callers that must not offer a skipped time
    check wall_clock_exists first.
    """
    naive = datetime.datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return max(first, second) if later else min(first, second)


def block_instants(
    day: datetime.date, starts: datetime.time, ends: datetime.time, zone: ZoneInfo
) -> Interval:
    """A working block as real instants; on a change-over day it only ever shrinks."""
    return Interval(
        start=to_instant(day, starts, zone, later=True),
        end=to_instant(day, ends, zone, later=False),
    )


def day_bounds(first: datetime.date, last: datetime.date, zone: ZoneInfo) -> Interval:
    """From the first day's midnight to the midnight after the last day, as instants."""
    return Interval(
        start=to_instant(first, datetime.time.min, zone),
        end=to_instant(last + datetime.timedelta(days=1), datetime.time.min, zone),
    )


def on_grid(start: datetime.datetime, policy: Policy) -> bool:
    wall = start.astimezone(policy.zone)
    minutes = wall.hour * 60 + wall.minute
    return wall.second == 0 and wall.microsecond == 0 and minutes % policy.slot_minutes == 0


def grid_times(
    starts: datetime.time, ends: datetime.time, slot_minutes: int
) -> Iterable[datetime.time]:
    """Wall-clock grid times from `starts` (rounded up to the grid) until before `ends`."""
    first = starts.hour * 60 + starts.minute + (1 if starts.second or starts.microsecond else 0)
    first = -(-first // slot_minutes) * slot_minutes
    last = ends.hour * 60 + ends.minute
    for minutes in range(first, last, slot_minutes):
        yield datetime.time(minutes // 60, minutes % 60)


def _grid_converter(
    day: datetime.date, zone: ZoneInfo
) -> Callable[[datetime.time], datetime.datetime | None]:
    """Wall-clock time of `day` -> instant (None when it does not exist).

    Most days have one UTC offset from midnight to midnight: then it is plain
    arithmetic. Only on a change-over day do the zone's rules run for each time.
    """
    midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    next_midnight = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    offset = midnight.utcoffset()
    if offset == next_midnight.utcoffset():
        base = datetime.datetime.combine(day, datetime.time.min, tzinfo=UTC) - offset
        return lambda wall: base + datetime.timedelta(hours=wall.hour, minutes=wall.minute)

    def on_change_over_day(wall: datetime.time) -> datetime.datetime | None:
        if not wall_clock_exists(day, wall, zone):
            return None
        return to_instant(day, wall, zone)

    return on_change_over_day


def earliest_start(now: datetime.datetime, policy: Policy) -> datetime.datetime:
    return now + policy.min_notice


def free_slots(
    practitioners: Sequence[PractitionerDay],
    *,
    days: Iterable[datetime.date],
    duration: datetime.timedelta,
    buffer: datetime.timedelta,
    now: datetime.datetime,
    policy: Policy,
    needs: Sequence[Need] = (),
    wanted: frozenset[int] = frozenset(),
) -> list[Slot]:
    """Every bookable start, soonest first, for each practitioner on each day.

    A slot fits when the treatment plus its cleanup buffer fits inside one working
    block, touches no time off or other appointment, finds one free resource for each
    need over the same time, starts on the grid, at least the minimum notice from
    now, and no later than the furthest bookable day. `wanted`: as pick_resources.
    """
    not_before = earliest_start(now, policy)
    last_day = policy.last_bookable_day(now)
    hold = duration + buffer
    slots: list[Slot] = []
    # Rooms and devices don't depend on the practitioner: picked once per start.
    picks: dict[datetime.datetime, tuple[ResourceDay, ...] | None] = {}
    for day in days:
        if day > last_day:
            break
        # Most practitioners share their hours: each block's starts are worked out once.
        starts_in_block: dict[tuple[datetime.time, datetime.time], list[datetime.datetime]] = {}
        for practitioner in practitioners:
            if practitioner.allowed_days is not None and day not in practitioner.allowed_days:
                continue
            for block in practitioner.weekly_blocks.get(day.weekday(), ()):
                if block not in starts_in_block:
                    starts_in_block[block] = _starts_in_block(day, *block, hold, policy)
                for start in starts_in_block[block]:
                    if start < not_before or not practitioner.is_free(start, start + hold):
                        continue
                    if start not in picks:
                        picks[start] = pick_resources(needs, start, start + hold, wanted=wanted)
                    picked = picks[start]
                    if picked is None:
                        continue
                    slots.append(
                        Slot(
                            start=start,
                            end=start + duration,
                            practitioner_id=practitioner.practitioner_id,
                            practitioner_name=practitioner.name,
                            resources=tuple((r.resource_id, r.name) for r in picked),
                        )
                    )
    slots.sort(key=lambda slot: (slot.start, slot.practitioner_name, slot.practitioner_id))
    return slots


def _starts_in_block(
    day: datetime.date,
    starts: datetime.time,
    ends: datetime.time,
    hold: datetime.timedelta,
    policy: Policy,
) -> list[datetime.datetime]:
    """The grid's start instants in one working block of `day` that leave room for `hold`
    (the treatment and its buffer) before the block ends."""
    block = block_instants(day, starts, ends, policy.zone)
    wall_to_instant = _grid_converter(day, policy.zone)
    result = []
    for wall in grid_times(starts, ends, policy.slot_minutes):
        start = wall_to_instant(wall)
        if start is None:  # skipped when clocks spring forward
            continue
        if start + hold > block.end:
            break
        if start >= block.start:
            result.append(start)
    return result


def slot_problem(
    practitioner: PractitionerDay,
    *,
    start: datetime.datetime,
    duration: datetime.timedelta,
    buffer: datetime.timedelta,
    now: datetime.datetime,
    policy: Policy,
) -> str | None:
    """Why `start` cannot be booked with this practitioner, or None when it can.

    Uses the same rules as free_slots, in the order a client would want to hear them.
    """
    zone = policy.zone
    local = start.astimezone(zone)
    day = local.date()
    busy_until = start + duration + buffer
    if start <= now:
        return "That time has already passed. Please choose another time."
    if start < earliest_start(now, policy):
        hours = int(policy.min_notice.total_seconds() // 3600)
        notice = pluralize(hours, "'s,s'")  # 1 hour's, 2 hours'
        return (
            f"Online bookings need at least {hours} hour{notice} notice. "
            "Please choose a later time or call us."
        )
    if day > policy.last_bookable_day(now):
        return (
            f"We take online bookings up to {policy.max_advance_days} "
            f"day{pluralize(policy.max_advance_days)} ahead. "
            "Please choose an earlier date."
        )
    if not on_grid(start, policy) or not wall_clock_exists(day, local.time(), zone):
        return (
            f"Appointments start every {policy.slot_minutes} "
            f"minute{pluralize(policy.slot_minutes)}. "
            "Please choose one of the times offered."
        )
    if local.fold == 1:
        # The second pass through a repeated hour is never offered (offered once only).
        return "Please choose one of the times offered."
    if practitioner.allowed_days is not None and day not in practitioner.allowed_days:
        return (
            f"{practitioner.name} cannot perform this treatment on that day. "
            "Please choose another day or practitioner."
        )
    in_block = any(
        block.start <= start and busy_until <= block.end
        for block in (
            block_instants(day, starts, ends, zone)
            for starts, ends in practitioner.weekly_blocks.get(day.weekday(), ())
        )
    )
    if not in_block:
        return f"{practitioner.name} is not working at that time. Please choose another time."
    if not practitioner.is_free(start, busy_until):
        return TAKEN_MESSAGE
    return None
