"""Booking by phone: the free-time finder (the website's own free times), a
returning client found by phone or name, the website's questions with nothing
pre-selected, phones in E.164, email optional, and the confirmation after saving."""

import datetime
import importlib
import io
import re

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from bookings.models import Appointment, Client, Intake, OutboundEmail
from bookings.services.appointment_changes import appointment_cancel
from bookings.services.appointments import appointment_book
from tests.factories import ContraindicationFactory, TreatmentContraindicationFactory, UserFactory
from tests.page_forms import form_data
from tests.spa import CONSENT, at, book_facial, client_details, intake_answers, next_working_day

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/bookings/appointment/add/"
FINDER_URL = "/admin/bookings/appointment/free-times/"


@pytest.fixture
def desk(client, spa):
    user = UserFactory(username="desk", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def skin_question(spa):
    """Botox's own question, beyond the three the contract fixes."""
    return TreatmentContraindicationFactory(
        treatment=spa.botox,
        contraindication=ContraindicationFactory(
            code="active-skin-infection",
            name="Active skin infection",
            question="Do you have a skin infection where you would be treated?",
        ),
        severity="absolute",
    )


def one_value_each(data: dict[str, list[str]]) -> dict[str, str]:
    return {name: values[-1] for name, values in data.items()}


def picked_times(page: str) -> list[tuple[str, str, str]]:
    """(practitioner id, date, time) of each time the finder offers, from its links."""
    return re.findall(
        r'href="/admin/bookings/appointment/add/\?start_date=([\d-]+)&amp;start_time=([\d:%A]+)'
        r"&amp;treatment=\d+&amp;practitioner=(\d+)",
        page,
    )


def api_times(client, treatment, day) -> set[tuple[str, str, str]]:
    slots = client.get(
        "/api/availability/", {"treatment": treatment.slug, "date": day.isoformat()}
    ).json()["slots"]
    return {
        (str(s["practitioner"]), s["start"][:10], s["start"][11:16].replace(":", "%3A"))
        for s in slots
    }


def test_booking_by_phone_starts_at_the_finder(desk):
    response = desk.get(ADD_URL)
    assert response.status_code == 302 and response["Location"] == FINDER_URL


def test_the_finder_lists_the_websites_free_times(desk, client, spa):
    day = next_working_day()
    book_facial(spa, 10, "first@example.com")
    page = desk.get(FINDER_URL, {"treatment": spa.facial.pk, "date": day}).content.decode()
    offered = {(p, d, t) for d, t, p in picked_times(page)}
    assert offered and offered == api_times(client, spa.facial, day)
    # The booked hour (and its cleanup buffer) is not offered for that practitioner.
    ella = str(spa.esthetician.pk)
    assert (ella, day.isoformat(), "10%3A00") not in offered
    only_nora = desk.get(
        FINDER_URL,
        {"treatment": spa.facial.pk, "date": day, "practitioner": spa.nurse.pk},
    ).content.decode()
    assert {p for _d, _t, p in picked_times(only_nora)} == {str(spa.nurse.pk)}


def test_the_finder_refuses_a_day_out_of_range_with_a_message(desk, spa):
    page = desk.get(FINDER_URL, {"treatment": spa.facial.pk, "date": "2020-01-01"})
    assert page.status_code == 200 and "Choose a day from today" in page.content.decode()
    assert desk.get(FINDER_URL, {"treatment": "999999", "date": "x"}).status_code == 200
    assert desk.get(FINDER_URL, {"move": "not-a-number"}).status_code == 404


def test_a_picked_time_opens_the_form_with_botoxs_own_questions_unanswered(
    desk, spa, skin_question
):
    day = next_working_day()
    page = desk.get(FINDER_URL, {"treatment": spa.botox.pk, "date": day}).content.decode()
    link = re.search(r'href="(/admin/bookings/appointment/add/\?[^"]+)"', page).group(1)
    form_page = desk.get(link.replace("&amp;", "&")).content.decode()
    assert "Do you have a skin infection where you would be treated?" in form_page
    assert "Do you take blood thinners" in form_page
    # No answer is pre-selected: a "no" nobody gave would reach the doctor as one.
    assert not re.search(r'<input type="radio"[^>]*checked', form_page)
    assert spa.botox.consent_text.split()[0] in form_page or "I confirm" in form_page


def botox_by_phone(spa, day, **overrides) -> dict:
    data = {
        "treatment": spa.botox.pk,
        "practitioner": spa.nurse.pk,
        "start_date": day.isoformat(),
        "start_time": "11:00",
        "first_name": "New",
        "last_name": "Caller",
        "email": "",
        "phone": "(917) 555-0103",
        "date_of_birth": "1990-04-02",
        "pregnant_or_breastfeeding": "no",
        "isotretinoin_last_6_months": "no",
        "blood_thinners": "yes",
        "answer_active_skin_infection": "no",
        "consent_by_phone": "on",
        "allow_short_notice": "on",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_new_caller_without_email_is_booked_with_every_answer_and_a_record(
    desk, spa, skin_question
):
    day = next_working_day()
    response = desk.post(ADD_URL, botox_by_phone(spa, day), follow=True)
    page = response.content.decode()
    appointment = Appointment.objects.get()
    assert appointment.client_phone == "+19175550103" and appointment.client_email == ""
    assert appointment.status == "pending_review" and appointment.source == "front_desk"
    # Every question was asked: the doctor sees answers, not "Not answered".
    intake = Intake.objects.get(appointment=appointment)
    assert intake.extra_answers == {"active-skin-infection": False}
    assert [flag["severity"] for flag in intake.flags] == ["relative"]
    # The caller now has a record, found again by phone; no mail had anywhere to go.
    record = Client.objects.get()
    assert appointment.client == record and record.phone == "+19175550103"
    assert record.email == "" and not OutboundEmail.objects.exists()
    # The confirmation: the time, and what happens next.
    assert "Booked Botox for New Caller" in page
    assert "reviews the health answers" in page and "call the client at +1 917-555-0103" in page


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("answer_active_skin_infection", "Please answer yes or no."),
        ("blood_thinners", "Please answer yes or no."),
        ("date_of_birth", "Please enter the date of birth."),
        ("consent_by_phone", "Read the consent to the client"),
        ("phone", "Type this, or find a returning client above."),
    ],
)
def test_a_phone_booking_asks_everything_before_saving(desk, spa, skin_question, missing, message):
    response = desk.post(ADD_URL, botox_by_phone(spa, next_working_day(), **{missing: None}))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Appointment.objects.exists() and not Client.objects.exists()


