"""Bulk volume for benchmarks: `manage.py seed_demo --clients N --appointments M`.

Adds N clients and M appointments spread over about nine months back and three
months ahead (past STAFF_FOR appointments, further back: see below), fast (bulk
inserts), and inside every booking rule. Calling the booking service once per row
would take an hour for 100,000 rows, so the rows are planned in memory with the
service's own pure parts and written in bulk:

- candidates: each treatment's practitioners as the service finds them
  (selectors.qualified_practitioners: active, qualified, of a role allowed), and
  each one's days as it builds them (selectors.practitioner_days: working hours,
  time off, appointments already in the database, licence and supervision by day);
- times: each day's free starts as the booking page finds them
  (availability.free_slots: the slot grid, daylight-saving days included), walked
  in time order, a treatment that fits its block with its cleanup buffer at each;
- rooms and devices: each treatment's needs as the service reads them
  (selectors.resource_needs: resources in service, their out-of-service periods and
  the allocations already in the database), and at each start the service's own
  choice (availability.pick_resources: the lowest-numbered free resource of each
  need over the treatment and its buffer), counting the rooms this run has already
  given out. A start where the treatment drawn cannot have its rooms tries the other
  treatments that fit there, in turn; where none can, it is skipped, as a start the
  practitioner is not free for. Dropping a placement later (sampling) leaves its
  room free: the rule holds as of the moment each was planned;
- checks: before it is written, each appointment passes availability.slot_problem
  (the service's own check of a time) as of the moment it was booked, and touches
  none of this run's other appointments, nor (through its rooms and devices) any
  out-of-service period, allocation already there or allocation of this run;
  medical ones have a supervising physician that day
  (practitioners.supervision), a client old enough, an intake, a consent and the
  doctor's review (approved before it happened; a good-faith exam on record where
  the treatment needs one). On Postgres the exclusion constraints check overlaps
  once more as the rows arrive (COPY; bulk_create elsewhere). A cancelled
  appointment's allocations stop holding time, as allocations_follow leaves them.

A spa's staff can only hold so many appointments: eight demo practitioners sharing
five rooms do about 10,000 a year. When the window needs more hands than the demo
staff have, extra practitioners are added (the kinds of spa.yaml's extra_staff, with
weekly hours copied from the demo staff and, for the medical ones, an agreement
accepted by a demo physician), and rooms with them (spa.yaml's extra_rooms: two
treatment rooms for every three hired, still fewer than the people who could use them
at once). The first round hires one of each kind, to learn what a hire adds with its
rooms. The one laser platform and its suite, the wet room and the HydraFacial machine
stay one each: what needs them fills up, and the walks book other treatments.

The staff are hired for at most `staff_for` appointments (STAFF_FOR, 100,000: a busy
year) whatever M is, and the window holds at most that many. The rest is history:
walking back from the day before the window, every day fully booked (each day's
walk kept whole) by the same staff, as far back as it takes (a million appointments
are about eight years of this spa). So ten times the appointments means the same
team and the same next three months, with ten times the past behind them.

Deterministic: the same seed, database state and day give the same rows; the window's
rows do not depend on how much history is added behind it.
"""

import bisect
import dataclasses
import datetime
import heapq
import io
import itertools
import json
import math
import random
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from bookings.availability import (
    Need,
    Policy,
    PractitionerDay,
    ResourceDay,
    block_instants,
    day_bounds,
    free_slots,
    pick_resources,
    slot_problem,
    to_instant,
)
from bookings.demo import catalogue
from bookings.models import (
    Appointment,
    Client,
    Consent,
    GoodFaithExam,
    Intake,
    ResourceAllocation,
    Review,
    new_token,
)
from bookings.selectors.booking import (
    dates_between,
    practitioner_days,
    qualified_practitioners,
    resource_needs,
)
from bookings.services.intake import DEFAULT_CONSENT, STANDARD_QUESTIONS, age_on
from bookings.services.records import gfe_expiry
from practitioners.models import Practitioner, SupervisionAgreement, TimeOff, WorkingHours
from practitioners.supervision import agreements_for, physician_from_agreements
from treatments.models import (
    MEDICAL_MINIMUM_AGE,
    Resource,
    ResourceNeed,
    Role,
    Treatment,
    TreatmentContraindication,
)

DAYS_BACK = 274  # about nine months
# A medical booking made this recently is still waiting for the doctor.
PENDING_REVIEW_WITHIN = datetime.timedelta(hours=12)
# Share of grid times left free while walking a day (a busy, not a full, calendar).
GAP_CHANCE = 0.1
BATCH_SIZE = 2000
# Aim a little above M so that sampling exactly M is always possible.
CAPACITY_MARGIN = 1.05
# Hire staff for at most this many appointments in the window; the rest is history.
STAFF_FOR = 100_000
# History is planned this many days at a time (busy time already booked loaded once
# per chunk), and written this many appointments at a time (bounded memory).
HISTORY_CHUNK_DAYS = 91
WRITE_CHUNK = 50_000
# Ids of a table not reserved ahead (good-faith exams) are taken this many at a time.
RESERVE_AT_LEAST = 10_000
# No spa has a century of bookings: the staff cannot hold M (no hours, no treatments).
MAX_HISTORY_DAYS = 100 * 365
NO_TIME = datetime.timedelta(0)
ONE_MICROSECOND = datetime.timedelta(microseconds=1)
ALL_TIME = (
    datetime.datetime.min.replace(tzinfo=datetime.UTC),
    datetime.datetime.max.replace(tzinfo=datetime.UTC),
)

_FIRST_NAMES_TEXT = (
    "Olivia Emma Ava Sophia Isabella Mia Amelia Harper Evelyn Abigail Emily Ella "
    "Elizabeth Camila Luna Sofia Avery Mila Aria Scarlett Penelope Layla Chloe Victoria "
    "Madison Eleanor Grace Nora Riley Zoey Hannah Hazel Lily Ellie Violet Lillian Zoe "
    "Stella Aurora Natalie Emilia Everly Leah Aubrey Willow Addison Lucy Audrey Bella "
    "Nova Brooklyn Paisley Savannah Claire Skylar Isla Genesis Naomi Elena Caroline Liam "
    "Noah Oliver James Elijah William Henry Lucas Benjamin Theodore Mateo Levi Sebastian "
    "Daniel Jack Michael Alexander Owen Asher Samuel Ethan Leo Jackson Mason Ezra John "
    "Hudson Luca Aiden Joseph David Jacob Logan Luke Julian Gabriel Grayson"
)
FIRST_NAMES = _FIRST_NAMES_TEXT.split()
_LAST_NAMES_TEXT = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright "
    "Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell "
    "Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins "
    "Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez "
    "Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel"
)
LAST_NAMES = _LAST_NAMES_TEXT.split()
USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
)


