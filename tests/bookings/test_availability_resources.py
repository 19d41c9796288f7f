"""Free times with rooms and devices, as pure rules: a time is offered only when one of
each need is free for the whole appointment, buffer included, and the same pick is
made every time (lowest-numbered first)."""

import datetime

from bookings.availability import (
    Interval,
    Need,
    ResourceDay,
    free_slots,
    pick_resources,
    to_instant,
)
from tests.bookings.test_availability import (
    FALL,
    MIN,
    MONDAY,
    NY,
    POLICY,
    SPRING,
    T,
    at,
    practitioner,
    starts,
)

BEFORE = datetime.datetime(2027, 6, 1, 9, tzinfo=NY)


def room(number: int, *busy: Interval) -> ResourceDay:
    return ResourceDay(number, f"Room {number}", busy)


def laser(*busy: Interval) -> ResourceDay:
    return ResourceDay(9, "Laser platform", busy)


def slots_with(day, needs, who=None, minutes=60, buffer=15, now=BEFORE):
    return free_slots(
        [who or practitioner([(T(9), T(17))])],
        days=[day],
        duration=minutes * MIN,
        buffer=buffer * MIN,
        now=now,
        policy=POLICY,
        needs=needs,
    )


def test_a_device_held_by_another_practitioner_blocks_the_time_buffer_included():
    # Another nurse's laser appointment 11:00-12:00 with its 15-minute buffer.
    held = Interval(at(MONDAY, 11), at(MONDAY, 12, 15))
    got = starts(slots_with(MONDAY, [Need("the laser", (laser(held),))]))
    # Our 60 + 15 minutes must end by 11:00 and may start at 12:15.
    assert "09:45" in got and "10:00" not in got and "12:00" not in got
    assert got[got.index("09:45") + 1] == "12:15"


def test_the_lowest_numbered_free_room_is_picked_and_shown():
    rooms = Need("a treatment room", (room(1, Interval(at(MONDAY, 9), at(MONDAY, 10))), room(2)))
    slots = slots_with(MONDAY, [rooms])
    by_start = {starts([slot])[0]: slot.resources for slot in slots}
    assert by_start["09:00"] == ((2, "Room 2"),)  # room 1 is held until 10:00
    assert by_start["10:00"] == ((1, "Room 1"),)


def test_no_time_is_offered_while_every_room_is_held():
    busy = Interval(at(MONDAY, 13), at(MONDAY, 14))
    rooms = Need("a treatment room", (room(1, busy), room(2, busy)))
    got = starts(slots_with(MONDAY, [rooms], minutes=30, buffer=0))
    assert "12:30" in got and "14:00" in got
    assert not {"12:45", "13:00", "13:30", "13:45"} & set(got)


def test_an_out_of_service_period_blocks_like_a_booking():
    maintenance = Interval(at(MONDAY, 9), at(MONDAY, 13))
    got = starts(slots_with(MONDAY, [Need("the laser", (laser(maintenance),))]))
    assert got[0] == "13:00"


def test_a_need_with_no_resource_in_service_offers_nothing():
    assert slots_with(MONDAY, [Need("the laser", ())]) == []


def test_two_needs_never_take_the_same_resource():
    # "A room" may be either; "a quiet room" only room 1: room 1 goes to the second need.
    one, two = room(1), room(2)
    picked = pick_resources(
        [Need("a room", (one, two)), Need("a quiet room", (one,))],
        at(MONDAY, 10),
        at(MONDAY, 11),
    )
    assert [r.name for r in picked] == ["Room 2", "Room 1"]


def test_the_front_desk_may_name_the_room():
    rooms = [Need("a treatment room", (room(1), room(2))), Need("the laser", (laser(),))]
    picked = pick_resources(rooms, at(MONDAY, 10), at(MONDAY, 11), wanted=frozenset({2}))
    assert [r.name for r in picked] == ["Room 2", "Laser platform"]
    held = Interval(at(MONDAY, 10), at(MONDAY, 11))
    rooms = [Need("a treatment room", (room(1), room(2, held)))]
    assert pick_resources(rooms, at(MONDAY, 10), at(MONDAY, 11), wanted=frozenset({2})) is None


def test_fall_back_day_with_a_held_device():
    """00:30 to 02:00 local is 2 h 30 of real time on the day clocks go back: the laser
    is held all of it, and nothing overlapping is offered in either pass of 01:xx."""
    held = Interval(to_instant(FALL, T(0, 30), NY), to_instant(FALL, T(2), NY, later=True))
    assert held.end - held.start == 150 * MIN
    who = practitioner([(T(0), T(4))])
    slots = slots_with(
        FALL,
        [Need("the laser", (laser(held),))],
        who=who,
        minutes=30,
        buffer=0,
        now=datetime.datetime(2027, 11, 1, tzinfo=NY),
    )
    assert starts(slots) == ["00:00", "02:00", "02:15", "02:30", "02:45", "03:00", "03:15", "03:30"]
    assert all(not held.start < slot.start + 30 * MIN <= held.end for slot in slots)


def test_spring_forward_day_with_a_held_room():
    """02:00-03:00 does not exist; a room held 01:30-03:30 local is 1 real hour."""
    held = Interval(to_instant(SPRING, T(1, 30), NY), to_instant(SPRING, T(3, 30), NY))
    assert held.end - held.start == 60 * MIN
    who = practitioner([(T(0), T(5))])
    slots = slots_with(
        SPRING,
        [Need("a treatment room", (room(1, held),))],
        who=who,
        minutes=30,
        buffer=0,
        now=datetime.datetime(2027, 3, 1, tzinfo=NY),
    )
    assert starts(slots) == ["00:00", "00:15", "00:30", "00:45", "01:00", "03:30", "03:45"] + [
        "04:00",
        "04:15",
        "04:30",
    ]
