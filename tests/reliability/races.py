"""What the G3 races share: attempts POSTed at once through a live server, and the tally.

test_booking_races.py races for a practitioner's time (its docstring says what a run
must show), test_resource_races.py for a room or a device. The live server that
listens for 50 connections at once is the `server` fixture (conftest.py).
"""

import datetime
import re
import threading
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection

from bookings.availability import TAKEN_MESSAGE
from bookings.forms.desk import BUSY_AT_THE_DESK
from bookings.models import Appointment
from practitioners.models import Practitioner
from tests.factories import PractitionerFactory, WorkingHoursFactory, role
from tests.reliability.live_http import MANAGE, Browser, Response, page_title
from tests.security.helpers import figure
from tests.spa import at
from treatments.models import Treatment

ATTEMPTS = 50
RUNS = 20
TAKEN = "That time was just taken"  # TAKEN_MESSAGE's first sentence, also the page heading
ADMIN_CHANGE = re.compile(r"^/admin/bookings/appointment/(\d+)/change/$")
assert TAKEN_MESSAGE.startswith(TAKEN)


@dataclass(frozen=True)
class Shape:
    """When a run's 50 attempts start, and how long what they book holds.

    `same-slot`: all at 10:00, a 60-minute treatment, practitioners working 09:00-17:00.
    `overlapping-slots`: 50 starts 5 minutes apart from 08:00, so a 5-minute grid and a
    240-minute treatment that makes any two overlap, with practitioners working
    07:00-21:00 (test_booking_races.py's docstring says why). Every raced treatment
    has a 15-minute cleanup buffer.
    """

    name: str
    minutes: int  # the raced treatment's length
    first: datetime.time  # the first raced start of each run's day
    spacing: int  # minutes between raced starts (0: all the same)
    hours: tuple[datetime.time, datetime.time]  # the practitioners' day, Monday to Saturday
    homes: tuple[datetime.time, ...]  # where a reschedule pool's appointments live

    BUFFER = 15

    @property
    def hold(self) -> int:
        return self.minutes + self.BUFFER

    def use(self, settings) -> "Shape":
        """Put the booking grid where these starts are bookable."""
        if self.spacing:
            settings.BOOKING_SLOT_MINUTES = self.spacing
        return self

    def fits(self, treatment: Treatment) -> bool:
        return (treatment.duration_minutes, treatment.buffer_minutes) == (self.minutes, self.BUFFER)

    def starts(self, day: datetime.date) -> list[datetime.datetime]:
        first = at(day, self.first.hour, self.first.minute)
        starts = [first + datetime.timedelta(minutes=self.spacing * n) for n in range(ATTEMPTS)]
        assert starts[-1] < first + datetime.timedelta(minutes=self.hold)  # any two overlap
        return starts

    def describe(self, settings) -> str:
        if not self.spacing:
            return f"hold_minutes={self.hold}"
        return (
            f"spacing_minutes={self.spacing} grid_minutes={settings.BOOKING_SLOT_MINUTES} "
            f"distinct_starts={ATTEMPTS} hold_minutes={self.hold}"
        )


