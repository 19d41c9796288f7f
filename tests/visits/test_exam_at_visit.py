"""Issue 17, part 4: the good-faith exam as a real step. The doctor approves "subject
to a GFE at the visit"; the client is told who examines them, when and why; at the
visit a physician, NP or PA records it at /staff/; the treatment's completion and chart
wait for a cleared exam; "not cleared" ends the visit without treatment."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from bookings.models import GoodFaithExam, OutboundEmail
from bookings.services.appointment_changes import appointment_reschedule
from bookings.services.records import ChartEntry, chart_write
from bookings.services.visits import appointment_set_status
from tests.factories import PractitionerFactory, UserFactory, role
from tests.spa import INJECTION, NY, at, book_botox_at

pytestmark = pytest.mark.django_db
DAY = datetime.date(2027, 6, 8)  # a Tuesday
BOOKED = datetime.datetime(2027, 6, 1, 9, 0, tzinfo=NY)
ARRIVED = at(DAY, 10, 50)


@pytest.fixture
def approved(client, spa):
    """Botox needing an exam, none on record: the doctor approves subject to one."""
    spa.botox.requires_gfe = True
    spa.botox.save()
    with time_machine.travel(BOOKED, tick=False):
        visit = book_botox_at(spa, at(DAY, 11))
        client.force_login(spa.doctor.user)
        response = client.post(
            f"/doctor/reviews/{visit.review.pk}/",
            {"decision": "approve", "note": "", "exam_at_visit": "on"},
        )
    assert response.status_code == 302
    visit.refresh_from_db()
    return visit


@pytest.fixture
def np_user(spa):
    examiner = PractitionerFactory(
        display_name="Elena NP",
        role=role("nurse-practitioner"),
        user=UserFactory(username="elena"),
        licence_expires_on=datetime.date(2029, 1, 1),
    )
    return examiner.user


def _exam(client, user, visit, outcome: str, **extra):
    with time_machine.travel(ARRIVED + datetime.timedelta(minutes=2), tick=False):
        client.force_login(user)
        return client.post(
            f"/staff/appointments/{visit.pk}/exam/",
            {"findings": "History, exam and plan.", "outcome": outcome, **extra},
        )


def test_the_client_is_told_who_examines_them_when_and_why(client, approved):
    assert approved.status == "confirmed" and approved.review.exam_at_visit
    mail = OutboundEmail.objects.get(appointment=approved, kind="approved")
    page = client.get(approved.get_absolute_url()).content.decode()
    for text in (mail.body, page):
        assert "nurse practitioner or physician assistant" in text
        assert "at the start of your visit" in text and "good-faith exam" in text
    assert "Botox" not in mail.body  # medical mail never names the treatment


def test_the_visit_waits_for_a_cleared_exam_then_completes_and_charts(
    client, spa, approved, np_user
):
    with time_machine.travel(ARRIVED, tick=False):
        appointment_set_status(appointment=approved, status="checked_in", now=ARRIVED)
    later = at(DAY, 11, 40)
    with pytest.raises(ValidationError, match="Waiting for the good-faith exam"):
        appointment_set_status(appointment=approved, status="completed", now=later)
    # The nurse (an RN) may not examine; the NP does, from /staff/.
    nurse = UserFactory(username="nurse")
    spa.nurse.user = nurse
    spa.nurse.save()
    assert _exam(client, nurse, approved, "cleared").status_code == 403
    with time_machine.travel(ARRIVED, tick=False):
        client.force_login(np_user)
        home = client.get("/staff/").content.decode()
    assert "Good-faith exams waiting" in home and "Record the exam" in home
    assert _exam(client, np_user, approved, "cleared").status_code == 302
    exam = GoodFaithExam.objects.get(appointment=approved)
    assert exam.examiner.user == np_user and exam.outcome == "cleared"
    assert appointment_set_status(appointment=approved, status="completed", now=later)
    with time_machine.travel(later, tick=False):
        record = chart_write(appointment=approved, user=nurse, entry=INJECTION)
    assert record.version == 1


def test_not_cleared_ends_the_visit_without_treatment_and_tells_the_client(
    client, spa, approved, np_user
):
    with time_machine.travel(ARRIVED, tick=False):
        appointment_set_status(appointment=approved, status="checked_in", now=ARRIVED)
    assert _exam(client, np_user, approved, "not_cleared").status_code == 302
    approved.refresh_from_db()
    assert approved.status == "completed"
    told = OutboundEmail.objects.get(appointment=approved, kind="not_cleared")
    assert "not to go ahead" in told.body and "Botox" not in told.body
    nurse = UserFactory(username="nurse")
    spa.nurse.user = nurse
    spa.nurse.save()
    with pytest.raises(ValidationError, match="cleared good-faith exam"):
        chart_write(appointment=approved, user=nurse, entry=ChartEntry(what_was_done="x"))


def test_restrictions_need_saying_and_the_exam_only_at_the_visit(client, approved, np_user):
    assert _exam(client, np_user, approved, "cleared").status_code == 404  # not checked in
    assert not GoodFaithExam.objects.exists()
    with time_machine.travel(ARRIVED, tick=False):
        appointment_set_status(appointment=approved, status="checked_in", now=ARRIVED)
    refused = _exam(client, np_user, approved, "restricted")
    assert (
        refused.status_code == 200 and "Say what the restrictions are" in refused.content.decode()
    )
    assert (
        _exam(client, np_user, approved, "restricted", restrictions="Half dose.").status_code == 302
    )


def test_an_approval_subject_to_an_exam_survives_a_move(approved):
    with time_machine.travel(BOOKED, tick=False):
        moved = appointment_reschedule(
            appointment=approved, start=at(DAY + datetime.timedelta(days=1), 11), by_client=True
        )
    assert moved.status == "confirmed"
