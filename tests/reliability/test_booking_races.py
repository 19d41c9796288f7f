"""G3 races: 50 simultaneous attempts at one time through a live server, 20 runs each.

Three mixes of attempts, each against one slot and against overlapping slots 5 minutes
apart (six tests); every run is a fresh race on its own day (nothing is cleared between
runs: run n races on the n-th working day from a few days ahead):

- `online`: 50 online bookings.
- `reschedule-vs-booking`: 25 existing appointments (booked through the service on
  later days) each POST their manage link's reschedule form while 25 new online
  bookings POST the booking form (50 attempts; half of each kind, so either kind can
  win). A reschedule that loses leaves its appointment where it was; one that wins
  moves it, and a new appointment takes its place in the pool for the next run.
- `admin-vs-online`: 25 front-desk sessions (signed in through /admin/login/) POST the
  admin "book by phone" add form while 25 clients POST the online booking form.

Targets:

- `same-slot`: every attempt wants 10:00 with one esthetician (the facial, 60 + 15
  minutes).
- `overlapping-slots`: 50 different starts 5 minutes apart that all overlap one another.
  The default grid is 15 minutes and the booking rules refuse an off-grid start before
  anything is locked (`slot_problem`: "Appointments start every 15 minutes"), so a
  5-minute spacing on that grid never reaches the database as a conflict. The grid is a
  setting (`BOOKING_SLOT_MINUTES`, read on every request), so these tests run on a
  5-minute grid. 50 starts 5 minutes apart span 245 minutes, so they only all overlap
  when each booking holds more than that: a test-only 240-minute treatment (plus its
  15-minute cleanup buffer) with a practitioner working 07:00-21:00, starts 08:00 to
  12:05. Every start is bookable on its own; any two of them overlap. In the mixed
  races the kinds alternate along the starts.

In every run exactly one attempt must win (a redirect to the new appointment's manage
page, the moved appointment's manage page, or the admin change page of the new
appointment) and the other 49 get their form again saying "That time was just taken"
(the service's TAKEN_MESSAGE; the booking page's heading says the same), or, at the
front desk, that the time is already booked. Anything else
(a 5xx, a 4xx, a dropped connection, a 200 without that message) is an error. The
database then holds exactly one active appointment at the raced starts, the winner's,
and no two active appointments of a practitioner overlap.
"""

import datetime
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.availability import TAKEN_MESSAGE
from bookings.forms.desk import BUSY_AT_THE_DESK
from bookings.models import Appointment, Client
from bookings.services.appointments import appointment_book
from practitioners.models import Practitioner
from tests.factories import PractitionerFactory, TreatmentFactory, WorkingHoursFactory, role
from tests.reliability.live_http import MANAGE, Browser, Response, page_title
from tests.security.helpers import PASSWORD, figure, front_desk_user, working_days
from tests.spa import NY, at, client_details, next_working_day
from treatments.models import Treatment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # 50 connections a race: two races side by side would pass PostgreSQL's default
    # max_connections (100), so `make test` (--dist loadgroup) runs them on one worker.
    pytest.mark.xdist_group("fifty-connections"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the race test needs PostgreSQL's row locks (SQLite serialises every writer)",
    ),
]
ATTEMPTS = 50
RUNS = 20
POOL = 25  # reschedules (or admin sessions) among the 50 attempts of the mixed races
TAKEN = "That time was just taken"  # TAKEN_MESSAGE's first sentence, also the page heading
ADMIN_CHANGE = re.compile(r"^/admin/bookings/appointment/(\d+)/change/$")
ADD_URL = "/admin/bookings/appointment/add/"
FINDER_URL = "/admin/bookings/appointment/free-times/"
assert TAKEN_MESSAGE.startswith(TAKEN)


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


@pytest.fixture
def server(live_server):
    """The live server, listening with room for every attempt's connection at once.

    Django's test server listens with a backlog of 10 (gunicorn: 2048); 50 connections
    opened in the same millisecond overflow it and some are reset before the server
    sees them, which would measure the test server rather than the booking code.
    Listening again on the bound socket only widens the queue.
    """
    live_server.thread.httpd.socket.listen(ATTEMPTS * 2)
    return live_server


