"""`manage.py seed_demo`'s week of appointments around today: every status, every row
inside the booking rules, the staff pages busy on a first look, and seeded only once."""

import datetime
import re
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command

from bookings.demo import pictures, week
from bookings.models import Appointment, Client, OutboundEmail, Review, TreatmentRecord
from bookings.services.appointments import appointment_validate
from bookings.services.exams import exam_due
from bookings.services.intake import ConsentGiven, stored_intake
from bookings.services.records import exam_for_visit
from tests.allocations import assert_one_resource_per_need, overlapping_holds
from tests.spa import NY

pytestmark = pytest.mark.django_db

EVERY_STATUS = {
    "pending_review",
    "confirmed",
    "checked_in",
    "completed",
    "cancelled",
    "no_show",
    "declined",
}
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
# A Wednesday mid-morning; and a Sunday (the spa is closed) before anyone is up.
WEDNESDAY_MORNING = datetime.datetime(2027, 6, 9, 10, 40, tzinfo=NY)
SUNDAY_DAWN = datetime.datetime(2027, 6, 13, 6, 15, tzinfo=NY)


@pytest.fixture(autouse=True)
def _small_pictures(monkeypatch):
    monkeypatch.setattr(pictures, "TREATMENT_SIZE", (120, 90))
    monkeypatch.setattr(pictures, "AVATAR_SIZE", (80, 80))


def run_seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--allow-production", *args, stdout=out)
    return out.getvalue()


def seed_at(moment: datetime.datetime, *args: str) -> str:
    with time_machine.travel(moment, tick=False):
        return run_seed(*args)


def week_appointments():
    emails = [person.email for person in week.CLIENTS]
    return Appointment.objects.filter(client_email__in=emails).select_related(
        "treatment", "practitioner__role", "supervising_physician"
    )


@pytest.mark.parametrize("moment", [WEDNESDAY_MORNING, SUNDAY_DAWN], ids=["wednesday", "sunday"])
def test_the_week_around_today_has_every_status(moment):
    seed_at(moment)

    appointments = list(week_appointments())
    assert {a.status for a in appointments} == EVERY_STATUS
    today = moment.date()
    days = {a.start.astimezone(NY).date() for a in appointments}
    assert all(abs((day - today).days) <= 7 for day in days), sorted(days)
    for appointment in appointments:
        if appointment.status in ("completed", "no_show"):
            assert appointment.end <= moment or appointment.status == "no_show"
            assert appointment.start < moment
        if appointment.status in ("pending_review", "confirmed"):
            assert appointment.start > moment or appointment.start.date() == today
    # Today's own visits are as far along as the clock: none completed before its end.
    assert not [a for a in appointments if a.status == "completed" and a.end > moment]
    # Each holds a room (and its device) of its own, though the rooms are fewer than
    # the people; a cancelled or declined one holds nothing.
    assert not overlapping_holds().exists()
    assert assert_one_resource_per_need() > 0


def test_every_row_of_the_week_keeps_the_booking_rules():
    seed_at(WEDNESDAY_MORNING)

    for appointment in week_appointments():
        if appointment.status in Appointment.FREEING_STATUSES:
            continue  # their time is free again; they were valid when made
        # Valid as of four days before its day, when the week books it.
        booked = appointment.start - datetime.timedelta(days=4)
        plan = appointment_validate(
            treatment=appointment.treatment,
            practitioner=appointment.practitioner,
            start=appointment.start,
            intake=stored_intake(appointment),
            consent=ConsentGiven(given=True),
            now=min(booked, WEDNESDAY_MORNING - datetime.timedelta(days=3)),
            ignore_appointment=appointment,
        )
        assert plan.supervising_physician == appointment.supervising_physician
        assert E164.match(appointment.client_phone), appointment.client_phone
        if not appointment.is_medical:
            continue
        review = Review.objects.get(appointment=appointment)
        if appointment.status == "pending_review":
            assert review.decision == "pending"
            continue
        assert review.decision == "approved"
        assert review.decided_at < appointment.start
        if appointment.treatment.requires_gfe and not review.exam_at_visit:
            assert exam_for_visit(appointment) is not None
        if appointment.status == "completed":
            assert not exam_due(appointment)
            assert appointment.treatment_records.exists()
    assert all(E164.match(phone) for phone in Client.objects.values_list("phone", flat=True))


