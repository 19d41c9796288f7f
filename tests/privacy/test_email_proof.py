"""Issue 16, finding 1: whoever types an email is not that client.

A booking keeps what was typed for it and joins a client record only once the email
is proven (the link in its first mail) or the front desk picked the client."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.models import Appointment, Client, GoodFaithExam, OutboundEmail
from bookings.services.appointments import appointment_book
from bookings.services.records import ExamFindings, gfe_record
from bookings.services.reviews import review_decide
from tests.security.helpers import botox_post, figure, front_desk_user
from tests.spa import CONSENT, at, client_details, intake_answers, next_working_day

pytestmark = pytest.mark.django_db
PROOF = re.compile(r"https?://[^/\s]+(/bookings/email-proof/[^/\s]+/)")


@pytest.fixture
def alice(spa):
    """A client on record: two earlier Botox visits, a valid good-faith exam."""
    record = Client.objects.create(
        first_name="Alice", last_name="Victim", email="alice@example.com", phone="212 555 0101"
    )
    earlier = appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=at(next_working_day(), 9),
        client=client_details("alice@example.com", first_name="Alice", last_name="Victim"),
        intake=intake_answers(date_of_birth=datetime.date(1980, 1, 1)),
        consent=CONSENT,
        client_record=record,
    )
    gfe_record(
        client=record,
        examiner=spa.doctor,
        treatment=spa.botox,
        exam=ExamFindings(performed_on=timezone.localdate(), findings="Alice's exam."),
        recorded_by=spa.doctor.user,
        appointment=earlier,
    )
    spa.botox.requires_gfe = True
    spa.botox.save()
    return record


def _mallory_books(client, spa) -> Appointment:
    data = botox_post(
        spa,
        next_working_day(),
        hour=13,
        first_name="Mallory",
        last_name="Stranger",
        email="Alice@Example.com",
        date_of_birth="1995-05-05",
    )
    response = client.post(f"/book/{spa.botox.slug}/", data)
    assert response.status_code == 302
    return Appointment.objects.get(client_first_name="Mallory")


def test_a_strangers_booking_shows_and_mails_only_what_was_typed(client, spa, alice):
    mallory = _mallory_books(client, spa)

    assert mallory.client_id is None
    page = client.get(mallory.get_absolute_url()).content.decode()
    assert "Mallory Stranger" in page and "Alice" not in page and "Victim" not in page
    mail = OutboundEmail.objects.get(appointment=mallory)
    assert mail.to == "alice@example.com"
    assert "Hello Mallory" in mail.body and "Alice" not in mail.body
    alice.refresh_from_db()
    figure(
        f"G15 identity stranger_linked={int(mallory.client_id is not None)} "
        f"stored_name_on_page={int('Alice' in page)} "
        f"stored_name_in_mail={int('Alice' in mail.body)} "
        f"record_changed={int((alice.first_name, alice.date_of_birth) != ('Alice', None))}"
    )
    assert (alice.first_name, alice.last_name, alice.date_of_birth) == ("Alice", "Victim", None)


def test_the_doctor_sees_neither_the_stored_exam_nor_the_history(client, spa, alice):
    mallory = _mallory_books(client, spa)
    client.force_login(spa.doctor.user)

    page = client.get(f"/doctor/reviews/{mallory.review.pk}/").content.decode()

    assert "Mallory Stranger" in page and "Alice" not in page
    assert "Good-faith exam on record" not in page
    assert "Not shown: the client has not yet confirmed" in page
    with pytest.raises(ValidationError, match="good-faith exam"):
        review_decide(review=mallory.review, user=spa.doctor.user, decision="approved")


def test_the_link_in_the_first_mail_proves_the_email(client, spa, alice):
    mallory = _mallory_books(client, spa)
    path = PROOF.search(OutboundEmail.objects.get(appointment=mallory).body).group(1)

    asked = client.get(path)
    assert asked.status_code == 200
    assert "Did you book this visit?" in asked.content.decode()
    assert "<strong>Mallory Stranger</strong>" in asked.content.decode()
    mallory.refresh_from_db()
    assert mallory.client_id is None  # opening the link (a mail scanner) proves nothing

    proved = client.post(path, {"answer": "yes"})
    assert proved.status_code == 302 and proved["Location"] == mallory.get_absolute_url()
    mallory.refresh_from_db()
    assert mallory.client_id == alice.pk and mallory.email_proven_at is not None
    alice.refresh_from_db()
    assert alice.first_name == "Alice"  # the record is never overwritten
    # Linked now: the doctor is told what differs from the record.
    client.force_login(spa.doctor.user)
    page = client.get(f"/doctor/reviews/{mallory.review.pk}/").content.decode()
    assert "typed Mallory Stranger, on record Alice Victim" in page


def test_a_proof_link_expires_and_a_forged_one_is_unknown(client, spa, alice):
    mallory = _mallory_books(client, spa)
    path = PROOF.search(OutboundEmail.objects.get(appointment=mallory).body).group(1)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, minutes=1)):
        expired = client.post(path, {"answer": "yes"})
    assert expired.status_code == 410 and "This link has expired" in expired.content.decode()
    assert client.post(path[:-3] + "xx/", {"answer": "yes"}).status_code == 404
    assert client.post("/bookings/email-proof/not-a-signed-value/").status_code == 404
    mallory.refresh_from_db()
    assert mallory.client_id is None


def test_an_exam_recorded_for_an_unproven_visit_joins_the_record_with_its_proof(client, spa, alice):
    appointment = _mallory_books(client, spa)
    review_decide(
        review=appointment.review,
        user=spa.doctor.user,
        decision="approved",
        exam=ExamFindings(performed_on=timezone.localdate(), findings="Examined in person."),
    )
    exam = GoodFaithExam.objects.get(appointment=appointment)
    assert exam.client is None
    path = PROOF.search(OutboundEmail.objects.filter(appointment=appointment).first().body)
    client.post(path.group(1), {"answer": "yes"})
    exam.refresh_from_db()
    assert exam.client == alice


def test_the_front_desk_picking_a_client_on_record_counts_as_proven(client, spa, alice):
    client.force_login(front_desk_user())
    day = next_working_day()
    response = client.post(
        "/admin/bookings/appointment/add/",
        {
            "treatment": spa.facial.pk,
            "practitioner": spa.esthetician.pk,
            "start_date": day.isoformat(),
            "start_time": "15:00",
            "client_record": alice.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    booked = Appointment.objects.get(treatment=spa.facial)
    assert booked.client_id == alice.pk and booked.client_full_name == "Alice Victim"


def test_the_owner_who_did_not_book_it_keeps_it_apart(client, spa, alice):
    mallory = _mallory_books(client, spa)
    path = PROOF.search(OutboundEmail.objects.get(appointment=mallory).body).group(1)
    answer = client.post(path, {"answer": "no"})
    assert answer.status_code == 200
    assert "stays apart from your record" in answer.content.decode()
    mallory.refresh_from_db()
    assert mallory.client_id is None


def test_a_cancelled_booking_cannot_be_proven(client, spa, alice):
    mallory = _mallory_books(client, spa)
    path = PROOF.search(OutboundEmail.objects.get(appointment=mallory).body).group(1)
    Appointment.objects.filter(pk=mallory.pk).update(status="cancelled")
    refused = client.post(path, {"answer": "yes"})
    assert "no longer active" in refused.content.decode()
    mallory.refresh_from_db()
    assert mallory.client_id is None
