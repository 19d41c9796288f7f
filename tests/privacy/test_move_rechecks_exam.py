"""Issue 16, finding 5: a move re-checks the good-faith exam for the new day; when it
no longer covers it, the appointment goes back to the doctor and the client is told."""

import datetime

import pytest
from django.utils import timezone

from bookings.models import OutboundEmail
from bookings.services.appointment_changes import appointment_reschedule
from bookings.services.clients import appointment_prove_email
from bookings.services.records import ExamFindings, gfe_expiry, gfe_record
from bookings.services.reviews import review_decide
from tests.security.helpers import figure
from tests.spa import at, book_botox

pytestmark = pytest.mark.django_db


def _working_day_after(day: datetime.date, days: int) -> datetime.date:
    later = day + datetime.timedelta(days=days)
    return later + datetime.timedelta(days=1) if later.weekday() == 6 else later


@pytest.fixture
def approved(spa):
    """Botox needing an exam, approved on an exam that lapses 3 days after the visit."""
    spa.botox.requires_gfe = True
    spa.botox.save()
    appointment = appointment_prove_email(appointment=book_botox(spa))
    day = timezone.localtime(appointment.start).date()
    performed = day + datetime.timedelta(days=3)
    performed = performed.replace(year=performed.year - 1)
    exam = gfe_record(
        client=appointment.client,
        examiner=spa.doctor,
        treatment=spa.botox,
        exam=ExamFindings(performed_on=performed, findings="History, exam, plan."),
        recorded_by=spa.doctor.user,
    )
    assert gfe_expiry(performed) == exam.expires_on == day + datetime.timedelta(days=3)
    review_decide(review=appointment.review, user=spa.doctor.user, decision="approved")
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"
    return appointment


def test_a_move_the_exam_still_covers_stays_approved(approved):
    day = timezone.localtime(approved.start).date()
    moved = appointment_reschedule(
        appointment=approved, start=at(_working_day_after(day, 1), 10), by_client=False
    )
    assert moved.status == "confirmed"


def test_a_move_past_the_exam_goes_back_to_review_and_the_client_is_told(client, approved):
    day = timezone.localtime(approved.start).date()
    new_start = at(_working_day_after(day, 7), 10)
    url = approved.get_absolute_url() + "reschedule/"

    response = client.post(url, {"start": new_start.isoformat()}, follow=True)

    approved.refresh_from_db()
    figure(f"G19 move-past-exam status={approved.status} review={approved.review.decision}")
    assert approved.start == new_start
    assert approved.status == "pending_review"
    assert approved.review.decision == "pending"
    assert "reviews it again" in response.content.decode()
    told = OutboundEmail.objects.filter(appointment=approved, kind="rescheduled").get()
    assert "review it again" in told.body


def test_the_front_desk_move_rechecks_the_exam_too(approved):
    day = timezone.localtime(approved.start).date()
    moved = appointment_reschedule(
        appointment=approved, start=at(_working_day_after(day, 7), 10), by_client=False
    )
    assert moved.status == "pending_review"
