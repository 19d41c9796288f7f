"""Free times: the pure rules, including both daylight-saving days in New York."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from bookings.availability import (
    Interval,
    Policy,
    PractitionerDay,
    free_slots,
    slot_problem,
    to_instant,
)

NY = ZoneInfo("America/New_York")
T = datetime.time
MIN = datetime.timedelta(minutes=1)
POLICY = Policy(
    zone=NY, slot_minutes=15, min_notice=datetime.timedelta(hours=2), max_advance_days=90
)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, T(hour, minute), tzinfo=NY)


def practitioner(blocks, unavailable=(), allowed_days=None, weekdays=range(7)):
    return PractitionerDay(
        practitioner_id=7,
        name="Ana",
        weekly_blocks={weekday: list(blocks) for weekday in weekdays},
        unavailable=list(unavailable),
        allowed_days=allowed_days,
    )


def starts(slots):
    return [slot.start.astimezone(NY).strftime("%H:%M") for slot in slots]


MONDAY = datetime.date(2027, 6, 7)
BEFORE = datetime.datetime(2027, 6, 1, 9, tzinfo=NY)


def slots_on(day, who, minutes=60, buffer=15, now=BEFORE, policy=POLICY):
    return free_slots(
        [who],
        days=[day],
        duration=minutes * MIN,
        buffer=buffer * MIN,
        now=now,
        policy=policy,
    )


def test_duration_plus_buffer_must_fit_inside_one_block():
    slots = slots_on(MONDAY, practitioner([(T(9), T(11)), (T(12), T(13, 30))]))
    assert starts(slots) == ["09:00", "09:15", "09:30", "09:45", "12:00", "12:15"]
    assert slots[0].end - slots[0].start == 60 * MIN  # the buffer is not the client's time


def test_appointments_and_their_buffers_and_time_off_block_time():
    busy = Interval(at(MONDAY, 10), at(MONDAY, 11, 15))  # 10:00-11:00 plus 15 min buffer
    off = Interval(at(MONDAY, 14), at(MONDAY, 15))
    slots = slots_on(MONDAY, practitioner([(T(9), T(16))], [busy, off]), minutes=30, buffer=0)
    got = starts(slots)
    assert "09:30" in got and "09:45" not in got  # 09:45 would run into 10:00
    assert "11:00" not in got and "11:15" in got
    assert "13:30" in got and "13:45" not in got
    assert "14:45" not in got and "15:00" in got and "15:30" in got


def test_minimum_notice_and_maximum_advance():
    now = at(MONDAY, 9, 5)
    got = starts(slots_on(MONDAY, practitioner([(T(9), T(13))]), now=now, minutes=30, buffer=0))
    assert got[0] == "11:15"  # 9:05 + 2 hours, rounded up to the grid
    far = MONDAY + datetime.timedelta(days=91)
    assert slots_on(far, practitioner([(T(9), T(13))]), now=now) == []
    assert slots_on(MONDAY + datetime.timedelta(days=90), practitioner([(T(9), T(13))]), now=now)


def test_a_day_not_allowed_offers_nothing():
    who = practitioner([(T(9), T(12))], allowed_days={MONDAY + datetime.timedelta(days=1)})
    assert slots_on(MONDAY, who) == []


SPRING = datetime.date(2027, 3, 14)  # clocks go 02:00 -> 03:00
FALL = datetime.date(2027, 11, 7)  # clocks go 02:00 -> 01:00


def test_spring_forward_day_skips_the_missing_hour_and_keeps_real_durations():
    who = practitioner([(T(0, 30), T(5))])
    slots = slots_on(
        SPRING, who, minutes=60, buffer=0, now=datetime.datetime(2027, 3, 1, tzinfo=NY)
    )
    got = starts(slots)
    assert not any(time.startswith("02:") for time in got)
    # 00:30 to 05:00 local is 3.5 real hours: last 60-minute start is 04:00.
    assert got[0] == "00:30" and got[-1] == "04:00"
    for slot in slots:
        assert slot.end - slot.start == 60 * MIN
    # A 60-minute slot from 01:30 ends at 03:30 local, one real hour later.
    one_thirty = next(s for s in slots if s.start.astimezone(NY).strftime("%H:%M") == "01:30")
    assert one_thirty.end.astimezone(NY).strftime("%H:%M") == "03:30"


def test_fall_back_day_offers_each_wall_time_once_and_unshifted():
    who = practitioner([(T(0), T(4))])
    slots = slots_on(FALL, who, minutes=30, buffer=0, now=datetime.datetime(2027, 11, 1, tzinfo=NY))
    got = starts(slots)
    assert len(got) == len(set(got))
    assert got[:6] == ["00:00", "00:15", "00:30", "00:45", "01:00", "01:15"]
    instants = [slot.start for slot in slots]
    assert instants == sorted(instants)
    # 00:00-04:00 local is five real hours that day; the first 01:xx is the one offered.
    first_one_am = next(s for s in slots if starts([s]) == ["01:00"])
    assert first_one_am.start.utcoffset() is None or first_one_am.start.astimezone(NY).fold == 0
    assert (first_one_am.start - to_instant(FALL, T(0), NY)) == 60 * MIN


def test_ordinary_day_after_dst_is_on_local_time():
    after = datetime.date(2027, 3, 15)
    now = datetime.datetime(2027, 3, 1, tzinfo=NY)
    got = starts(slots_on(after, practitioner([(T(9), T(10))]), minutes=30, buffer=0, now=now))
    assert got == ["09:00", "09:15", "09:30"]


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (at(MONDAY, 9, 10), "every 15 minutes"),
        (at(MONDAY, 8, 45), "not working"),
        (at(MONDAY, 16, 30), "not working"),  # 16:30 + 60 + 15 runs past 17:00
        (at(MONDAY, 10), "just taken"),
        (at(MONDAY, 9, 15), "just taken"),  # would run into the 10:00 appointment
        (datetime.datetime(2027, 5, 31, 9, tzinfo=NY), "already passed"),
        (at(datetime.date(2027, 6, 1), 10), "hours' notice"),
        (at(datetime.date(2027, 12, 1), 10), "90 days ahead"),
    ],
)
def test_slot_problem_explains_each_refusal(start, message):
    busy = Interval(at(MONDAY, 10), at(MONDAY, 11, 15))
    who = practitioner([(T(9), T(17))], [busy])
    problem = slot_problem(
        who, start=start, duration=60 * MIN, buffer=15 * MIN, now=BEFORE, policy=POLICY
    )
    assert problem is not None and message in problem


def test_slot_problem_accepts_exactly_what_free_slots_offers():
    busy = Interval(at(MONDAY, 10), at(MONDAY, 11, 15))
    who = practitioner([(T(9), T(13)), (T(14), T(17))], [busy])
    offered = {slot.start for slot in slots_on(MONDAY, who)}
    for minutes in range(0, 24 * 60, 15):
        start = at(MONDAY, minutes // 60, minutes % 60)
        ok = (
            slot_problem(
                who, start=start, duration=60 * MIN, buffer=15 * MIN, now=BEFORE, policy=POLICY
            )
            is None
        )
        assert ok == (start in offered), start


def test_second_pass_of_the_repeated_hour_is_refused():
    who = practitioner([(T(0), T(4))])
    second_one_am = datetime.datetime.combine(FALL, T(1, 0), tzinfo=NY).replace(fold=1)
    problem = slot_problem(
        who,
        start=second_one_am,
        duration=30 * MIN,
        buffer=0 * MIN,
        now=datetime.datetime(2027, 11, 1, tzinfo=NY),
        policy=POLICY,
    )
    assert problem is not None


def test_a_block_edge_in_the_skipped_hour_never_lengthens_the_block():
    # 01:00-02:30 on the spring-forward day: 02:30 does not exist; the block ends at
    # the change (03:00 EDT), never at 03:30 EDT.
    who = practitioner([(T(1), T(2, 30))])
    now = datetime.datetime(2027, 3, 1, tzinfo=NY)
    slots = slots_on(SPRING, who, minutes=30, buffer=0, now=now)
    assert max(slot.end for slot in slots) <= datetime.datetime(2027, 3, 14, 7, tzinfo=datetime.UTC)
    # Conservative: the edge moves inward (here to 01:30), it never moves outward.
    assert set(starts(slots)) <= {"01:00", "01:15", "01:30"} and starts(slots)[0] == "01:00"
