"""Rescheduling from the client's link (GET/POST /bookings/<token>/reschedule/): the same
choice of who as booking (a practitioner or "any"), an optional `practitioner` in the
POST (none keeps the visit's own), every rule kept by the service, and a tampered id
answered with a clear message that changes nothing."""

import datetime

import pytest
import time_machine

from bookings.models import Appointment, OutboundEmail, Review
from bookings.services.records import ExamFindings
from bookings.services.reviews import review_decide
from tests.factories import PhysicianFactory, PractitionerFactory, SupervisionAgreementFactory
from tests.spa import NOW, TUESDAY, at, book_botox_at, book_facial_at

pytestmark = pytest.mark.django_db

PRACTITIONER_REFUSED = "Please choose one of the practitioners listed."


@pytest.fixture(autouse=True)
def clock():
    """Monday morning; the visits are on Tuesday, inside every window."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def facial(spa):
    """A facial with the esthetician, Tuesday 10:00; the nurse also performs facials."""
    return book_facial_at(spa, at(TUESDAY, 10), spa.esthetician)


def url(appointment: Appointment) -> str:
    return f"/bookings/{appointment.token}/reschedule/"


def page(response) -> str:
    return response.content.decode()


def test_the_page_offers_each_qualified_practitioner_and_any(client, spa, facial):
    html = page(client.get(url(facial), {"date": TUESDAY}))
    assert "Choose who" in html and "Any available practitioner" in html
    assert "Ella Esthetician" in html and "Nora Nurse" in html
    assert "Booked now" in html
    # The visit's own practitioner's times first.
    assert (
        "2:00 PM with Ella Esthetician" in html
        and "with Nora Nurse" not in html.split("Choose a day")[1]
    )

    anyone = page(client.get(url(facial), {"practitioner": "any", "date": TUESDAY}))
    assert "2:00 PM with any available practitioner" in anyone

    nurse = page(client.get(url(facial), {"practitioner": spa.nurse.pk, "date": TUESDAY}))
    assert "2:00 PM with Nora Nurse" in nurse


def test_a_client_moves_to_another_practitioner(client, spa, facial):
    response = client.post(
        url(facial), {"start": at(TUESDAY, 14).isoformat(), "practitioner": spa.nurse.pk}
    )

    assert response.status_code == 302
    facial.refresh_from_db()
    assert (facial.practitioner, facial.start) == (spa.nurse, at(TUESDAY, 14))
    assert OutboundEmail.objects.filter(appointment=facial, kind="rescheduled").count() == 1
    event = facial.events.filter(action="moved").get()
    assert "with Ella Esthetician" in event.detail and "with Nora Nurse" in event.detail


def test_without_a_practitioner_the_visit_keeps_its_own(client, spa, facial):
    """The contract's reschedule posts `start` alone: that never hands the client to
    someone else, even when someone else is free at that time."""
    book_facial_at(spa, at(TUESDAY, 14), spa.esthetician, email="other@example.com")

    refused = client.post(url(facial), {"start": at(TUESDAY, 14).isoformat()})
    assert refused.status_code == 200
    assert "just taken" in page(refused)
    facial.refresh_from_db()
    assert (facial.practitioner, facial.start) == (spa.esthetician, at(TUESDAY, 10))

    moved = client.post(url(facial), {"start": at(TUESDAY, 15, 30).isoformat(), "practitioner": ""})
    assert moved.status_code == 302
    facial.refresh_from_db()
    assert (facial.practitioner, facial.start) == (spa.esthetician, at(TUESDAY, 15, 30))


def test_any_practitioner_prefers_the_visits_own_then_whoever_is_free(client, spa, facial):
    book_facial_at(spa, at(TUESDAY, 15), spa.esthetician, email="other@example.com")

    own = page(client.get(url(facial), {"practitioner": "any", "start": at(TUESDAY, 12)}))
    assert f'name="practitioner" value="{spa.esthetician.pk}"' in own
    assert "with Ella Esthetician?" in own

    other = page(client.get(url(facial), {"practitioner": "any", "start": at(TUESDAY, 15)}))
    assert f'name="practitioner" value="{spa.nurse.pk}"' in other
    assert "with Nora Nurse?" in other

    response = client.post(
        url(facial), {"start": at(TUESDAY, 15).isoformat(), "practitioner": spa.nurse.pk}
    )
    assert response.status_code == 302
    facial.refresh_from_db()
    assert (facial.practitioner, facial.start) == (spa.nurse, at(TUESDAY, 15))


def test_a_time_nobody_is_free_at_offers_no_move(client, spa, facial):
    for person, email in ((spa.esthetician, "a@example.com"), (spa.nurse, "b@example.com")):
        book_facial_at(spa, at(TUESDAY, 15), person, email=email)

    html = page(client.get(url(facial), {"practitioner": "any", "start": at(TUESDAY, 15)}))

    assert "That time is no longer free" in html
    assert "Move my appointment" not in html


@pytest.mark.parametrize(
    "value",
    ["unqualified", "inactive", "999999", "-1", "abc", "any", "1 OR 1=1", "<script>"],
)
def test_a_tampered_practitioner_gets_a_clear_message_and_changes_nothing(
    client, spa, facial, value
):
    people = {
        "unqualified": PractitionerFactory(display_name="Una Qualified"),
        "inactive": PractitionerFactory(qualified_treatments=[spa.facial], is_active=False),
    }
    sent = people[value].pk if value in people else value

    response = client.post(
        url(facial), {"start": at(TUESDAY, 14).isoformat(), "practitioner": sent}
    )

    assert response.status_code == 200
    html = page(response)
    assert PRACTITIONER_REFUSED in html and "<script>" not in html.split("<main")[1]
    facial.refresh_from_db()
    assert (facial.practitioner, facial.start) == (spa.esthetician, at(TUESDAY, 10))
    assert not OutboundEmail.objects.filter(appointment=facial, kind="rescheduled").exists()


def test_moving_a_medical_visit_to_someone_under_another_physician_sends_it_back_to_review(
    client, spa
):
    visit = book_botox_at(spa, at(TUESDAY, 10))
    review_decide(
        review=Review.objects.get(appointment=visit),
        user=spa.doctor.user,
        decision="approved",
        exam=ExamFindings(performed_on=NOW.date(), findings="History, exam and plan."),
    )
    second_nurse = PractitionerFactory(display_name="Nell Nurse", qualified_treatments=[spa.botox])
    for weekday in range(6):
        second_nurse.working_hours.create(
            weekday=weekday, starts_at=datetime.time(9), ends_at=datetime.time(17)
        )
    other_doctor = PhysicianFactory(display_name="Dr. Other")
    SupervisionAgreementFactory(practitioner=second_nurse, physician=other_doctor)

    response = client.post(
        url(visit),
        {"start": at(TUESDAY, 13).isoformat(), "practitioner": second_nurse.pk},
        follow=True,
    )

    assert "reviews it again" in page(response)
    visit.refresh_from_db()
    assert visit.practitioner == second_nurse and visit.status == "pending_review"
    review = Review.objects.get(appointment=visit)
    assert (review.physician, review.decision) == (other_doctor, "pending")