def test_an_absolute_answer_at_the_desk_refuses_and_saves_nothing(desk, spa, skin_question):
    data = botox_by_phone(spa, next_working_day(), answer_active_skin_infection="yes")
    response = desk.post(ADD_URL, data)
    assert "active skin infection" in response.content.decode()
    assert not Appointment.objects.exists() and not Client.objects.exists()


@pytest.mark.parametrize("typed", ["12345", "555-0100", "call me", "+44 20 7946"])
def test_a_number_nobody_can_call_is_refused_online_and_at_the_desk(desk, client, spa, typed):
    day = next_working_day()
    at_desk = desk.post(ADD_URL, botox_by_phone(spa, day, phone=typed)).content.decode()
    assert "Please enter a phone number we can call" in at_desk
    page = client.get(f"/book/{spa.facial.slug}/").content.decode()
    data = one_value_each(form_data(page, "booking-form"))
    data.update(
        start=at(day, 10).isoformat(),
        first_name="Mia",
        last_name="Client",
        email="mia@example.com",
        phone=typed,
    )
    online = client.post(f"/book/{spa.facial.slug}/", data)
    assert online.status_code == 200
    assert "Please enter a phone number we can call" in online.content.decode()
    assert not Appointment.objects.exists()


def test_online_phones_are_stored_in_e164(client, spa):
    day = next_working_day()
    page = client.get(f"/book/{spa.facial.slug}/").content.decode()
    data = one_value_each(form_data(page, "booking-form"))
    data.update(
        start=at(day, 10).isoformat(),
        first_name="Mia",
        last_name="Client",
        email="mia@example.com",
        phone="(917) 555-0103",
    )
    assert client.post(f"/book/{spa.facial.slug}/", data).status_code == 302
    assert Appointment.objects.get().client_phone == "+19175550103"