SHAPES = {
    shape.name: shape
    for shape in [
        # 75 minutes each: six homes fit between 09:00 and 17:00.
        Shape(
            "same-slot",
            60,
            datetime.time(10),
            0,
            (datetime.time(9), datetime.time(17)),
            tuple(datetime.time(9 + (75 * n) // 60, (75 * n) % 60) for n in range(6)),
        ),
        # 255 minutes each: three homes fit between 07:00 and 21:00.
        Shape(
            "overlapping-slots",
            240,
            datetime.time(8),
            5,
            (datetime.time(7), datetime.time(21)),
            (datetime.time(7), datetime.time(11, 15), datetime.time(15, 30)),
        ),
    ]
}


def practitioners_for(
    treatment: Treatment, shape: Shape, names: Iterable[str]
) -> list[Practitioner]:
    """Estheticians qualified for the treatment, working the shape's hours six days a week."""
    esthetician = role("esthetician")
    people = []
    for name in names:
        person = PractitionerFactory(
            display_name=name,
            role=esthetician,
            qualified_treatments=[treatment],
            licence_expires_on=datetime.date(2029, 1, 1),
        )
        for weekday in range(6):
            WorkingHoursFactory(
                practitioner=person,
                weekday=weekday,
                starts_at=shape.hours[0],
                ends_at=shape.hours[1],
            )
        people.append(person)
    return people


@dataclass
class Attempt:
    kind: str  # "online", "reschedule" or "admin"
    browser: Browser
    path: str
    data: dict
    start: datetime.datetime
    appointment: Appointment | None = None  # the one a reschedule moves
    response: Response = field(default_factory=lambda: Response(0, "", "never answered"))

    @property
    def won(self) -> bool:
        status, location = self.response.status, self.response.location
        if status != 302:
            return False
        if self.kind == "reschedule":
            return location == self.appointment.get_absolute_url()
        pattern = ADMIN_CHANGE if self.kind == "admin" else MANAGE
        return bool(pattern.match(location))

    @property
    def refused(self) -> bool:
        """The form again, telling this person the time was just taken."""
        body = self.response.body
        if self.response.status != 200:
            return False
        if self.kind == "admin":
            # At the desk a time is typed or picked, not raced for on a page of times:
            # the form says it is booked, or (lost in the writer) just taken.
            return TAKEN_MESSAGE in body or BUSY_AT_THE_DESK in body
        return TAKEN in body

    def winner(self) -> Appointment:
        if self.kind == "reschedule":
            return Appointment.objects.get(pk=self.appointment.pk)
        if self.kind == "admin":
            return Appointment.objects.get(pk=ADMIN_CHANGE.match(self.response.location)[1])
        return Appointment.objects.get(token=MANAGE.match(self.response.location)[1])


def race(attempts: list[Attempt]) -> None:
    """Every attempt's POST released at once (a barrier), each from its own thread."""
    barrier = threading.Barrier(len(attempts))

    def go(attempt: Attempt) -> None:
        barrier.wait()
        attempt.response = attempt.browser.post(attempt.path, attempt.data)

    threads = [threading.Thread(target=go, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)


def _count(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def overlapping_pairs() -> int:
    """Pairs of active appointments of one practitioner whose times overlap."""
    return _count(
        """
        SELECT count(*) FROM bookings_appointment a JOIN bookings_appointment b
          ON a.id < b.id AND a.practitioner_id = b.practitioner_id
         AND a.start < b.blocked_until AND b.start < a.blocked_until
         WHERE a.status NOT IN ('cancelled', 'declined')
           AND b.status NOT IN ('cancelled', 'declined')
        """
    )


def overlapping_allocations() -> int:
    """Pairs of allocations of one room or device, both holding time, that overlap."""
    return _count(
        """
        SELECT count(*) FROM bookings_resourceallocation a
          JOIN bookings_resourceallocation b
            ON a.id < b.id AND a.resource_id = b.resource_id
           AND a.start < b.blocked_until AND b.start < a.blocked_until
         WHERE a.holds_time AND b.holds_time
        """
    )


def online_browsers(server, count: int, slug: str, start) -> list[Browser]:
    """Browsers that have opened the booking form once (so they hold a CSRF cookie)."""
    browsers = []
    for _ in range(count):
        browser = Browser(server.url)
        query = urllib.parse.urlencode({"start": start.isoformat()})
        assert browser.get(f"/book/{slug}/?{query}").status == 200
        browsers.append(browser)
    return browsers


def online_data(practitioner, start, n: int, run: int) -> dict:
    return {
        "start": start.isoformat(),
        "practitioner": str(practitioner.pk),
        "first_name": "Racer",
        "last_name": f"R{run}N{n}",
        "email": f"racer{n}.run{run}@example.com",
        "phone": "212 555 0100",
        "notes": "",
    }


def online(treatment, practitioner, browser: Browser, start, n: int, run: int) -> Attempt:
    """A client POSTing the booking form: `practitioner` at `start`."""
    data = online_data(practitioner, start, n, run)
    return Attempt("online", browser, f"/book/{treatment.slug}/", data, start)


def reschedule(appointment: Appointment, browser: Browser, start) -> Attempt:
    """A client POSTing their manage link's reschedule form (same practitioner)."""
    path = f"/bookings/{appointment.token}/reschedule/"
    return Attempt("reschedule", browser, path, {"start": start.isoformat()}, start, appointment)


@dataclass
class Tally:
    scenario: str
    per_run: list[tuple[int, int, int, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # per run: counts, rows
    samples: list[str] = field(default_factory=list)  # a few unexpected responses
    wins_by_kind: dict[str, int] = field(default_factory=dict)
    # Rooms or devices raced for: the figure line counts their overlapping rows too.
    resources: bool = False

    def check(
        self, run: int, attempts: list[Attempt], practitioners: Iterable[Practitioner]
    ) -> Attempt | None:
        """Tally one run; note anything but 1 win and 49 refusals with 0 overlaps.

        `practitioners`: the racers'; of their appointments only the winner's may hold
        a raced start. Overlaps: of appointments (one practitioner) and of allocations
        (one room or device)."""
        winners = [a for a in attempts if a.won]
        refused = [a for a in attempts if a.refused]
        others = [a for a in attempts if not a.won and not a.refused]
        server_errors = sum(1 for a in attempts if a.response.status >= 500)
        starts = {a.start for a in attempts}
        in_window = list(
            Appointment.objects.holding_time().filter(
                practitioner__in=[p.pk for p in practitioners], start__in=starts
            )
        )
        overlapping = overlapping_pairs() + overlapping_allocations()
        self.per_run.append((len(winners), len(refused), server_errors, overlapping))
        self.samples += [
            f"run {run}: {a.kind} got {a.response.status} {a.response.location!r} "
            f"{page_title(a.response.body)!r}"
            for a in others[:2]
        ]
        if len(winners) != 1 or len(refused) != len(attempts) - 1 or overlapping:
            self.problems.append(
                f"run {run}: won={len(winners)} refused={len(refused)} "
                f"other={len(others)} overlapping_pairs={overlapping}"
            )
        if len(winners) == 1:
            (winner,) = winners
            self.wins_by_kind[winner.kind] = self.wins_by_kind.get(winner.kind, 0) + 1
            booked = winner.winner()
            if [row.pk for row in in_window] != [booked.pk] or booked.start != winner.start:
                self.problems.append(
                    f"run {run}: the {winner.kind} winner's appointment {booked.pk} at "
                    f"{booked.start} is not the only one held in the raced times: "
                    f"{[(row.pk, row.start) for row in in_window]}"
                )
            return winner
        if len(in_window) > 1:
            self.problems.append(f"run {run}: {len(in_window)} appointments in the raced times")
        return None

    def report(self, extra: str = "") -> str:
        def per_run(index: int) -> str:
            values = sorted({row[index] for row in self.per_run})
            return str(values[0]) if len(values) == 1 else f"{values[0]}..{values[-1]}"

        attempts = ATTEMPTS if self.per_run else 0
        allocations = (
            f" overlapping_allocations_in_db={overlapping_allocations()}" if self.resources else ""
        )
        line = figure(
            f"G3 scenario={self.scenario} attempts={attempts} succeeded={per_run(0)} "
            f"conflicts={per_run(1)} http_5xx={sum(row[2] for row in self.per_run)} "
            f"overlapping_pairs_in_db={overlapping_pairs()}{allocations} runs={len(self.per_run)}"
            + (f" {extra}" if extra else "")
        )
        assert self.problems == [], "\n".join(self.problems + self.samples[:10])
        assert len(self.per_run) == RUNS
        assert all(row == (1, ATTEMPTS - 1, 0, 0) for row in self.per_run)
        return line