def _race(attempts: list[Attempt]) -> None:
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


def _overlapping_pairs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM bookings_appointment a JOIN bookings_appointment b
              ON a.id < b.id AND a.practitioner_id = b.practitioner_id
             AND a.start < b.blocked_until AND b.start < a.blocked_until
             WHERE a.status NOT IN ('cancelled', 'declined')
               AND b.status NOT IN ('cancelled', 'declined')
            """
        )
        return cursor.fetchone()[0]


def _online_browsers(server, count: int, slug: str, start) -> list[Browser]:
    """Browsers that have opened the booking form once (so they hold a CSRF cookie)."""
    browsers = []
    for _ in range(count):
        browser = Browser(server.url)
        query = urllib.parse.urlencode({"start": start.isoformat()})
        assert browser.get(f"/book/{slug}/?{query}").status == 200
        browsers.append(browser)
    return browsers


def _admin_browsers(server, count: int) -> list[Browser]:
    """Front-desk sessions signed in through the admin's own login form (STAFF_MFA=0)."""
    user = front_desk_user("desk")
    browsers = []
    for _ in range(count):
        browser = Browser(server.url)
        assert browser.get("/admin/login/").status == 200
        signed_in = browser.post(
            "/admin/login/?next=/admin/",
            {"username": user.username, "password": PASSWORD, "next": "/admin/"},
        )
        assert signed_in.status == 302, signed_in.body[:500]
        # "Add" opens the free-time finder first; the booking form follows a pick.
        assert browser.get(ADD_URL).status == 302
        assert browser.get(FINDER_URL).status == 200
        browsers.append(browser)
    return browsers


def _online_data(practitioner, start, n: int, run: int) -> dict:
    return {
        "start": start.isoformat(),
        "practitioner": str(practitioner.pk),
        "first_name": "Racer",
        "last_name": f"R{run}N{n}",
        "email": f"racer{n}.run{run}@example.com",
        "phone": "212 555 0100",
        "notes": "",
    }


def _admin_data(treatment, practitioner, start, n: int, run: int) -> dict:
    local = start.astimezone(NY)
    return {
        "treatment": str(treatment.pk),
        "practitioner": str(practitioner.pk),
        "start_date": local.date().isoformat(),
        "start_time": local.strftime("%H:%M"),
        "first_name": "Phone",
        "last_name": f"R{run}N{n}",
        "email": f"caller{n}.run{run}@example.com",
        "phone": "212 555 0199",
        "notes": "",
    }


