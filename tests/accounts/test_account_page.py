"""Issue 21: what a signed-in client sees and can do on /account/."""

import json

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Appointment, Client, MailOptOut
from bookings.services.appointment_changes import appointment_cancel
from tests.accounts.helpers import sign_in
from tests.spa import at, book_botox, book_facial, complete_visit, next_working_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def mia(client, spa):
    """Mia, signed in, with an upcoming facial, a past facial and an upcoming Botox request."""
    upcoming = book_facial(spa, 10, "mia@example.com")
    past = book_facial(spa, 13, "mia@example.com")
    Appointment.objects.filter(pk=past.pk).update(
        start=at(next_working_day(-10), 13),
        end=at(next_working_day(-10), 14),
        blocked_until=at(next_working_day(-10), 14, 15),
    )
    past.refresh_from_db()
    complete_visit(past)
    book_botox(spa, 15, email="mia@example.com")
    sign_in(client, "mia@example.com")
    mail.outbox.clear()
    return {"upcoming": upcoming, "past": past, "record": Client.objects.get()}


def test_the_page_shows_upcoming_and_past_visits_with_their_actions(client, spa, mia):
    page = client.get("/account/").content.decode()
    upcoming = page.split('id="upcoming-title"')[1].split('id="past-title"')[0]
    past = page.split('id="past-title"')[1]
    assert "Hydrating facial" in upcoming and "Botox" in upcoming
    assert mia["upcoming"].get_absolute_url() in upcoming
    assert f"/bookings/{mia['upcoming'].token}/cancel/" in upcoming
    assert f"/bookings/{mia['upcoming'].token}/reschedule/" in upcoming
    # Book again: same treatment, same practitioner first.
    assert f"/book/{spa.facial.slug}/?practitioner={spa.esthetician.pk}" in past


def test_book_again_opens_the_booking_page_with_the_same_practitioner(client, spa, mia):
    response = client.get(f"/book/{spa.facial.slug}/?practitioner={spa.esthetician.pk}")
    assert response.status_code == 200
    assert spa.esthetician.display_name in response.content.decode()


def test_cancelling_from_the_account_goes_through_the_manage_link(client, spa, mia):
    response = client.post(f"/bookings/{mia['upcoming'].token}/cancel/")
    assert response.status_code == 302
    mia["upcoming"].refresh_from_db()
    assert mia["upcoming"].status == Appointment.Status.CANCELLED
    upcoming = client.get("/account/").content.decode().split('id="past-title"')[0]
    assert mia["upcoming"].get_absolute_url() not in upcoming


def test_the_page_costs_the_same_queries_with_few_and_many_visits(client, spa, mia):
    client.get("/account/")
    with CaptureQueriesContext(connection) as few:
        client.get("/account/")
    for days_ahead, hour in ((5, 9), (5, 11), (5, 13), (5, 15), (9, 9), (9, 13)):
        book_facial(spa, hour, "mia@example.com", day=next_working_day(days_ahead))
    sign_in(client, "mia@example.com")  # joins the new bookings
    client.get("/account/")
    with CaptureQueriesContext(connection) as many:
        client.get("/account/")
    assert Appointment.objects.filter(client=mia["record"]).count() == 9
    assert len(few) == len(many)


def test_details_are_kept_and_bad_input_changes_nothing(client, spa, mia):
    response = client.post(
        "/account/details/",
        {"first_name": "Mia", "last_name": "<script>alert(1)</script>", "phone": "212 555 0199"},
    )
    assert response.status_code == 302
    record = Client.objects.get()
    assert record.phone == "+12125550199"
    page = client.get("/account/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page

    refused = client.post(
        "/account/details/", {"first_name": "", "last_name": "Client", "phone": "12"}
    )
    assert refused.status_code == 400
    assert b"Please check the details" in refused.content
    record.refresh_from_db()
    assert record.first_name == "Mia" and record.phone == "+12125550199"


def test_preferences_turn_texts_on_for_upcoming_visits_and_book_again_mail_off(client, mia):
    response = client.post("/account/preferences/", {"texts": "on"})
    assert response.status_code == 302
    record = Client.objects.get()
    assert record.sms_opt_in_at is not None and "STOP" in record.sms_consent_wording
    mia["upcoming"].refresh_from_db()
    assert mia["upcoming"].sms_opt_in_at is not None
    assert MailOptOut.objects.filter(email="mia@example.com").exists()

    client.post("/account/preferences/", {"book_again_mail": "on"})
    record.refresh_from_db()
    mia["upcoming"].refresh_from_db()
    assert record.sms_opt_in_at is None and mia["upcoming"].sms_opt_in_at is None
    assert not MailOptOut.objects.exists()


def test_the_export_holds_the_record_bookings_and_intake_and_nobody_elses(client, spa, mia):
    book_facial(spa, 11, "someone@example.com", day=next_working_day(6), first_name="Someone")
    response = client.get("/account/my-data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["record"]["email"] == "mia@example.com"
    assert len(data["appointments"]) == 3
    botox = next(a for a in data["appointments"] if a["treatment"] == "Botox")
    assert botox["intake"]["blood_thinners"] is True
    assert botox["consent"]["wording"]
    assert data["good_faith_exams"] == [] and data["waitlist"] == []
    assert "someone@example.com" not in response.content.decode()


def test_closing_is_refused_while_visits_are_upcoming_then_keeps_the_records(client, spa, mia):
    refused = client.post("/account/close/", {"confirm": "on"})
    assert refused.status_code == 400
    assert b"upcoming appointments" in refused.content
    assert Client.objects.get().closed_at is None

    for appointment in Appointment.objects.filter(start__gt=mia["past"].start):
        appointment_cancel(appointment=appointment, by_client=True)
    unticked = client.post("/account/close/", {})
    assert unticked.status_code == 400
    response = client.post("/account/close/", {"confirm": "on"})
    assert response.status_code == 302
    record = Client.objects.get()
    assert record.closed_at is not None
    assert Appointment.objects.filter(client=record).count() == 3  # clinical records stay
    assert MailOptOut.objects.filter(email="mia@example.com").exists()
    page = client.get("/account/")
    assert b"Hello, Mia" not in page.content
    assert b"clinical records are kept" in page.content


def test_account_pages_need_a_signed_in_client(client, spa):
    for path in ("/account/my-data.json",):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/account/"
    for path in ("/account/details/", "/account/preferences/", "/account/close/"):
        response = client.post(path, {"first_name": "X", "confirm": "on"})
        assert response.status_code == 302 and response["Location"] == "/account/"
    assert not Client.objects.exists()


def test_find_my_booking_mails_the_links_with_the_same_answer_for_anyone(
    client, spa, django_capture_on_commit_callbacks
):
    mine = book_facial(spa, 10, "mia@example.com")
    book_facial(spa, 12, "other@example.com")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/account/find-my-booking/", {"email": "mia@example.com"})
        unknown = client.post("/account/find-my-booking/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    to_mia, to_nobody = mail.outbox
    assert mine.get_absolute_url() in to_mia.body
    assert "/bookings/" not in to_nobody.body
    assert "no upcoming appointments" in to_nobody.body


def test_find_my_booking_never_names_a_medical_treatment_in_mail(
    client, spa, django_capture_on_commit_callbacks
):
    book_botox(spa, 15, email="mia@example.com")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/find-my-booking/", {"email": "mia@example.com"})
    (message,) = mail.outbox
    assert "Botox" not in message.body
    assert "Botox" not in message.alternatives[0][0]
