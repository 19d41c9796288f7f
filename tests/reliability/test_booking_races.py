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
from dataclasses import dataclass

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Appointment, Client
from bookings.services.appointments import appointment_book
from practitioners.models import Practitioner
from tests.factories import TreatmentFactory
from tests.reliability.live_http import Browser
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
from tests.security.helpers import PASSWORD, front_desk_user, working_days
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
POOL = 25  # reschedules (or admin sessions) among the 50 attempts of the mixed races
ADD_URL = "/admin/bookings/appointment/add/"
FINDER_URL = "/admin/bookings/appointment/free-times/"


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
class Target:
    """What the 50 attempts want, run after run: one practitioner's time, in a shape."""

    shape: Shape
    treatment: Treatment
    practitioner: Practitioner

    def __post_init__(self) -> None:
        assert self.shape.fits(self.treatment)

    @property
    def name(self) -> str:
        return self.shape.name

    def starts(self, day: datetime.date) -> list[datetime.datetime]:
        return self.shape.starts(day)

    def online(self, browser: Browser, start, n: int, run: int) -> Attempt:
        return online(self.treatment, self.practitioner, browser, start, n, run)


@pytest.fixture(params=list(SHAPES))
def target(request, spa, settings) -> Target:
    shape = SHAPES[request.param].use(settings)
    if shape.name == "same-slot":
        return Target(shape, spa.facial, spa.esthetician)
    ritual = TreatmentFactory(
        name="Four-hour ritual",
        slug="four-hour-ritual",
        duration_minutes=shape.minutes,
        buffer_minutes=shape.BUFFER,
    )
    (long_hours,) = practitioners_for(ritual, shape, ["Lena Long-hours"])
    return Target(shape, ritual, long_hours)


def test_fifty_simultaneous_online_bookings(server, target, settings):
    days = working_days(RUNS)
    browsers = online_browsers(server, ATTEMPTS, target.treatment.slug, target.starts(days[0])[0])
    tally = Tally(target.name)
    for run, day in enumerate(days):
        attempts = [
            target.online(browser, start, n, run)
            for n, (browser, start) in enumerate(zip(browsers, target.starts(day), strict=True))
        ]
        race(attempts)
        tally.check(run, attempts, [target.practitioner])
    tally.report(target.shape.describe(settings))


def test_reschedules_racing_new_bookings(server, target, settings):
    """25 reschedules of existing appointments and 25 new bookings, alternating."""
    race_days = working_days(RUNS)
    # Enough homes for the pool and a replacement for each run a reschedule wins.
    home_days = working_days(-(-(POOL + RUNS) // len(target.shape.homes)), days_ahead=3 + 31)
    assert not set(race_days) & set(home_days)
    homes = iter([at(day, t.hour, t.minute) for day in home_days for t in target.shape.homes])

    def pool_appointment(n: int) -> Appointment:
        return appointment_book(
            treatment=target.treatment,
            practitioner=target.practitioner,
            start=next(homes),
            client=client_details(email=f"pool{n}@example.com"),
        )

    pool = [pool_appointment(n) for n in range(POOL)]
    added = len(pool)
    browsers = online_browsers(
        server, ATTEMPTS, target.treatment.slug, target.starts(race_days[0])[0]
    )
    tally = Tally(f"reschedule-vs-booking/{target.name}")
    for run, day in enumerate(race_days):
        homes_before = {a.pk: (a.start, a.practitioner_id) for a in pool}
        waiting = iter(pool)
        attempts = []
        for n, (browser, start) in enumerate(zip(browsers, target.starts(day), strict=True)):
            if n % 2:
                attempts.append(target.online(browser, start, n, run))
                continue
            appointment = next(waiting)
            attempts.append(reschedule(appointment, browser, start))
        race(attempts)
        winner = tally.check(run, attempts, [target.practitioner])
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
        f"booking_wins={tally.wins_by_kind.get('online', 0)} {target.shape.describe(settings)}"
    )


def test_admin_bookings_racing_online_ones(server, target, settings):
    """25 front-desk sessions book by phone in the admin while 25 clients book online."""
    days = working_days(RUNS)
    admins = iter(_admin_browsers(server, POOL))
    online = iter(
        online_browsers(server, ATTEMPTS - POOL, target.treatment.slug, target.starts(days[0])[0])
    )
    sessions = [next(online) if n % 2 else next(admins) for n in range(ATTEMPTS)]
    tally = Tally(f"admin-vs-online/{target.name}")
    for run, day in enumerate(days):
        attempts = [
            target.online(browser, start, n, run)
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
        race(attempts)
        tally.check(run, attempts, [target.practitioner])
    tally.report(
        f"admin_sessions={POOL} online={ATTEMPTS - POOL} "
        f"admin_wins={tally.wins_by_kind.get('admin', 0)} "
        f"online_wins={tally.wins_by_kind.get('online', 0)} {target.shape.describe(settings)}"
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