@dataclass
class Tally:
    scenario: str
    per_run: list[tuple[int, int, int, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # per run: counts, rows
    samples: list[str] = field(default_factory=list)  # a few unexpected responses
    wins_by_kind: dict[str, int] = field(default_factory=dict)

    def check(self, run: int, attempts: list[Attempt], practitioner) -> Attempt | None:
        """Tally one run; note anything but 1 win and 49 refusals with 0 overlaps."""
        winners = [a for a in attempts if a.won]
        refused = [a for a in attempts if a.refused]
        others = [a for a in attempts if not a.won and not a.refused]
        server_errors = sum(1 for a in attempts if a.response.status >= 500)
        starts = {a.start for a in attempts}
        in_window = list(
            Appointment.objects.holding_time().filter(practitioner=practitioner, start__in=starts)
        )
        overlapping = _overlapping_pairs()
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
        line = figure(
            f"G3 scenario={self.scenario} attempts={attempts} succeeded={per_run(0)} "
            f"conflicts={per_run(1)} http_5xx={sum(row[2] for row in self.per_run)} "
            f"overlapping_pairs_in_db={_overlapping_pairs()} runs={len(self.per_run)}"
            + (f" {extra}" if extra else "")
        )
        assert self.problems == [], "\n".join(self.problems + self.samples[:10])
        assert len(self.per_run) == RUNS
        assert all(row == (1, ATTEMPTS - 1, 0, 0) for row in self.per_run)
        return line


@dataclass
class Target:
    """What the 50 attempts want, run after run: one slot, or 50 overlapping ones."""

    name: str
    treatment: Treatment
    practitioner: Practitioner
    first: datetime.time  # the first raced start of each run's day
    spacing: int  # minutes between raced starts (0: all the same)
    homes: list[datetime.time]  # where the reschedule pool's appointments live

    def starts(self, day: datetime.date) -> list[datetime.datetime]:
        first = at(day, self.first.hour, self.first.minute)
        starts = [first + datetime.timedelta(minutes=self.spacing * n) for n in range(ATTEMPTS)]
        hold = self.treatment.duration_minutes + self.treatment.buffer_minutes
        assert starts[-1] < first + datetime.timedelta(minutes=hold)  # any two overlap
        return starts

    def describe(self, settings) -> str:
        hold = self.treatment.duration_minutes + self.treatment.buffer_minutes
        if not self.spacing:
            return f"hold_minutes={hold}"
        return (
            f"spacing_minutes={self.spacing} grid_minutes={settings.BOOKING_SLOT_MINUTES} "
            f"distinct_starts={ATTEMPTS} hold_minutes={hold}"
        )


@pytest.fixture(params=["same-slot", "overlapping-slots"])
def target(request, spa, settings) -> Target:
    if request.param == "same-slot":
        # The facial holds 75 minutes: six fit between 09:00 and 17:00.
        homes = [datetime.time(9 + (75 * n) // 60, (75 * n) % 60) for n in range(6)]
        return Target(request.param, spa.facial, spa.esthetician, datetime.time(10), 0, homes)
    settings.BOOKING_SLOT_MINUTES = 5
    ritual = TreatmentFactory(
        name="Four-hour ritual", slug="four-hour-ritual", duration_minutes=240, buffer_minutes=15
    )
    long_hours = PractitionerFactory(
        display_name="Lena Long-hours",
        role=role("esthetician"),
        qualified_treatments=[ritual],
        licence_expires_on=datetime.date(2029, 1, 1),
    )
    for weekday in range(6):
        WorkingHoursFactory(
            practitioner=long_hours,
            weekday=weekday,
            starts_at=datetime.time(7),
            ends_at=datetime.time(21),
        )
    # 255 minutes each: three fit between 07:00 and 21:00.
    homes = [datetime.time(7), datetime.time(11, 15), datetime.time(15, 30)]
    return Target(request.param, ritual, long_hours, datetime.time(8), 5, homes)


def _online(target: Target, browser: Browser, start, n: int, run: int) -> Attempt:
    return Attempt(
        "online",
        browser,
        f"/book/{target.treatment.slug}/",
        _online_data(target.practitioner, start, n, run),
        start,
    )


def test_fifty_simultaneous_online_bookings(server, target, settings):
    days = working_days(RUNS)
    browsers = _online_browsers(server, ATTEMPTS, target.treatment.slug, target.starts(days[0])[0])
    tally = Tally(target.name)
    for run, day in enumerate(days):
        attempts = [
            _online(target, browser, start, n, run)
            for n, (browser, start) in enumerate(zip(browsers, target.starts(day), strict=True))
        ]
        _race(attempts)
        tally.check(run, attempts, target.practitioner)
    tally.report(target.describe(settings))


def test_reschedules_racing_new_bookings(server, target, settings):
    """25 reschedules of existing appointments and 25 new bookings, alternating."""
    race_days = working_days(RUNS)
    # Enough homes for the pool and a replacement for each run a reschedule wins.
    home_days = working_days(-(-(POOL + RUNS) // len(target.homes)), days_ahead=3 + 31)
    assert not set(race_days) & set(home_days)
    homes = iter([at(day, t.hour, t.minute) for day in home_days for t in target.homes])

    def pool_appointment(n: int) -> Appointment:
        return appointment_book(
            treatment=target.treatment,
            practitioner=target.practitioner,
            start=next(homes),
            client=client_details(email=f"pool{n}@example.com"),
        )

    pool = [pool_appointment(n) for n in range(POOL)]
    added = len(pool)
    browsers = _online_browsers(
        server, ATTEMPTS, target.treatment.slug, target.starts(race_days[0])[0]
    )
    tally = Tally(f"reschedule-vs-booking/{target.name}")
    for run, day in enumerate(race_days):
        homes_before = {a.pk: (a.start, a.practitioner_id) for a in pool}
        waiting = iter(pool)
        attempts = []
        for n, (browser, start) in enumerate(zip(browsers, target.starts(day), strict=True)):
            if n % 2:
                attempts.append(_online(target, browser, start, n, run))
                continue
            appointment = next(waiting)
            attempts.append(
                Attempt(
                    "reschedule",
                    browser,
                    f"/bookings/{appointment.token}/reschedule/",
                    {"start": start.isoformat()},
                    start,
                    appointment=appointment,
                )
            )
        _race(attempts)
        winner = tally.check(run, attempts, target.practitioner)
        moved = winner.appointment.pk if winner and winner.kind == "reschedule" else None
        for appointment in Appointment.objects.filter(pk__in=homes_before).exclude(pk=moved):
            if (appointment.start, appointment.practitioner_id) != homes_before[appointment.pk]:
                tally.problems.append(
                    f"run {run}: appointment {appointment.pk} lost its race but moved to "
                    f"{appointment.start}"
                )
        if moved:  # that one now lives on the race day: a new one takes its place
            pool = [a for a in pool if a.pk != moved] + [pool_appointment(added)]
            added += 1
    tally.report(
        f"reschedules={POOL} new_bookings={ATTEMPTS - POOL} "
        f"reschedule_wins={tally.wins_by_kind.get('reschedule', 0)} "
        f"booking_wins={tally.wins_by_kind.get('online', 0)} {target.describe(settings)}"
    )


def test_admin_bookings_racing_online_ones(server, target, settings):
    """25 front-desk sessions book by phone in the admin while 25 clients book online."""
    days = working_days(RUNS)
    admins = iter(_admin_browsers(server, POOL))
    online = iter(
        _online_browsers(server, ATTEMPTS - POOL, target.treatment.slug, target.starts(days[0])[0])
    )
    sessions = [next(online) if n % 2 else next(admins) for n in range(ATTEMPTS)]
    tally = Tally(f"admin-vs-online/{target.name}")
    for run, day in enumerate(days):
        attempts = [
            _online(target, browser, start, n, run)
            if n % 2
            else Attempt(
                "admin",
                browser,
                ADD_URL,
                _admin_data(target.treatment, target.practitioner, start, n, run),
                start,
            )
            for n, (browser, start) in enumerate(zip(sessions, target.starts(day), strict=True))
        ]
        _race(attempts)
        tally.check(run, attempts, target.practitioner)
    tally.report(
        f"admin_sessions={POOL} online={ATTEMPTS - POOL} "
        f"admin_wins={tally.wins_by_kind.get('admin', 0)} "
        f"online_wins={tally.wins_by_kind.get('online', 0)} {target.describe(settings)}"
    )


def test_the_database_itself_refuses_an_overlap(spa):
    """Even a write that skips the service cannot double-book (exclusion constraint)."""
    day = next_working_day()
    client = Client.objects.create(first_name="A", last_name="B", email="a@example.com", phone="1")
    values = {
        "client": client,
        "treatment": spa.facial,
        "practitioner": spa.esthetician,
        "price": spa.facial.price,
        "status": "confirmed",
    }
    Appointment.objects.create(
        start=at(day, 10), end=at(day, 11), blocked_until=at(day, 11, 15), **values
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            start=at(day, 11), end=at(day, 12), blocked_until=at(day, 12, 15), **values
        )
    # Back to back is fine, and a cancelled appointment frees its time.
    Appointment.objects.create(
        start=at(day, 11, 15), end=at(day, 12), blocked_until=at(day, 12), **values
    )
    Appointment.objects.filter(start=at(day, 10)).update(status="cancelled")
    Appointment.objects.create(
        start=at(day, 10), end=at(day, 11), blocked_until=at(day, 11, 15), **values
    )
