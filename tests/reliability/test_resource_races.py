"""G3 races for rooms and devices (issue 19): 50 simultaneous attempts, 20 runs each.

Every attempt is by a different practitioner, free at the raced time, so neither the
practitioners' row locks nor appointment_no_overlap decide a run: only the room or
device does (its row lock in lock_schedules and, beneath it, allocation_no_overlap).
A busy room or device reads like a taken slot, so a run must show what the races in
test_booking_races.py show: exactly one attempt wins, the other 49 get their form
again saying "That time was just taken", nothing else (no 5xx, no other page); of
the racers' appointments only the winner's holds a raced start; the raced rooms or
device are held at the raced times by the winner's allocation (and the rows that were
there before) alone; and no two allocations of one resource that hold time overlap.
Each run is a fresh race on its own working day.

- `device`: 50 online bookings of a treatment that needs the one laser platform.
- `last-room`: 50 online bookings of a treatment that needs a treatment room, any of
  four. Before each run three other practitioners book rooms 1-3 at the raced time
  through the service, so the 50 race for room 4.
- `reschedule-vs-booking/device`: 25 appointments of the laser treatment (each with
  its own practitioner, booked through the service on later days) POST their manage
  link's reschedule form while 25 new online bookings POST the booking form,
  alternating. A reschedule that loses leaves its appointment and its allocation
  where they were; one that wins takes its allocation along, and a new appointment
  takes its place in the pool for the next run.

Shapes (races.SHAPES): the device race runs against both, all at one time and 50
starts 5 minutes apart that all overlap (a 5-minute grid and a 240-minute treatment);
the other two at one time only: each race of 50 practitioners takes minutes, and the
device's overlapping starts already show allocations' ranges meeting.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Appointment, Client, ResourceAllocation
from bookings.services.appointments import appointment_book
from practitioners.models import Practitioner
from tests.factories import TreatmentFactory
from tests.reliability.races import (
    ATTEMPTS,
    RUNS,
    SHAPES,
    Attempt,
    Shape,
    Tally,
    online,
    online_browsers,
    practitioners_for,
    race,
    reschedule,
)
from tests.security.helpers import working_days
from tests.spa import at, client_details, next_working_day
from treatments.models import Resource, ResourceNeed, Treatment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # 50 connections a race: never beside test_booking_races.py's (max_connections 100).
    pytest.mark.xdist_group("fifty-connections"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the race test needs PostgreSQL's row locks (SQLite serialises every writer)",
    ),
]
POOL = 25  # reschedules among the 50 attempts of the mixed race
ROOMS = 4


@pytest.fixture(params=list(SHAPES))
def shape(request, settings) -> Shape:
    return SHAPES[request.param].use(settings)


at_one_time = pytest.mark.parametrize("shape", ["same-slot"], indirect=True)


def _needing(shape: Shape, name: str, label: str, resources: list[Resource]) -> Treatment:
    """A day-spa treatment of the shape's length that needs one of `resources`."""
    treatment = TreatmentFactory(
        name=name,
        slug=name.lower().replace(" ", "-"),
        duration_minutes=shape.minutes,
        buffer_minutes=shape.BUFFER,
    )
    ResourceNeed.objects.create(treatment=treatment, label=label).resources.set(resources)
    return treatment


def _laser(shape: Shape) -> tuple[Resource, Treatment]:
    device = Resource.objects.create(name="Laser platform", kind=Resource.Kind.DEVICE)
    return device, _needing(shape, "Laser resurfacing", "the laser platform", [device])


def _team(treatment: Treatment, shape: Shape, count: int, name: str) -> list[Practitioner]:
    return practitioners_for(treatment, shape, [f"{name} {n:02d}" for n in range(count)])


def _held(resources: list[Resource], shape: Shape, starts) -> list[tuple]:
    """(appointment, resource, from, until) of each allocation holding one of the
    resources at any of the raced times."""
    until = starts[-1] + datetime.timedelta(minutes=shape.hold)
    rows = ResourceAllocation.objects.filter(
        resource__in=resources, holds_time=True, start__lt=until, blocked_until__gt=starts[0]
    )
    return sorted(rows.values_list("appointment_id", "resource_id", "start", "blocked_until"))


def _holding(appointment: Appointment, resource: Resource) -> tuple:
    return (appointment.pk, resource.pk, appointment.start, appointment.blocked_until)


def _check_held(
    tally: Tally,
    run: int,
    winner: Attempt | None,
    raced: list[Resource],
    shape: Shape,
    starts,
    kept: Iterable[tuple] = (),
) -> None:
    """At the raced times the raced resources are held by the rows `kept` from before
    the race and by the winner's allocation of the last of them, and by nothing else."""
    expected = list(kept)
    if winner is not None:
        expected.append(_holding(winner.winner(), raced[-1]))
    held = _held(raced, shape, starts)
    if held != sorted(expected):
        tally.problems.append(f"run {run}: held at the raced times {held}, not {expected}")