@pytest.mark.parametrize("typed", ["(917) 555-0103", "9175550103", "+1 917 555 0103", "555-0103"])
def test_search_by_phone_finds_the_booking_and_the_client(desk, spa, typed):
    appointment = appointment_book(
        treatment=spa.facial,
        practitioner=spa.esthetician,
        start=at(next_working_day(), 10),
        client=client_details(phone="917.555.0103"),
    )
    Client.objects.create(first_name="Mia", last_name="Client", phone="+19175550103")
    listing = desk.get("/admin/bookings/appointment/", {"q": typed}).content.decode()
    assert f"/admin/bookings/appointment/{appointment.pk}/change/" in listing
    clients = desk.get("/admin/bookings/client/", {"q": typed}).content.decode()
    assert "+1 917-555-0103" in clients
    # And the "Returning client" box on the booking form.
    form_page = desk.get(
        ADD_URL, {"treatment": spa.facial.pk, "find_client": typed}
    ).content.decode()
    assert "Book for Mia Client" in form_page


def test_a_returning_client_is_found_and_their_details_filled_in(desk, spa):
    mia = Client.objects.create(
        first_name="Mia",
        last_name="Client",
        email="mia@example.com",
        phone="+19175550103",
        date_of_birth=datetime.date(1990, 4, 2),
    )
    Client.objects.create(first_name="Other", last_name="Person", phone="+12125550111")
    found = desk.get(ADD_URL, {"treatment": spa.botox.pk, "find_client": "mia cl"})
    page = found.content.decode()
    assert "Book for Mia Client" in page and "Other Person" not in page
    link = re.search(r'href="(\?[^"]*client=\d+[^"]*)"', page).group(1).replace("&amp;", "&")
    filled = one_value_each(
        form_data(desk.get(ADD_URL + link).content.decode(), "appointment_form")
    )
    assert filled["client_record"] == str(mia.pk)
    assert (filled["first_name"], filled["last_name"]) == ("Mia", "Client")
    assert filled["email"] == "mia@example.com" and filled["date_of_birth"] == "1990-04-02"
    assert filled["phone"] == "+1 917-555-0103"
    # Saved, the visit joins her record; no second record is made.
    data = botox_by_phone(spa, next_working_day(), client_record=str(mia.pk))
    data.pop("answer_active_skin_infection")
    assert desk.post(ADD_URL, data).status_code == 302
    assert Appointment.objects.get().client == mia and Client.objects.count() == 2


def test_an_email_on_record_must_be_picked_not_typed_again(desk, spa):
    Client.objects.create(first_name="Mia", last_name="Client", email="mia@example.com")
    data = botox_by_phone(spa, next_working_day(), email="MIA@example.com ")
    data.pop("answer_active_skin_infection")
    page = desk.post(ADD_URL, data).content.decode()
    assert "Mia Client is on record with this email" in page
    assert not Appointment.objects.exists() and Client.objects.count() == 1