def test_the_staff_pages_are_busy_on_a_first_look(client):
    seed_at(WEDNESDAY_MORNING)
    users = get_user_model().objects
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        client.force_login(users.get(username="frontdesk"))
        dashboard = client.get("/admin/").content.decode()
        count = int(re.search(r"Appointments today: (\d+)", dashboard).group(1))
        assert count >= 5
        schedule = client.get("/admin/bookings/appointment/day/").content.decode()
        assert schedule.count('class="slot slot-appointment') == count

        for username in ("doctor", "doctor2"):
            client.force_login(users.get(username=username))
            for tab in ("pending", "decided"):
                page = client.get(f"/doctor/?tab={tab}").content.decode()
                assert "/doctor/reviews/" in page, (username, tab)
        client.force_login(users.get(username="doctor"))
        cosign = client.get("/doctor/?tab=cosign")
    waiting = TreatmentRecord.objects.filter(needs_cosign=True, cosigned_at__isnull=True)
    assert waiting.exists()
    assert TreatmentRecord.objects.filter(cosigned_at__isnull=False).exists()
    for record in waiting.filter(appointment__supervising_physician__slug="dr-amara-okafor"):
        assert f"/doctor/charts/{record.pk}/" in cosign.content.decode()


def test_the_week_is_seeded_once():
    first = seed_at(WEDNESDAY_MORNING)
    count = Appointment.objects.count()
    assert count >= 25 and f"Appointments: {count}" in first

    again = seed_at(WEDNESDAY_MORNING + datetime.timedelta(days=2))

    assert "nothing changed" in again
    assert Appointment.objects.count() == count


def test_no_week_and_bulk_volume_leave_it_out():
    seed_at(WEDNESDAY_MORNING, "--no-week")
    assert not Appointment.objects.exists()
    assert not week.already_seeded()


def test_a_visit_a_service_refuses_is_left_out_whole(monkeypatch):
    """A step refused half-way (here the doctor's decision) leaves no trace of the visit:
    no appointment, no review, no mail; the rest of the week is seeded."""

    def refuse(**kwargs):
        raise ValidationError("Only the assigned physician decides this review.")

    monkeypatch.setattr(week, "review_decide", refuse)
    seed_at(WEDNESDAY_MORNING)

    appointments = list(week_appointments())
    assert appointments
    medical = [a for a in appointments if a.is_medical]
    # Only the medical visits still waiting for the doctor needed no decision.
    assert {a.status for a in medical} == {"pending_review"}
    planned_waiting = sum(p.story == week.Story.PENDING_REVIEW for p in week.PLAN)
    assert len(medical) == planned_waiting
    assert Review.objects.count() == planned_waiting
    assert not OutboundEmail.objects.exclude(appointment__in=appointments).exists()


def test_the_demo_weeks_mail_is_never_sent(django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        seed_at(WEDNESDAY_MORNING)
    seeded = set(OutboundEmail.objects.values_list("pk", flat=True))
    assert seeded and mail.outbox == []
    assert set(OutboundEmail.objects.values_list("state", "last_error")) == {
        ("skipped", "Demo data: never sent.")
    }
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        call_command("send_reminders", stdout=StringIO())  # the worker's schedule
    # What the schedule plans from now on (reminders, aftercare) is the demo spa's own
    # use; the seed's mail stays unsent.
    assert not OutboundEmail.objects.filter(pk__in=seeded).exclude(state="skipped").exists()
    assert len(mail.outbox) == OutboundEmail.objects.filter(state="sent").count()