def _online_race(server, treatment: Treatment, racers: list[Practitioner], shape: Shape):
    """50 browsers on the booking form, and each run's 50 attempts: racer n at start n."""
    days = working_days(RUNS)
    browsers = online_browsers(server, ATTEMPTS, treatment.slug, shape.starts(days[0])[0])
    for run, day in enumerate(days):
        starts = shape.starts(day)
        yield (
            run,
            starts,
            [
                online(treatment, racer, browser, start, n, run)
                for n, (racer, browser, start) in enumerate(
                    zip(racers, browsers, starts, strict=True)
                )
            ],
        )


def test_fifty_practitioners_racing_for_one_device(server, shape, settings):
    device, laser = _laser(shape)
    racers = _team(laser, shape, ATTEMPTS, "Racer")
    tally = Tally(f"device/{shape.name}", resources=True)
    for run, starts, attempts in _online_race(server, laser, racers, shape):
        race(attempts)
        winner = tally.check(run, attempts, racers)
        _check_held(tally, run, winner, [device], shape, starts)
    tally.report(f"practitioners={ATTEMPTS} devices=1 {shape.describe(settings)}")


@at_one_time
def test_fifty_practitioners_racing_for_the_last_free_room(server, shape, settings):
    rooms = [
        Resource.objects.create(name=f"Treatment room {k}", kind=Resource.Kind.ROOM)
        for k in range(1, ROOMS + 1)
    ]
    wrap = _needing(shape, "Body wrap", "a treatment room", rooms)
    keepers = _team(wrap, shape, ROOMS - 1, "Room keeper")
    racers = _team(wrap, shape, ATTEMPTS, "Racer")
    tally = Tally(f"last-room/{shape.name}", resources=True)
    for run, starts, attempts in _online_race(server, wrap, racers, shape):
        # Rooms 1-3 go first (the lowest-numbered free one each time): only room 4 is left.
        kept = [
            _holding(
                appointment_book(
                    treatment=wrap,
                    practitioner=keeper,
                    start=starts[0],
                    client=client_details(email=f"keeper{k}.run{run}@example.com"),
                ),
                room,
            )
            for k, (keeper, room) in enumerate(zip(keepers, rooms, strict=False))
        ]
        assert _held(rooms, shape, starts) == sorted(kept)
        race(attempts)
        winner = tally.check(run, attempts, racers)
        _check_held(tally, run, winner, rooms, shape, starts, kept)
    tally.report(
        f"practitioners={ATTEMPTS} rooms={ROOMS} held_before={ROOMS - 1} {shape.describe(settings)}"
    )


def _as_stored(appointments: list[Appointment]) -> dict[int, tuple]:
    """Each appointment's start and practitioner, and its allocation rows, as stored."""
    pks = [appointment.pk for appointment in appointments]
    rows = defaultdict(list)
    for appointment_id, *row in (
        ResourceAllocation.objects.filter(appointment__in=pks)
        .order_by("pk")
        .values_list("appointment_id", "resource_id", "start", "blocked_until", "holds_time")
    ):
        rows[appointment_id].append(tuple(row))
    return {
        pk: (start, practitioner_id, rows[pk])
        for pk, start, practitioner_id in Appointment.objects.filter(pk__in=pks).values_list(
            "pk", "start", "practitioner_id"
        )
    }


