"""`seed_demo --clients N --appointments M`: bulk volume that keeps every booking rule.

Runs on SQLite (bulk_create) and on Postgres (COPY, plus the exclusion constraint):
DATABASE_URL=postgres://... pytest tests/bookings/test_seed_bulk.py
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from bookings.availability import Policy, block_instants, to_instant
from bookings.demo.bulk import seed_bulk
from bookings.models import Appointment, Client, Consent, Intake, ResourceAllocation, Review
from bookings.services.appointments import appointment_validate
from bookings.services.intake import ConsentGiven, age_on, stored_intake
from bookings.services.records import valid_gfe
from practitioners.models import Practitioner, SupervisionAgreement
from practitioners.supervision import physician_from_agreements
from tests.allocations import (
    assert_one_resource_per_need,
    holds_during_out_of_service,
    overlapping_holds,
)
from treatments.models import MEDICAL_MINIMUM_AGE, Resource, ResourceOutOfService

ZONE = ZoneInfo("America/New_York")
ACTIVE = ("pending_review", "confirmed", "checked_in", "completed", "no_show")


def run_seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--allow-production", *args, stdout=out)
    return out.getvalue()


def assert_every_rule_kept(now: datetime.datetime) -> None:
    """Check each appointment in Python against the booking rules."""
    appointments = list(
        Appointment.objects.select_related("treatment", "practitioner__role", "client")
        .prefetch_related("treatment__allowed_roles")
        .order_by("practitioner_id", "start")
    )
    practitioners = {
        p.pk: p
        for p in Practitioner.objects.select_related("role").prefetch_related(
            "working_hours", "time_off", "qualified_treatments"
        )
    }
    agreements = list(
        SupervisionAgreement.objects.accepted()
        .select_related("physician__role")
        .prefetch_related("treatments")
    )
    intakes = set(Intake.objects.values_list("appointment_id", flat=True))
    consents = set(Consent.objects.values_list("appointment_id", flat=True))
    reviews = {r.appointment_id: r for r in Review.objects.all()}
    today = now.astimezone(ZONE).date()
    busy: dict[int, list[Appointment]] = defaultdict(list)

    for appointment in appointments:
        practitioner = practitioners[appointment.practitioner_id]
        treatment = appointment.treatment
        local = appointment.start.astimezone(ZONE)
        day = local.date()
        # The slot grid, the treatment's length and its cleanup buffer.
        assert local.minute % 15 == 0 and local.second == 0 and local.microsecond == 0
        assert appointment.end - appointment.start == datetime.timedelta(
            minutes=treatment.duration_minutes
        )
        assert appointment.blocked_until - appointment.end == datetime.timedelta(
            minutes=treatment.buffer_minutes
        )
        # Inside one working block, buffer included.
        blocks = [
            block_instants(day, block.starts_at, block.ends_at, ZONE)
            for block in practitioner.working_hours.all()
            if block.weekday == day.weekday()
        ]
        assert any(
            b.start <= appointment.start and appointment.blocked_until <= b.end for b in blocks
        ), f"{appointment} outside {practitioner}'s hours"
        # Not in time off.
        for off in practitioner.time_off.all():
            assert not (
                off.starts_at < appointment.blocked_until and appointment.start < off.ends_at
            )
        # Qualified, of a role allowed, licence valid.
        assert treatment in practitioner.qualified_treatments.all()
        assert treatment.role_may_perform(practitioner.role)
        assert practitioner.licence_valid_on(day)
        assert appointment.price == Decimal(treatment.price)
        assert day <= today + datetime.timedelta(days=Policy.from_settings().max_advance_days)
        # A status that fits the time.
        if appointment.start >= now:
            assert appointment.status in ("confirmed", "pending_review")
        elif appointment.end <= now:
            assert appointment.status in ("completed", "no_show", "cancelled")
        assert appointment.source in ("online", "front_desk")
        assert appointment.created_at <= now
        if treatment.is_medical:
            physician = physician_from_agreements(
                agreements, practitioner=practitioner, treatment=treatment, day=day
            )
            assert physician is not None
            assert appointment.supervising_physician_id == physician.pk
            assert appointment.pk in intakes and appointment.pk in consents
            # Booked with the medical notice, so the doctor could review it first.
            notice = datetime.timedelta(hours=settings.MEDICAL_MIN_NOTICE_HOURS)
            assert appointment.start - appointment.created_at >= notice
            review = reviews[appointment.pk]
            assert review.physician_id == physician.pk
            minimum = max(MEDICAL_MINIMUM_AGE, treatment.minimum_age)
            assert age_on(appointment.client.date_of_birth, day) >= minimum
            if appointment.status == "pending_review":
                assert review.decision == "pending" and appointment.start > now
            else:
                assert review.decision == "approved"
                assert review.decided_at <= min(appointment.start, now)
                if treatment.requires_gfe:
                    assert valid_gfe(client=appointment.client, treatment=treatment, day=day)
        else:
            assert appointment.supervising_physician_id is None
            assert appointment.status != "pending_review"
            assert appointment.pk not in reviews
        if appointment.status in ACTIVE:
            busy[appointment.practitioner_id].append(appointment)

    # No two active appointments of one practitioner overlap, cleanup buffer included.
    for rows in busy.values():
        rows.sort(key=lambda a: a.start)
        for before, after in zip(rows, rows[1:], strict=False):
            assert before.blocked_until <= after.start, f"{before} overlaps {after}"

    # Rooms and devices: one of each need for the appointment's whole time, none held
    # twice at once, none while out of service; cancelled ones hold nothing.
    assert not overlapping_holds().exists()
    assert not holds_during_out_of_service().exists()
    assert_one_resource_per_need()


@pytest.mark.django_db
def test_bulk_seed_adds_clients_and_appointments_inside_every_rule():
    output = run_seed("--clients", "50", "--appointments", "400")

    assert "Bulk data: 50 clients and 400 appointments" in output
    assert " s." in output  # the time it took
    assert Client.objects.count() == 50
    assert Appointment.objects.count() == 400
    emails = list(Client.objects.values_list("email", flat=True))
    assert len(set(emails)) == 50 and all(email == email.lower() for email in emails)
    assert len(set(Appointment.objects.values_list("token", flat=True))) == 400
    now = timezone.now()
    assert Appointment.objects.filter(start__lt=now).exists()
    assert Appointment.objects.filter(start__gt=now).exists()
    assert Appointment.objects.filter(treatment__kind="medical").exists()
    assert Appointment.objects.filter(treatment__kind="day_spa").exists()
    assert set(Appointment.objects.values_list("source", flat=True)) == {"online", "front_desk"}
    assert_every_rule_kept(now)
    # Rooms and devices held, and a cancelled booking's rows kept as a record.
    held = ResourceAllocation.objects.filter(holds_time=True)
    for name in ("Treatment room 1", "Laser and IPL platform", "Laser suite", "Wet room"):
        assert held.filter(resource__name=name).exists(), name
    cancelled = ResourceAllocation.objects.filter(appointment__status="cancelled")
    assert cancelled.exists() and not cancelled.filter(holds_time=True).exists()


@pytest.mark.django_db
def test_one_treatment_room_holds_one_appointment_at_a_time_whoever_performs_it():
    """Placements that can't have a room are skipped: with the two other treatment rooms
    closed, no two treatments held in one overlap, though eight people work."""
    run_seed("--no-week")
    Resource.objects.filter(name__in=["Treatment room 2", "Treatment room 3"]).update(
        is_active=False
    )

    seed_bulk(clients=30, appointments=150, days_back=10, days_ahead=3, seed=5)

    assert Appointment.objects.count() == 150
    assert_every_rule_kept(timezone.now())
    in_room_1 = list(
        Appointment.objects.filter(
            allocations__resource__name="Treatment room 1", allocations__holds_time=True
        ).order_by("start")
    )
    assert len(in_room_1) > 20
    for before, after in zip(in_room_1, in_room_1[1:], strict=False):
        assert before.blocked_until <= after.start
    assert not ResourceAllocation.objects.filter(
        resource__name__in=["Treatment room 2", "Treatment room 3"]
    ).exists()


@pytest.mark.django_db
def test_nothing_is_planned_on_a_device_while_it_is_out_of_service():
    run_seed("--no-week")
    ResourceOutOfService.objects.all().delete()
    laser = Resource.objects.get(name="Laser and IPL platform")
    today = timezone.localdate()
    back = to_instant(today - datetime.timedelta(days=6), datetime.time.min, ZONE)
    ResourceOutOfService.objects.create(
        resource=laser,
        starts_at=to_instant(today - datetime.timedelta(days=12), datetime.time.min, ZONE),
        ends_at=back,
        reason="Sent away for repair",
    )

    seed_bulk(clients=30, appointments=300, days_back=12, days_ahead=3, seed=6)

    assert_every_rule_kept(timezone.now())
    lasered = Appointment.objects.filter(allocations__resource=laser)
    assert lasered.exists()
    assert not lasered.filter(start__lt=back).exists()


@pytest.mark.django_db
def test_a_second_run_adds_more_without_overlap():
    run_seed("--clients", "30", "--appointments", "300")
    run_seed("--clients", "20", "--appointments", "300", "--seed", "2")

    assert Client.objects.count() == 50
    assert Appointment.objects.count() == 600
    assert_every_rule_kept(timezone.now())


@pytest.mark.django_db
def test_more_appointments_than_the_demo_staff_hold_hires_supervised_staff():
    run_seed("--no-week")
    before = Practitioner.objects.count()

    result = seed_bulk(clients=40, appointments=900, days_back=10, days_ahead=5, seed=7)

    assert result.appointments == 900
    assert result.practitioners_added > 0
    assert Practitioner.objects.count() == before + result.practitioners_added
    assert_every_rule_kept(timezone.now())
    # Treatment rooms opened with them (spa.yaml's extra_rooms), needed where room 1 is
    # and held; still fewer rooms than people.
    opened = Resource.objects.filter(name__startswith="Treatment room").exclude(
        name__in=["Treatment room 1", "Treatment room 2", "Treatment room 3"]
    )
    assert opened.count() == result.rooms_added > 0
    room_1 = Resource.objects.get(name="Treatment room 1")
    for room in opened:
        assert set(room.needs.all()) == set(room_1.needs.all())
    assert ResourceAllocation.objects.filter(resource__in=opened).exists()
    assert Resource.objects.filter(kind="room").count() < Practitioner.objects.count()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_calendar():
    run_seed("--no-week")
    now = timezone.now()
    seed_bulk(clients=10, appointments=60, seed=3, now=now)
    first = list(
        Appointment.objects.order_by("practitioner_id", "start").values_list(
            "practitioner_id", "treatment_id", "start", "status"
        )
    )
    Review.objects.all().delete()
    Consent.objects.all().delete()
    Intake.objects.all().delete()
    from bookings.models import GoodFaithExam

    GoodFaithExam.objects.all().delete()
    Appointment.objects.all().delete()
    Client.objects.all().delete()
    seed_bulk(clients=10, appointments=60, seed=3, now=now)
    again = list(
        Appointment.objects.order_by("practitioner_id", "start").values_list(
            "practitioner_id", "treatment_id", "start", "status"
        )
    )
    assert again == first


class _RolledBack(Exception):
    pass


def calendar_rows(since: datetime.datetime) -> list[tuple]:
    """The appointments from `since` on, by names (ids differ after a rollback)."""
    return list(
        Appointment.objects.filter(start__gte=since)
        .order_by("practitioner__slug", "start")
        .values_list("practitioner__slug", "treatment__slug", "start", "status", "client__email")
    )


@pytest.mark.django_db
def test_more_appointments_than_the_staff_hold_go_further_back_with_the_same_staff():
    run_seed("--no-week")
    now = timezone.now()
    today = now.astimezone(ZONE).date()
    window_first = today - datetime.timedelta(days=5)
    since = to_instant(window_first, datetime.time.min, ZONE)
    volume = {"clients": 40, "days_back": 5, "days_ahead": 3, "seed": 7, "now": now}

    # Staff hired for 600 appointments: what 600 alone look like (then rolled back).
    with pytest.raises(_RolledBack), transaction.atomic():
        alone = seed_bulk(appointments=600, staff_for=600, **volume)
        staff_alone = Practitioner.objects.count()
        window_alone = calendar_rows(since)
        raise _RolledBack

    result = seed_bulk(appointments=1800, staff_for=600, **volume)

    assert alone.practitioners_added > 0 and alone.history == 0
    assert alone.first_day == window_first
    # The same staff, the same window (rows and all), and the rest further back.
    assert result.practitioners_added == alone.practitioners_added
    assert Practitioner.objects.count() == staff_alone
    assert calendar_rows(since) == window_alone
    assert result.appointments == Appointment.objects.count() == 1800
    assert result.history == Appointment.objects.filter(start__lt=since).count() == 1200
    assert result.first_day < window_first
    days = {a.astimezone(ZONE).date() for a in Appointment.objects.values_list("start", flat=True)}
    assert min(days) == result.first_day
    # Contiguous history: every working day (all but Sundays) from the first one on.
    history_days = {day for day in days if day < window_first}
    every_day = {
        result.first_day + datetime.timedelta(days=n)
        for n in range((window_first - result.first_day).days)
    }
    assert history_days == {day for day in every_day if day.weekday() != 6}
    # The new clients joined before their first booking.
    first_start = Appointment.objects.order_by("start").values_list("start", flat=True)[0]
    assert all(c.created_at < first_start for c in Client.objects.all())
    assert Appointment.objects.filter(start__lt=since, treatment__kind="medical").exists()
    assert_every_rule_kept(now)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [datetime.date(2026, 3, 8), datetime.date(2026, 11, 1)],
    ids=["clocks go forward", "clocks go back"],
)
def test_each_appointment_is_one_the_booking_service_accepts_across_a_clock_change(change):
    """Sunday night shifts across the clock change (02:00): every appointment the volume
    seeder writes passes the booking service's own validation as of the moment it was
    booked: on the grid, inside the hours as real time (five hours that night in
    March, seven in November), never in the skipped hour nor twice in the repeated
    one, no overlap, supervised, old enough."""
    run_seed("--no-week")
    night_shift = {"starts_at": datetime.time(0), "ends_at": datetime.time(6), "weekday": 6}
    night = ("maya-chen", "dr-amara-okafor")  # day spa; medical (supervises themself)
    Practitioner.objects.exclude(slug__in=night).update(is_active=False)
    for practitioner in Practitioner.objects.filter(slug__in=night):
        practitioner.working_hours.all().delete()
        practitioner.working_hours.create(**night_shift)
    now = to_instant(change, datetime.time(12), ZONE)

    # Three Sunday nights: a week before, the change, a week after (booked ahead).
    seed_bulk(clients=30, appointments=12, days_back=7, days_ahead=7, seed=4, now=now)

    appointments = list(Appointment.objects.select_related("treatment", "practitioner"))
    assert len(appointments) == 12
    on_the_night = [a for a in appointments if a.start.astimezone(ZONE).date() == change]
    assert on_the_night
    assert {a.treatment.kind for a in appointments} == {"day_spa", "medical"}
    hours = datetime.timedelta(hours=5 if change.month == 3 else 7)
    midnight = to_instant(change, datetime.time(0), ZONE)
    assert all(midnight <= a.start and a.blocked_until <= midnight + hours for a in on_the_night)
    for appointment in appointments:
        plan = appointment_validate(
            treatment=appointment.treatment,
            practitioner=appointment.practitioner,
            start=appointment.start,
            intake=stored_intake(appointment),
            consent=ConsentGiven(given=True),
            now=appointment.created_at,
            ignore_appointment=appointment,
        )
        assert plan.practitioner == appointment.practitioner
        assert plan.supervising_physician == appointment.supervising_physician
        assert plan.blocked_until == appointment.blocked_until
    assert_every_rule_kept(now)