class BulkSeedError(Exception):
    """The bulk data cannot be added (no clients, no staff, nothing bookable)."""


@dataclass
class BulkResult:
    clients: int = 0
    appointments: int = 0
    medical: int = 0
    practitioners_added: int = 0
    practitioners_used: int = 0
    rooms_added: int = 0
    history: int = 0  # of the appointments, those before the window (fully booked days)
    first_day: datetime.date | None = None
    last_day: datetime.date | None = None
    seconds: float = 0.0


@dataclass
class _Staff:
    """One practitioner as the planner sees them."""

    practitioner: Practitioner
    # What the booking service offers them for (selectors.qualified_practitioners).
    treatments: list[Treatment]
    # Over the days being planned: their day for each treatment (by pk) as the service
    # builds it, those days' agreements, and `open`: free on any day one of the
    # treatments is allowed, where the walk looks for starts.
    schedules: dict[int, PractitionerDay] = field(default_factory=dict)
    agreements: list[SupervisionAgreement] = field(default_factory=list)
    open: PractitionerDay | None = None


class _Intervals:
    """Times [start, end) that never overlap one another, in order: a free test and an
    insertion, each a bisection."""

    __slots__ = ("_ends", "_starts")

    def __init__(self) -> None:
        self._starts: list[datetime.datetime] = []
        self._ends: list[datetime.datetime] = []

    def is_free(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        after = bisect.bisect_right(self._starts, start)
        if after and self._ends[after - 1] > start:
            return False
        return after == len(self._starts) or end <= self._starts[after]

    def add(self, start: datetime.datetime, end: datetime.datetime) -> None:
        after = bisect.bisect_right(self._starts, start)
        self._starts.insert(after, start)
        self._ends.insert(after, end)


class _Room:
    """A room or device as the planner sees it over some days: busy as the database
    has it (`stored`: out of service, held by appointments already there) or held by
    one of this run's placements. It offers what availability.pick_resources asks of
    a resource: its id, its name and is_free."""

    __slots__ = ("name", "planned", "resource_id", "stored")

    def __init__(self, stored: ResourceDay) -> None:
        self.resource_id, self.name = stored.resource_id, stored.name
        # Most have nothing stored over the days (a fresh load): no need to ask.
        self.stored = None if stored.is_free(*ALL_TIME) else stored
        self.planned = _Intervals()

    def is_free(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        return self.planned.is_free(start, end) and self.stored_free(start, end)

    def stored_free(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        return self.stored is None or self.stored.is_free(start, end)


@dataclass
class _Rooms:
    """Each treatment's needs (by treatment pk) over some days, every resource one
    _Room shared by all the needs that list it."""

    first_day: datetime.date
    last_day: datetime.date
    needs: dict[int, list[Need]] = field(default_factory=dict)
    rooms: dict[int, _Room] = field(default_factory=dict)
    # Needs listing the same resources share one tuple of them, by their ids.
    shared: dict[tuple[int, ...], tuple[_Room, ...]] = field(default_factory=dict)
    # What this run's planning has learnt, by (id of a need's resources, start). Rooms
    # only fill up as the run plans, so it stays true: `busy_at`, how many of the
    # need's first resources are held at that very moment (no booking from then can
    # have them); `full`, the earliest end for which none was free from then (nor for
    # a later end). Each walk tries many treatments at a busy hour: they cost little.
    busy_at: dict[tuple[int, datetime.datetime], int] = field(default_factory=dict)
    full: dict[tuple[int, datetime.datetime], datetime.datetime] = field(default_factory=dict)

    def take(
        self, treatment: Treatment, start: datetime.datetime, end: datetime.datetime
    ) -> tuple[_Room, ...] | None:
        """The booking service's choice of rooms and devices for [start, end), now held
        by this run; None when a need has nothing free."""
        needs = self.needs.get(treatment.pk)
        if not needs:
            return ()
        keys = [(id(need.resources), start) for need in needs]
        unheld = []  # each need without the resources known to be held at `start`
        for need, key in zip(needs, keys, strict=True):
            known = self.full.get(key)
            if known is not None and known <= end:
                return None
            skip = self.busy_at.get(key, 0)
            unheld.append(Need(need.label, need.resources[skip:]) if skip else need)
        picked = pick_resources(unheld, start, end)
        for room in picked or ():
            room.planned.add(start, end)
        moment = start + ONE_MICROSECOND
        for need, key in zip(needs, keys, strict=True):
            rooms, skip = need.resources, self.busy_at.get(key, 0)
            while skip < len(rooms) and not rooms[skip].is_free(start, moment):
                skip += 1
            self.busy_at[key] = skip
            if picked is None and not any(room.is_free(start, end) for room in rooms[skip:]):
                self.full[key] = min(end, self.full.get(key, end))
        return picked


@dataclass(slots=True)
class _Placement:
    staff: _Staff
    treatment: Treatment
    day: datetime.date
    start: datetime.datetime
    physician: Practitioner | None
    weight: float
    schedule: PractitionerDay  # what it is checked against before it is written
    rooms: tuple[_Room, ...] = ()  # one per need of the treatment, in the needs' order


@dataclass
class _Plan:
    policy: Policy
    now: datetime.datetime
    today: datetime.date
    first_day: datetime.date
    last_day: datetime.date
    rng: random.Random
    medical_policy: Policy | None = None  # the policy with the medical notice (_policy)
    treatments: list[Treatment] = field(default_factory=list)
    staff: list[_Staff] = field(default_factory=list)
    pool: list[_Placement] = field(default_factory=list)
    added: int = 0
    hired_ids: list[int] = field(default_factory=list)
    # Rooms opened by this run, by the extra_rooms entry's `like`.
    rooms_opened: dict[str, int] = field(default_factory=dict)
    # The window's rooms and devices, held across the hiring rounds.
    rooms: _Rooms | None = None
    # How many needs (rooms, devices) each treatment has, by pk.
    needs: dict[int, int] = field(default_factory=dict)
    # Each practitioner's latest blocked_until written so far (rows go in time order).
    written_until: dict[int, datetime.datetime] = field(default_factory=dict)
    # Each resource's allocations written so far, holding time or not.
    written_rooms: dict[int, _Intervals] = field(default_factory=lambda: defaultdict(_Intervals))


def seed_bulk(
    *,
    clients: int,
    appointments: int,
    seed: int = 1,
    now: datetime.datetime | None = None,
    days_back: int = DAYS_BACK,
    days_ahead: int | None = None,
    policy: Policy | None = None,
    staff_for: int = STAFF_FOR,
) -> BulkResult:
    """Add `clients` clients and `appointments` appointments (see the module docstring).

    At most `staff_for` of them go in the window (today - days_back .. today +
    days_ahead), and staff are hired for those only; the rest fill fully booked days
    before the window, as far back as they need.
    """
    began = time.monotonic()
    policy = policy or Policy.from_settings()
    now = now or timezone.now()
    today = now.astimezone(policy.zone).date()
    # Never further ahead than a client may book online.
    ahead = policy.max_advance_days - 1 if days_ahead is None else days_ahead
    ahead = min(ahead, policy.max_advance_days - 1)
    plan = _Plan(
        policy=policy,
        now=now,
        today=today,
        first_day=today - datetime.timedelta(days=days_back),
        last_day=today + datetime.timedelta(days=ahead),
        rng=random.Random(seed),  # noqa: S311 (made-up demo data, not secrets)
    )
    # History has its own random numbers: the window's rows are the same however much
    # history is added behind them.
    history_rng = random.Random(f"{seed}:history")  # noqa: S311
    result = BulkResult(first_day=plan.first_day, last_day=plan.last_day)
    with transaction.atomic(), _timestamps_as_given():
        new_people = _new_clients(plan, clients)
        result.clients = clients
        if appointments > 0:
            if not new_people and not Client.objects.filter(date_of_birth__isnull=False).exists():
                raise BulkSeedError("There are no clients to book for: pass --clients N.")
            in_window = min(appointments, max(0, staff_for))
            _plan_calendar(plan, in_window)
            chosen = _choose(plan, in_window)
            history = _plan_history(plan, appointments - in_window, history_rng)
            if history:
                result.first_day = history[0].day
                _backdate_agreements(plan, result.first_day)
        people = _save_clients(plan, new_people, result.first_day)
        if appointments > 0:
            people = people or _existing_clients()
            superuser = _any_superuser()
            rows = _Rows()
            medical = sum(p.treatment.is_medical for part in (history, chosen) for p in part)
            rows.reserve(Appointment, len(history) + len(chosen))
            for model in (Intake, Consent, Review):
                rows.reserve(model, medical)
            # History first, oldest first: lower ids for older bookings, as in a spa.
            for offset in range(0, len(history), WRITE_CHUNK):
                part = history[offset : offset + WRITE_CHUNK]
                result.medical += _write(plan, part, people, history_rng, rows, superuser)
            result.medical += _write(plan, chosen, people, plan.rng, rows, superuser)
            result.appointments = len(chosen) + len(history)
            result.history = len(history)
            result.practitioners_used = len(
                {p.staff.practitioner.pk for part in (chosen, history) for p in part}
            )
        result.practitioners_added = plan.added
        result.rooms_added = sum(plan.rooms_opened.values())
    result.seconds = time.monotonic() - began
    return result


@contextmanager
def _timestamps_as_given() -> Iterator[None]:
    """Let bulk rows keep the created/updated times we give them (a booking made last
    spring was created last spring), instead of auto_now/auto_now_add's "now"."""
    touched = []
    for model in (Client, Appointment, Intake, Review, GoodFaithExam):
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.DateField) and (
                model_field.auto_now or model_field.auto_now_add
            ):
                touched.append((model_field, model_field.auto_now, model_field.auto_now_add))
                model_field.auto_now = model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, auto_now, auto_now_add in touched:
            model_field.auto_now, model_field.auto_now_add = auto_now, auto_now_add


def _batch() -> int | None:
    # SQLite: Django works out the largest batch its parameter limit allows.
    return BATCH_SIZE if connection.vendor == "postgresql" else None


# Clients --------------------------------------------------------------------------


def _new_clients(plan: _Plan, count: int) -> list[Client]:
    """`count` clients, not saved yet (_save_clients dates them before their bookings)."""
    if count <= 0:
        return []
    rng = plan.rng
    # Numbered after the highest id so far: unique emails on every run.
    base = (Client.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1
    # Known to the spa before any of their bookings (made up to 90 days ahead).
    joined_from = plan.now - datetime.timedelta(days=(plan.today - plan.first_day).days + 490)
    people = []
    for number in range(base, base + count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        age_days = rng.randint(23 * 365, 72 * 365)
        joined = joined_from + datetime.timedelta(seconds=rng.randint(0, 400 * 86400))
        people.append(
            Client(
                first_name=first,
                last_name=last,
                email=f"{first}.{last}.{number}@example.com".lower(),
                phone=f"+1212555{rng.randint(0, 9999):04d}",  # E.164, as the site stores
                date_of_birth=plan.today - datetime.timedelta(days=age_days),
                created_at=joined,
                updated_at=joined,
            )
        )
    return people


def _save_clients(plan: _Plan, people: list[Client], first_day: datetime.date) -> list[Client]:
    """Insert the new clients, joined before the first booking (history included)."""
    if not people:
        return []
    earlier = datetime.timedelta(days=(plan.first_day - first_day).days)
    if earlier:
        for person in people:
            person.created_at -= earlier
            person.updated_at = person.created_at
    return Client.objects.bulk_create(people, batch_size=_batch())


def _existing_clients() -> list[Client]:
    return list(
        Client.objects.filter(date_of_birth__isnull=False).only("pk", "date_of_birth", "email")
    )


# Planning -------------------------------------------------------------------------


def _load_staff(plan: _Plan, only: set[int] | None = None) -> list[_Staff]:
    """Practitioners with working hours and what the booking service offers them for."""
    staff: dict[int, _Staff] = {}
    for treatment in plan.treatments:
        for practitioner in qualified_practitioners(treatment):
            if (only is None or practitioner.pk in only) and practitioner.working_hours.all():
                member = staff.setdefault(practitioner.pk, _Staff(practitioner, []))
                member.treatments.append(treatment)
    return [staff[pk] for pk in sorted(staff)]


def _schedule(plan: _Plan, staff: list[_Staff], first_day, last_day) -> None:
    """Each one's day for each treatment over these days, as the booking service builds
    it (selectors.practitioner_days), and the day the walk looks for starts in."""
    agreements = defaultdict(list)
    for agreement in agreements_for(member.practitioner.pk for member in staff):
        agreements[agreement.practitioner_id].append(agreement)
    for member in staff:
        member.schedules = {}
        member.agreements = agreements[member.practitioner.pk]
    for treatment in plan.treatments:
        performers = [member for member in staff if treatment in member.treatments]
        days = practitioner_days(
            treatment,
            [member.practitioner for member in performers],
            first_day=first_day,
            last_day=last_day,
            policy=plan.policy,
        )
        for member, schedule in zip(performers, days, strict=True):
            member.schedules[treatment.pk] = schedule
    for member in staff:
        schedules = list(member.schedules.values())
        allowed = [schedule.allowed_days for schedule in schedules]
        member.open = dataclasses.replace(
            schedules[0],
            unavailable=list(schedules[0].unavailable),
            allowed_days=None if None in allowed else set().union(*allowed),
        )


def _weight(plan: _Plan, day: datetime.date) -> float:
    """How full a day's calendar ends up: the past busy, the future thinning out."""
    if day <= plan.today:
        return 0.95
    ahead = (day - plan.today).days / max(1, (plan.last_day - plan.today).days)
    return max(0.15, 0.9 - 0.75 * ahead)


def _rooms(
    plan: _Plan, first_day: datetime.date, last_day: datetime.date, kept: _Rooms | None = None
) -> _Rooms:
    """Each treatment's needs over these days as the booking service reads them
    (selectors.resource_needs: in service, lowest id first, busy as the database has
    them), read afresh; the rooms of `kept` (the same days) keep what this run holds."""
    rooms = _Rooms(first_day, last_day, rooms=dict(kept.rooms) if kept else {})

    def shared(resources: tuple[ResourceDay, ...]) -> tuple[_Room, ...]:
        for stored in resources:
            if stored.resource_id not in rooms.rooms:
                rooms.rooms[stored.resource_id] = _Room(stored)
        ids = tuple(stored.resource_id for stored in resources)
        return rooms.shared.setdefault(ids, tuple(rooms.rooms[pk] for pk in ids))

    for treatment in Treatment.objects.filter(
        pk__in=[t.pk for t in plan.treatments]
    ).prefetch_related("resource_needs__resources"):
        needs = resource_needs(
            treatment, first_day=first_day, last_day=last_day, policy=plan.policy
        )
        plan.needs[treatment.pk] = len(needs)
        rooms.needs[treatment.pk] = [
            dataclasses.replace(need, resources=shared(need.resources)) for need in needs
        ]
    return rooms


def _pool(plan: _Plan, staff: list[_Staff], rooms: _Rooms, rng: random.Random) -> list[_Placement]:
    """Every appointment these practitioners could have over the days of `rooms`, each
    holding its rooms and devices there."""
    first_day, last_day = rooms.first_day, rooms.last_day
    _schedule(plan, staff, first_day, last_day)
    # Every free start of a day, as the booking page lists them, without a length (what
    # fits is decided by the walk) and without notice or the advance limit (checked per
    # booking, as of the moment it was made: see _write).
    any_moment = dataclasses.replace(plan.policy, min_notice=NO_TIME, max_advance_days=0)
    placements = []
    for day in dates_between(first_day, last_day):
        starts: dict[int, list[datetime.datetime]] = defaultdict(list)
        for slot in free_slots(
            [member.open for member in staff],
            days=[day],
            duration=NO_TIME,
            buffer=NO_TIME,
            now=day_bounds(day, day, plan.policy.zone).start,
            policy=any_moment,
        ):
            starts[slot.practitioner_id].append(slot.start)
        weight = _weight(plan, day)
        for member in staff:
            if starts[member.practitioner.pk]:
                found = _walk(plan, member, day, starts[member.practitioner.pk], weight, rooms, rng)
                placements.extend(found)
    return placements


def _walk(plan: _Plan, member: _Staff, day, starts, weight, rooms: _Rooms, rng) -> list[_Placement]:
    """One practitioner's day in time order: at each free start (a few left as gaps), a
    treatment allowed that day that fits its working block with its cleanup buffer,
    touches nothing booked and has a free room and device of each kind it needs (drawn
    at random; when the one drawn has none, the others that fit, in turn); then on
    from the end of its buffer."""
    options = []
    for treatment in member.treatments:
        schedule = member.schedules[treatment.pk]
        if schedule.allowed_days is not None and day not in schedule.allowed_days:
            continue
        physician = None
        if treatment.is_medical:
            physician = physician_from_agreements(
                member.agreements, practitioner=member.practitioner, treatment=treatment, day=day
            )
        hold = datetime.timedelta(minutes=treatment.duration_minutes + treatment.buffer_minutes)
        options.append((treatment, schedule, physician, hold))
    if not options:
        return []
    blocks = [
        block_instants(day, starts_at, ends_at, plan.policy.zone)
        for starts_at, ends_at in member.open.weekly_blocks[day.weekday()]
    ]
    found = []
    free_from = starts[0]
    for start in starts:
        if start < free_from or rng.random() < GAP_CHANCE:
            continue
        block_end = next(block.end for block in blocks if block.start <= start < block.end)
        fitting = [option for option in options if start + option[3] <= block_end]
        if not fitting:
            continue
        drawn = rng.randrange(len(fitting))
        if not member.open.is_free(start, start + fitting[drawn][3]):
            continue
        # The treatment drawn; when its rooms are taken, the others that fit, in turn.
        for treatment, schedule, physician, hold in fitting[drawn:] + fitting[:drawn]:
            if not member.open.is_free(start, start + hold):
                continue
            held = rooms.take(treatment, start, start + hold)
            if held is not None:
                found.append(
                    _Placement(member, treatment, day, start, physician, weight, schedule, held)
                )
                free_from = start + hold
                break
    return found


def _plan_calendar(plan: _Plan, wanted: int) -> None:
    """Fill plan.pool with candidate appointments, hiring extra staff until M fit."""
    plan.treatments = list(
        Treatment.objects.active()
        .select_related("category")
        .prefetch_related("allowed_roles", "contraindication_rules__contraindication")
        .order_by("pk")
    )
    plan.staff = _load_staff(plan)
    if not plan.staff:
        raise BulkSeedError("No active practitioner has working hours: run seed_demo first.")
    plan.rooms = _rooms(plan, plan.first_day, plan.last_day)
    plan.pool = _pool(plan, plan.staff, plan.rooms, plan.rng)
    full_timers = [s for s in plan.staff if not s.practitioner.role.can_supervise]
    per_person = (
        sum(p.weight for p in plan.pool if not p.staff.practitioner.role.can_supervise)
        / len(full_timers)
        if full_timers
        else 1000.0
    )
    for round_number in range(20):
        capacity = sum(p.weight for p in plan.pool)
        deficit = wanted * CAPACITY_MARGIN - capacity
        if deficit <= 0:
            return
        count = max(1, math.ceil(deficit / max(per_person, 1.0)))
        if round_number == 0:
            # The demo staff share a few rooms: what a hire adds, with the rooms opened
            # for them, is measured on one of each kind before hiring more.
            count = min(count, len(catalogue.spa().extra_staff))
        hired = _hire(plan, count)
        if _open_rooms(plan):
            plan.rooms = _rooms(plan, plan.first_day, plan.last_day, kept=plan.rooms)
        new_staff = _load_staff(plan, {p.pk for p in hired})
        new_pool = _pool(plan, new_staff, plan.rooms, plan.rng)
        plan.staff.extend(new_staff)
        plan.pool.extend(new_pool)
        if new_staff:
            per_person = sum(p.weight for p in new_pool) / len(new_staff)
    raise BulkSeedError(f"Could not make room for {wanted} appointments.")


def _plan_history(plan: _Plan, wanted: int, rng: random.Random) -> list[_Placement]:
    """`wanted` appointments before the window, oldest first, by the window's staff.

    Walks back from the day before the window, HISTORY_CHUNK_DAYS at a time, keeping
    every placement each day's walk finds (a fully booked day: only the walk's gaps
    stay free), until there are enough; the oldest day is the one cut short.
    """
    if wanted <= 0:
        return []
    # The staff hired by this run are supervised as far back as history may go (dated
    # again once its first day is known).
    _backdate_agreements(plan, plan.first_day - datetime.timedelta(days=MAX_HISTORY_DAYS))
    found: list[_Placement] = []
    last_day = plan.first_day - datetime.timedelta(days=1)
    while len(found) < wanted:
        if (plan.first_day - last_day).days > MAX_HISTORY_DAYS:
            raise BulkSeedError(f"Could not make room for {wanted} appointments in the past.")
        first_day = last_day - datetime.timedelta(days=HISTORY_CHUNK_DAYS - 1)
        chunk = _pool(plan, plan.staff, _rooms(plan, first_day, last_day), rng)
        chunk.sort(key=lambda placement: placement.start, reverse=True)
        found.extend(chunk[: wanted - len(found)])
        last_day = first_day - datetime.timedelta(days=1)
    found.sort(key=lambda placement: placement.start)
    return found


def _backdate_agreements(plan: _Plan, first_day: datetime.date) -> None:
    """The supervision agreements of the staff this run hired start before `first_day`."""
    valid_from = first_day - datetime.timedelta(days=30)
    SupervisionAgreement.objects.filter(practitioner_id__in=plan.hired_ids).update(
        valid_from=valid_from,
        accepted_at=to_instant(
            valid_from - datetime.timedelta(days=7), datetime.time(10, 30), plan.policy.zone
        ),
    )


def _hire(plan: _Plan, count: int) -> list[Practitioner]:
    """Extra practitioners (the demo staff cannot hold a busy year on their own)."""
    rng = plan.rng
    spa = catalogue.spa()
    roles = {role.code: role for role in Role.objects.all()}
    physicians = [
        doctor
        for doctor in Practitioner.objects.active()
        .filter(role__can_supervise=True, user__isnull=False)
        .select_related("role", "user")
        .order_by("pk")
        if doctor.licence_valid_on(plan.last_day + datetime.timedelta(days=180))
    ]
    kinds = []  # (template, role, what they perform), in the order they are hired
    for template in spa.extra_staff:
        role = roles.get(template.role)
        if role is None:
            raise BulkSeedError(f"The role {template.role!r} is missing: run migrate.")
        kinds.append(
            (
                template,
                role,
                [
                    t
                    for t in plan.treatments
                    if (t.category.slug in template.categories or t.slug in template.treatments)
                    and t.role_may_perform(role)
                    and (not t.is_medical or role.can_supervise or physicians)
                ],
            )
        )
    if not any(performs for _, _, performs in kinds):
        raise BulkSeedError("No kind of extra_staff in spa.yaml performs an active treatment.")
    taken = set(Practitioner.objects.values_list("slug", flat=True))
    number = Practitioner.objects.count() + 1
    weeks = [spec for spec in spa.practitioners if len(spec.hours) >= 5]
    valid_from = plan.first_day - datetime.timedelta(days=30)
    hired, qualified, hours, agreements, holidays = [], [], [], [], []
    while len(hired) < count:
        template, role, performs = kinds[(number - 1) % len(kinds)]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        slug = f"{slugify(f'{first} {last}')}-{number}"
        number += 1
        if slug in taken or not performs:
            continue
        taken.add(slug)
        practitioner = Practitioner(
            display_name=f"{first} {last}{template.suffix}",
            slug=slug,
            role=role,
            licence_number=f"{role.code[:2].upper()}-{7000000 + number}",
            licence_expires_on=plan.last_day + datetime.timedelta(days=rng.randint(200, 700)),
            bio=f"Joined Lumen's growing team as {role.name.lower()}.",
            display_order=1000 + number,
        )
        hired.append(practitioner)
        qualified.append(performs)
        hours.append(weeks[(number + rng.randrange(len(weeks))) % len(weeks)])
        if any(t.is_medical for t in performs) and not role.can_supervise:
            agreements.append((practitioner, physicians[number % len(physicians)]))
        holidays.append(plan.first_day + datetime.timedelta(days=rng.randint(0, DAYS_BACK - 10)))
    Practitioner.objects.bulk_create(hired)
    Through = Practitioner.qualified_treatments.through
    Through.objects.bulk_create(
        Through(practitioner_id=p.pk, treatment_id=t.pk)
        for p, performs in zip(hired, qualified, strict=True)
        for t in performs
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(practitioner=p, weekday=weekday, starts_at=starts, ends_at=ends)
        for p, week in zip(hired, hours, strict=True)
        for weekday, starts, ends in week.blocks()
    )
    away = [
        day_bounds(first_off, first_off + datetime.timedelta(days=4), plan.policy.zone)
        for first_off in holidays
    ]
    TimeOff.objects.bulk_create(
        TimeOff(practitioner=p, starts_at=off.start, ends_at=off.end, reason="Holiday")
        for p, off in zip(hired, away, strict=True)
    )
    accepted_at = to_instant(
        valid_from - datetime.timedelta(days=7), datetime.time(10, 30), plan.policy.zone
    )
    SupervisionAgreement.objects.bulk_create(
        SupervisionAgreement(
            practitioner=practitioner,
            physician=physician,
            valid_from=valid_from,
            valid_until=plan.last_day + datetime.timedelta(days=180),
            covers_all_qualified=True,
            chart_review_percent=25,
            accepted_by=physician.user,
            accepted_at=accepted_at,
            notes="Standing orders for the medical treatments they are qualified for.",
        )
        for practitioner, physician in agreements
    )
    plan.added += len(hired)
    plan.hired_ids.extend(p.pk for p in hired)
    return hired


def _open_rooms(plan: _Plan) -> int:
    """Rooms to go with the staff hired so far (spa.yaml's extra_rooms): for every
    `every_hired` of them, one room like the entry's, needed wherever that one is.
    Returns how many it opened now."""
    opened = 0
    for spec in catalogue.spa().extra_rooms:
        like = Resource.objects.filter(name=spec.like).first()
        count = int(plan.added / spec.every_hired) - plan.rooms_opened.get(spec.like, 0)
        if like is None or count <= 0:
            continue
        taken = set(Resource.objects.values_list("name", flat=True))
        names = (f"{spec.name} {n}" for n in itertools.count(1))
        rooms = Resource.objects.bulk_create(
            Resource(name=name, kind=like.kind, notes=like.notes)
            for name in itertools.islice((n for n in names if n not in taken), count)
        )
        Through = ResourceNeed.resources.through
        Through.objects.bulk_create(
            Through(resourceneed_id=need_id, resource_id=room.pk)
            for need_id in ResourceNeed.objects.filter(resources=like).values_list("pk", flat=True)
            for room in rooms
        )
        plan.rooms_opened[spec.like] = plan.rooms_opened.get(spec.like, 0) + len(rooms)
        opened += len(rooms)
    return opened


def _choose(plan: _Plan, wanted: int) -> list[_Placement]:
    """Exactly `wanted` placements, each kept with a chance that follows its weight
    (weighted sampling without replacement). Dropping rows never makes an overlap."""
    rng = plan.rng
    keyed = (
        (rng.random() ** (1.0 / placement.weight), index)
        for index, placement in enumerate(plan.pool)
    )
    chosen = [plan.pool[index] for _, index in heapq.nlargest(wanted, keyed)]
    if len(chosen) < wanted:
        raise BulkSeedError(f"Only {len(chosen)} appointments fit, not {wanted}.")
    chosen.sort(key=lambda p: (p.staff.practitioner.pk, p.start))
    return chosen


# Writing --------------------------------------------------------------------------


@dataclass
class _Story:
    """What happened to one appointment, in order: booked, reviewed, then its end."""

    status: str
    source: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None = None
    cancelled_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None  # checked in / completed / no-show noted


def _policy(plan: _Plan, treatment: Treatment) -> Policy:
    """The policy the booking service applies to the treatment (Policy.from_settings):
    a medical one needs MEDICAL_MIN_NOTICE_HOURS' notice, for the doctor's review."""
    if not treatment.is_medical:
        return plan.policy
    if plan.medical_policy is None:
        medical = datetime.timedelta(hours=settings.MEDICAL_MIN_NOTICE_HOURS)
        notice = max(plan.policy.min_notice, medical)
        plan.medical_policy = dataclasses.replace(plan.policy, min_notice=notice)
    return plan.medical_policy


def _story(plan: _Plan, placement: _Placement, rng: random.Random) -> _Story:
    now = plan.now
    treatment = placement.treatment
    start = placement.start
    end = start + datetime.timedelta(minutes=treatment.duration_minutes)
    source = Appointment.Source.ONLINE if rng.random() < 0.7 else Appointment.Source.FRONT_DESK
    earliest = start - datetime.timedelta(days=plan.policy.max_advance_days - 1)
    notice = _policy(plan, treatment).min_notice + datetime.timedelta(hours=1)
    if start > now:
        # Booked some time between the furthest advance allowed and a moment ago.
        latest = min(now - datetime.timedelta(minutes=5), start - notice)
        span = max(0.0, (latest - earliest).total_seconds())
        created = latest - datetime.timedelta(seconds=span * rng.random())
    else:
        lead_days = min(rng.expovariate(1 / 14), plan.policy.max_advance_days - 1)
        created = start - max(notice, datetime.timedelta(days=lead_days))
    story = _Story(status=Appointment.Status.CONFIRMED, source=source, created_at=created)
    if treatment.is_medical:
        if start > now and created > now - PENDING_REVIEW_WITHIN:
            story.status = Appointment.Status.PENDING_REVIEW
        else:
            until = min(start, now)
            story.decided_at = created + (until - created) * rng.uniform(0.05, 0.6)
    if end <= now:
        roll = rng.random()
        if roll < 0.1:
            story.status = Appointment.Status.CANCELLED
            after = story.decided_at or created
            story.cancelled_at = after + (start - after) * rng.uniform(0.2, 0.95)
        elif roll < 0.15:
            story.status = Appointment.Status.NO_SHOW
            story.closed_at = start + datetime.timedelta(minutes=20)
        else:
            story.status = Appointment.Status.COMPLETED
            story.closed_at = end + datetime.timedelta(minutes=5)
    elif start <= now:
        story.status = Appointment.Status.CHECKED_IN
        story.closed_at = start - datetime.timedelta(minutes=10)
    if story.closed_at is not None and story.closed_at > now:
        story.closed_at = now
    return story


def _pick_client(people: list[Client], placement: _Placement, rng: random.Random) -> Client | None:
    treatment = placement.treatment
    minimum = treatment.minimum_age
    if treatment.is_medical:
        minimum = max(minimum, MEDICAL_MINIMUM_AGE)
    for _try in range(20):
        person = people[rng.randrange(len(people))]
        if age_on(person.date_of_birth, placement.day) >= minimum:
            return person
    return None


def _write(
    plan: _Plan,
    chosen: list[_Placement],
    people: list[Client],
    rng: random.Random,
    writer: "_Rows",
    superuser: int | None,
) -> int:
    """Appointments and the rooms and devices each holds, then the intake, consent and
    review of each medical one, and the good-faith exams approvals relied on. Rows are
    plain dicts (building 300,000 model instances alone takes longer than inserting
    them)."""
    if not chosen:
        return 0
    rows: list[dict] = []
    medical: list[tuple[dict, _Placement, Client, _Story]] = []
    online = Appointment.Source.ONLINE
    for placement in chosen:
        person = _pick_client(people, placement, rng)
        if person is None:
            raise BulkSeedError("Too few adult clients for the medical treatments: add --clients.")
        treatment = placement.treatment
        story = _story(plan, placement, rng)
        end = placement.start + datetime.timedelta(minutes=treatment.duration_minutes)
        blocked_until = end + datetime.timedelta(minutes=treatment.buffer_minutes)
        _check(plan, placement, story.created_at, blocked_until)
        changed = max(
            t
            for t in (story.created_at, story.decided_at, story.cancelled_at, story.closed_at)
            if t is not None
        )
        happened = placement.start < plan.now and story.status != Appointment.Status.CANCELLED
        row = {
            "token": new_token(),
            # Demo history: every visit's email proven when it was booked.
            "client_id": person.pk,
            "client_first_name": person.first_name,
            "client_last_name": person.last_name,
            "client_email": person.email,
            "client_phone": person.phone,
            "client_date_of_birth": person.date_of_birth,
            "email_proven_at": story.created_at,
            "treatment_id": treatment.pk,
            "practitioner_id": placement.staff.practitioner.pk,
            "supervising_physician_id": placement.physician.pk if placement.physician else None,
            "start": placement.start,
            "end": end,
            "blocked_until": blocked_until,
            "price": Decimal(treatment.price),
            "status": story.status,
            "source": story.source,
            "client_notes": "",
            "submission_key": None,
            "client_confirmed_at": placement.start - datetime.timedelta(hours=40)
            if happened
            else None,
            "sms_opt_in_at": None,
            "sms_consent_wording": "",
            "cancelled_at": story.cancelled_at,
            "created_at": story.created_at,
            "updated_at": changed,
        }
        rows.append(row)
        if treatment.is_medical:
            medical.append((row, placement, person, story))
    ids = writer.insert(Appointment, rows)
    for row, pk in zip(rows, ids, strict=True):
        row["id"] = pk
    freeing = Appointment.FREEING_STATUSES
    writer.insert(
        ResourceAllocation,
        [
            {
                "appointment_id": row["id"],
                "resource_id": room.resource_id,
                "start": row["start"],
                "blocked_until": row["blocked_until"],
                # A cancelled appointment's rows stay as a record (allocations_follow).
                "holds_time": row["status"] not in freeing,
            }
            for row, placement in zip(rows, chosen, strict=True)
            for room in placement.rooms
        ],
    )

    writer.insert(
        Intake,
        [_intake(rng, row, placement, person, story) for row, placement, person, story in medical],
    )
    writer.insert(
        Consent,
        [
            {
                "appointment_id": row["id"],
                "text": placement.treatment.consent_text or DEFAULT_CONSENT,
                "consented_at": story.created_at,
                "ip_address": f"198.51.100.{rng.randint(1, 254)}"
                if story.source == online
                else None,
                "user_agent": rng.choice(USER_AGENTS) if story.source == online else "",
            }
            for row, placement, _person, story in medical
        ],
    )
    writer.insert(
        Review,
        [
            {
                "appointment_id": row["id"],
                "physician_id": placement.physician.pk,
                "decision": Review.Decision.APPROVED
                if story.decided_at
                else Review.Decision.PENDING,
                "note": "",
                "exam_at_visit": False,
                "decided_at": story.decided_at,
                "created_at": story.created_at,
            }
            for row, placement, _person, story in medical
        ],
    )
    _write_exams(plan, medical, writer, superuser)
    return len(medical)


def _check(
    plan: _Plan,
    placement: _Placement,
    booked_at: datetime.datetime,
    blocked_until: datetime.datetime,
) -> None:
    """The booking service's own check of the time (availability.slot_problem) as of
    the moment it was booked, and no overlap with this run's rows written before it:
    neither the practitioner's nor, for each room and device it holds, the resource's
    (nor the resource's out-of-service periods and allocations already stored)."""
    treatment = placement.treatment
    practitioner = placement.staff.practitioner
    problem = slot_problem(
        placement.schedule,
        start=placement.start,
        duration=datetime.timedelta(minutes=treatment.duration_minutes),
        buffer=datetime.timedelta(minutes=treatment.buffer_minutes),
        now=booked_at,
        policy=_policy(plan, treatment),
    )
    if not problem and placement.start < plan.written_until.get(practitioner.pk, placement.start):
        problem = "it overlaps another appointment of this run."
    held = {room.resource_id for room in placement.rooms}
    if not problem and not len(held) == len(placement.rooms) == plan.needs.get(treatment.pk, 0):
        problem = "it does not hold one room or device of its own for each need."
    for room in placement.rooms:
        if problem:
            break
        written = plan.written_rooms[room.resource_id]
        if not room.stored_free(placement.start, blocked_until):
            problem = f"{room.name} is out of service or already held then."
        elif not written.is_free(placement.start, blocked_until):
            problem = f"{room.name} is held by another appointment of this run."
        else:
            written.add(placement.start, blocked_until)
    if problem:
        when = placement.start.astimezone(plan.policy.zone)
        raise BulkSeedError(
            f"Planned {treatment.name} with {practitioner.display_name} on {when:%Y-%m-%d %H:%M}, "
            f"booked {booked_at.astimezone(plan.policy.zone):%Y-%m-%d %H:%M}: {problem}"
        )
    plan.written_until[practitioner.pk] = blocked_until


def _intake(
    rng: random.Random, row: dict, placement: _Placement, person: Client, story: _Story
) -> dict:
    """All answers no, but now and then a relative contraindication for the doctor."""
    answers: dict[str, bool] = {}
    flags = []
    for rule in placement.treatment.contraindication_rules.all():
        condition = rule.contraindication
        says_yes = (
            rule.severity == TreatmentContraindication.Severity.RELATIVE and rng.random() < 0.06
        )
        answers[condition.code] = says_yes
        if says_yes:
            flags.append({"code": condition.code, "name": condition.name, "severity": "relative"})
    return {
        "appointment_id": row["id"],
        "date_of_birth": person.date_of_birth,
        "pregnant_or_breastfeeding": answers.get("pregnant-or-breastfeeding", False),
        "isotretinoin_last_6_months": answers.get("isotretinoin-last-6-months", False),
        "blood_thinners": answers.get("blood-thinners", False),
        "medications": "",
        "allergies": "",
        "conditions": "",
        "extra_answers": {
            code: answer for code, answer in answers.items() if code not in STANDARD_QUESTIONS
        },
        "flags": flags,
        "changes": {},
        "created_at": story.created_at,
    }


def _write_exams(
    plan: _Plan,
    medical: list[tuple[dict, _Placement, Client, _Story]],
    writer: "_Rows",
    superuser: int | None,
) -> None:
    """A good-faith exam wherever an approved appointment needs one: the physician's
    exam recorded at the review, valid for GFE_VALID_MONTHS (bookings/clinical.py)."""
    zone = plan.policy.zone
    needing: dict[int, list[tuple[dict, _Placement, _Story]]] = defaultdict(list)
    for row, placement, person, story in medical:
        if placement.treatment.requires_gfe and story.decided_at is not None:
            needing[person.pk].append((row, placement, story))
    exams = []
    for client_id, entries in needing.items():
        entries.sort(key=lambda entry: entry[0]["start"])
        covered_until = None
        for row, placement, story in entries:
            if covered_until is not None and placement.day <= covered_until:
                continue
            physician = placement.physician
            recorded_by = physician.user_id
            if recorded_by is None:
                if superuser is None:
                    raise BulkSeedError(
                        "No superuser to record good-faith exams: run seed_demo first."
                    )
                recorded_by = superuser
            performed_on = story.decided_at.astimezone(zone).date()
            covered_until = gfe_expiry(performed_on)
            exams.append(
                {
                    "client_id": client_id,
                    "examiner_id": physician.pk,
                    "performed_on": performed_on,
                    "expires_on": covered_until,
                    "covers_all_medical": True,
                    "findings": "History reviewed, skin examined; a candidate for the planned "
                    "medical treatments. Plan discussed with the client.",
                    "outcome": GoodFaithExam.Outcome.CLEARED,
                    "restrictions": "",
                    "appointment_id": row["id"],
                    "recorded_by_id": recorded_by,
                    "recorded_at": story.decided_at,
                }
            )
    writer.insert(GoodFaithExam, exams)


def _any_superuser() -> int | None:
    """Who records an exam when the physician has no login (looked up before writing)."""
    users = get_user_model().objects.filter(is_superuser=True).order_by("pk")
    return users.values_list("pk", flat=True).first()


# Inserting ------------------------------------------------------------------------


class _Rows:
    """Inserts rows (dicts by column attname) and gives their ids in order.

    Postgres: ids taken from the table's sequence, then COPY (several times faster
    than INSERT for 100,000 rows; every constraint and index still applies). Foreign
    keys are checked as each COPY ends (SET CONSTRAINTS ALL IMMEDIATE) rather than all
    at the commit, which would queue a check for each of a million rows.
    Elsewhere: bulk_create, one call at a time.
    """

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.ids: dict[type[models.Model], deque[int]] = defaultdict(deque)
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def reserve(self, model: type[models.Model], count: int) -> None:
        """Take `count` more ids of `model`."""
        if not self.postgres or count <= 0:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, count],
            )
            self.ids[model].extend(pk for (pk,) in cursor.fetchall())

    def insert(self, model: type[models.Model], rows: list[dict]) -> list[int]:
        if not rows:
            return []
        if not self.postgres:
            objects = [model(**row) for row in rows]
            model.objects.bulk_create(objects)
            return [obj.pk for obj in objects]
        pool = self.ids[model]
        if len(pool) < len(rows):
            self.reserve(model, max(len(rows) - len(pool), RESERVE_AT_LEAST))
        ids = [pool.popleft() for _ in rows]
        columns = list(rows[0])
        lines = []
        convert = _COPY_BY_TYPE
        for pk, row in zip(ids, rows, strict=True):
            text = [str(pk)]
            for name in columns:
                value = row[name]
                text.append(convert[type(value)](value))
            lines.append("\t".join(text))
        quote = connection.ops.quote_name
        column_list = ", ".join(
            quote(c)
            for c in [model._meta.pk.column, *(model._meta.get_field(n).column for n in columns)]
        )
        sql = f"COPY {quote(model._meta.db_table)} ({column_list}) FROM STDIN"
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(sql, io.StringIO("\n".join(lines) + "\n"), size=1 << 20)
        return ids


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_datetime(value: datetime.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("bulk rows use aware datetimes")
    return value.isoformat()


def _copy_json(value: dict | list) -> str:
    return json.dumps(value).translate(_COPY_ESCAPES)


class _ByType(dict):
    """Converters by exact type; a subclass (a TextChoices member is a str) gets its
    nearest base's, looked up once."""

    def __missing__(self, kind: type):
        for base in kind.__mro__[1:]:
            if base in self:
                self[kind] = self[base]
                return self[base]
        raise TypeError(f"cannot copy {kind.__name__}")


# One value in COPY's text format, by the value's type (a dict lookup: a million rows
# are about twenty million values).
_COPY_BY_TYPE = _ByType(
    {
        str: lambda value: value.translate(_COPY_ESCAPES),
        type(None): lambda value: "\\N",
        datetime.datetime: _copy_datetime,
        bool: lambda value: "t" if value else "f",
        int: str,
        Decimal: str,
        datetime.date: datetime.date.isoformat,
        dict: _copy_json,
        list: _copy_json,
    }
)