def test_client_email_is_optional_and_unique_when_present():
    Client.objects.create(first_name="A", last_name="One", email="", phone="+12125550101")
    Client.objects.create(first_name="B", last_name="Two", email="", phone="+12125550102")
    Client.objects.create(first_name="C", last_name="Three", email="c@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.create(first_name="D", last_name="Four", email="c@example.com")


def test_a_move_uses_the_finder_and_its_pick_fills_the_move(desk, spa):
    first = book_facial(spa, 10, "a@example.com")
    book_facial(spa, 14, "b@example.com")
    page = desk.get(FINDER_URL, {"move": first.pk}).content.decode()
    links = re.findall(rf'href="/admin/bookings/appointment/{first.pk}/change/\?([^"]+)"', page)
    # Links that keep the practitioner (no new_practitioner): the same person's times.
    own = [link for link in links if "new_practitioner" not in link]
    times = {re.search(r"start_time=([\d%A]+)", link).group(1) for link in own}
    assert "10%3A00" in times  # its own time counts as free
    assert "14%3A00" not in times and "13%3A30" not in times  # the other booking's
    pick = next(link for link in own if "start_time=12%3A00" in link).replace("&amp;", "&")
    change = one_value_each(
        form_data(
            desk.get(f"/admin/bookings/appointment/{first.pk}/change/?{pick}").content.decode(),
            "appointment_form",
        )
    )
    assert change["start_time"] == "12:00"
    assert desk.post(f"/admin/bookings/appointment/{first.pk}/change/", change).status_code == 302
    first.refresh_from_db()
    assert first.start == at(next_working_day(), 12)


def test_a_confirmed_day_spa_booking_says_where_the_mail_went(desk, spa):
    data = {
        "treatment": spa.facial.pk,
        "practitioner": spa.esthetician.pk,
        "start_date": next_working_day().isoformat(),
        "start_time": "10:00",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann@example.com",
        "phone": "212 555 0199",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    page = desk.post(ADD_URL, data, follow=True).content.decode()
    assert "Booked Hydrating facial for Ann Lee" in page
    assert "A confirmation with the link to change or cancel went to ann@example.com" in page


def test_the_finder_costs_the_same_queries_with_more_appointments(desk, spa):
    day = next_working_day()
    params = {"treatment": spa.facial.pk, "date": day}
    desk.get(FINDER_URL, params)  # the session's own first-request writes, out of the way
    with CaptureQueriesContext(connection) as few:
        desk.get(FINDER_URL, params)
    for hour in (9, 11, 13, 15):
        appointment_book(
            treatment=spa.botox,
            practitioner=spa.nurse,
            start=at(day, hour),
            client=client_details(email=f"c{hour}@example.com"),
            intake=intake_answers(),
            consent=CONSENT,
        )
    with CaptureQueriesContext(connection) as many:
        desk.get(FINDER_URL, params)
    assert len(many) == len(few)


def test_the_migration_rewrites_stored_numbers_in_e164(spa):
    """Numbers stored as typed before E.164 (written here behind the ORM's back, as
    they were) are rewritten; one nobody could call stays as typed."""
    migration = importlib.import_module("bookings.migrations.0013_phones_to_e164")
    appointment = book_facial(spa, 10, "a@example.com")
    Appointment.objects.filter(pk=appointment.pk).update(client_phone="(917) 555-0103")
    typed = {
        Client.objects.create(first_name="A", last_name="One", phone="x").pk: "212.555.0101",
        Client.objects.create(first_name="B", last_name="Two", phone="x").pk: "+44 20 7946 0958",
        Client.objects.create(first_name="C", last_name="Three", phone="x").pk: "12345",
    }
    for pk, phone in typed.items():
        Client.objects.filter(pk=pk).update(phone=phone)
    migration.phones_to_e164(django_apps, None)
    assert Appointment.objects.get().client_phone == "+19175550103"
    assert [Client.objects.get(pk=pk).phone for pk in typed] == [
        "+12125550101",
        "+442079460958",
        "12345",
    ]


def test_no_mail_and_no_reminder_for_a_client_without_email(spa, settings):
    """Mail goes only where there is an address: the booking, its reminder and its
    cancellation queue nothing, and nothing fails."""
    booked = appointment_book(
        treatment=spa.facial,
        practitioner=spa.esthetician,
        start=at(next_working_day(), 10),
        client=client_details(email=""),
    )
    settings.BOOKING_MIN_NOTICE_HOURS = 0
    with time_machine.travel(booked.start - datetime.timedelta(hours=5), tick=False):
        call_command("send_reminders", stdout=io.StringIO())
        appointment_cancel(appointment=booked, by_client=False)
    assert not OutboundEmail.objects.exists()
    booked.refresh_from_db()
    assert booked.status == "cancelled"


def test_the_writer_refuses_a_number_nobody_can_call_whoever_calls_it(spa):
    with pytest.raises(ValidationError) as refused:
        appointment_book(
            treatment=spa.facial,
            practitioner=spa.esthetician,
            start=at(next_working_day(), 10),
            client=client_details(phone="12345"),
        )
    assert "phone" in refused.value.message_dict
    assert not Appointment.objects.exists()