@at_one_time
def test_reschedules_racing_new_bookings_for_the_device(server, shape, settings):
    """25 reschedules (25 practitioners) and 25 new bookings (25 others), alternating."""
    device, laser = _laser(shape)
    movers = _team(laser, shape, POOL, "Mover")
    bookers = _team(laser, shape, ATTEMPTS - POOL, "Booker")
    race_days = working_days(RUNS)
    # Each home holds the device too: one appointment per home, a home per pool place
    # and one more for each run a reschedule wins.
    home_days = working_days(-(-(POOL + RUNS) // len(shape.homes)), days_ahead=3 + 31)
    assert not set(race_days) & set(home_days)
    homes = iter([at(day, t.hour, t.minute) for day in home_days for t in shape.homes])
    added = 0

    def pool_appointment(practitioner: Practitioner) -> Appointment:
        nonlocal added
        added += 1
        return appointment_book(
            treatment=laser,
            practitioner=practitioner,
            start=next(homes),
            client=client_details(email=f"pool{added}@example.com"),
        )

    pool = [pool_appointment(mover) for mover in movers]
    browsers = online_browsers(server, ATTEMPTS, laser.slug, shape.starts(race_days[0])[0])
    tally = Tally(f"reschedule-vs-booking/device/{shape.name}", resources=True)
    for run, day in enumerate(race_days):
        before = _as_stored(pool)
        waiting, booking = iter(pool), iter(bookers)
        starts = shape.starts(day)
        attempts = [
            online(laser, next(booking), browser, start, n, run)
            if n % 2
            else reschedule(next(waiting), browser, start)
            for n, (browser, start) in enumerate(zip(browsers, starts, strict=True))
        ]
        race(attempts)
        winner = tally.check(run, attempts, [*movers, *bookers])
        _check_held(tally, run, winner, [device], shape, starts)
        moved = winner.appointment if winner and winner.kind == "reschedule" else None
        for pk, (start, practitioner_id, rows) in _as_stored(pool).items():
            if moved and pk == moved.pk:
                # Its allocation went along: one row, at the raced time, nothing left behind.
                booked = winner.winner()
                if rows != [(device.pk, booked.start, booked.blocked_until, True)]:
                    tally.problems.append(f"run {run}: the moved appointment holds {rows}")
            elif (start, practitioner_id, rows) != before[pk]:
                tally.problems.append(
                    f"run {run}: appointment {pk} lost its race but is now at {start} "
                    f"holding {rows} (was {before[pk]})"
                )
        if moved:  # it now lives on the race day: a new one by the same mover replaces it
            pool = [pool_appointment(a.practitioner) if a == moved else a for a in pool]
    tally.report(
        f"reschedules={POOL} new_bookings={ATTEMPTS - POOL} practitioners={ATTEMPTS} "
        f"reschedule_wins={tally.wins_by_kind.get('reschedule', 0)} "
        f"booking_wins={tally.wins_by_kind.get('online', 0)} devices=1 "
        f"{shape.describe(settings)}"
    )


def test_the_database_itself_refuses_an_overlapping_allocation(spa):
    """Rows written behind the services cannot hold one device twice at once
    (allocation_no_overlap); a row that no longer holds time blocks nothing."""
    day = next_working_day()
    device = Resource.objects.create(name="Laser platform", kind=Resource.Kind.DEVICE)
    room = Resource.objects.create(name="Treatment room 1", kind=Resource.Kind.ROOM)
    client = Client.objects.create(first_name="A", last_name="B", email="a@example.com", phone="1")
    values = {"client": client, "treatment": spa.facial, "price": spa.facial.price}
    # Two practitioners: their appointments never overlap one practitioner's.
    first, second = (
        Appointment.objects.create(
            practitioner=practitioner,
            start=at(day, 10),
            end=at(day, 11),
            blocked_until=at(day, 11, 15),
            status="confirmed",
            **values,
        )
        for practitioner in (spa.esthetician, spa.nurse)
    )

    def allocation(appointment, resource, start, until, holds_time=True):
        return ResourceAllocation(
            appointment=appointment,
            resource=resource,
            start=start,
            blocked_until=until,
            holds_time=holds_time,
        )

    held = allocation(first, device, at(day, 10), at(day, 11, 15))
    held.save()
    for start, until in [
        (at(day, 10), at(day, 11, 15)),  # the same time
        (at(day, 11), at(day, 12, 15)),  # its last 15 minutes
        (at(day, 9), at(day, 10, 15)),  # its first 15 minutes
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            ResourceAllocation.objects.bulk_create([allocation(second, device, start, until)])
        with pytest.raises(IntegrityError), transaction.atomic():
            allocation(second, device, start, until).save()
    # Moving a row onto a held time is refused as well.
    later = ResourceAllocation.objects.create(
        appointment=second, resource=device, start=at(day, 11, 15), blocked_until=at(day, 12, 30)
    )  # back to back with the held row: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceAllocation.objects.filter(pk=later.pk).update(start=at(day, 11))
    # Overlapping rows that don't hold time, or of another resource, are fine.
    ResourceAllocation.objects.bulk_create(
        [
            allocation(second, device, at(day, 10), at(day, 11, 15), holds_time=False),
            allocation(second, room, at(day, 10), at(day, 11, 15)),
        ]
    )
    # Once the held row stops holding time (its appointment cancelled), the time is free;
    # and it cannot hold it again while another row does.
    ResourceAllocation.objects.filter(pk=held.pk).update(holds_time=False)
    ResourceAllocation.objects.create(
        appointment=second, resource=device, start=at(day, 10), blocked_until=at(day, 11, 15)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceAllocation.objects.filter(pk=held.pk).update(holds_time=True)
    assert ResourceAllocation.objects.filter(resource=device, holds_time=True).count() == 2
