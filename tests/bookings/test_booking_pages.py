"""The public booking surface: the form, the API, the manage link, as a client meets them."""

import datetime
import re

import pytest
from django.core import mail

from bookings.models import Appointment, Client, Intake, OutboundEmail
from tests.factories import PractitionerFactory, TreatmentFactory
from tests.spa import NY, at, next_working_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return next_working_day()


def facial_post(spa, day, **overrides):
    data = {
        "start": at(day, 10).isoformat(),
        "practitioner": str(spa.esthetician.pk),
        "first_name": "Mia",
        "last_name": "Client",
        "email": "mia@example.com",
        "phone": "212 555 0100",
        "notes": "",
    }
    data.update(overrides)
    return data


def botox_post(spa, day, **overrides):
    data = facial_post(spa, day, practitioner=str(spa.nurse.pk))
    data.update(
        {
            "date_of_birth": "1990-04-02",
            "pregnant_or_breastfeeding": "no",
            "isotretinoin_last_6_months": "no",
            "blood_thinners": "yes",
            "medications": "",
            "allergies": "latex",
            "conditions": "",
            "consent": "on",
        }
    )
    data.update(overrides)
    return data


def page(response) -> str:
    return response.content.decode()


def test_booking_page_offers_days_and_real_times(client, spa, day):
    response = client.get(f"/book/{spa.facial.slug}/?practitioner={spa.esthetician.pk}&date={day}")
    assert response.status_code == 200
    html = page(response)
    assert "Choose a day" in html and "Choose a time" in html
    assert f'value="{at(day, 10).isoformat()}"' in html
    assert f"10:00 AM with {spa.esthetician.display_name}" in html


def test_choosing_a_time_shows_the_details_form(client, spa, day):
    start = at(day, 10).isoformat()
    response = client.get(
        f"/book/{spa.botox.slug}/", {"practitioner": spa.nurse.pk, "start": start, "date": day}
    )
    html = page(response)
    assert 'name="first_name"' in html and 'name="consent"' in html
    assert 'name="pregnant_or_breastfeeding"' in html
    assert spa.botox.consent_text in html


def test_day_spa_booking_redirects_to_the_manage_page(
    client, spa, day, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day))
    assert response.status_code in (302, 303)
    appointment = Appointment.objects.get()
    assert response["Location"] == f"/bookings/{appointment.token}/"
    manage = client.get(response["Location"])
    html = page(manage)
    assert "confirmed" in html and spa.facial.name in html and spa.esthetician.display_name in html
    assert len(mail.outbox) == 1 and appointment.token in mail.outbox[0].body
    assert "no-store" in manage["Cache-Control"] or "max-age=0" in manage["Cache-Control"]


def test_the_slot_vanishes_once_booked(client, spa, day):
    url = (
        f"/api/availability/?treatment={spa.facial.slug}&date={day}"
        f"&practitioner={spa.esthetician.pk}"
    )
    before = {s["start"] for s in client.get(url).json()["slots"]}
    assert at(day, 10).isoformat() in before
    client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day))
    after = {s["start"] for s in client.get(url).json()["slots"]}
    assert at(day, 10).isoformat() not in after
    assert at(day, 11, 15).isoformat() in after


def test_medical_booking_stores_intake_and_waits_for_review(client, spa, day):
    response = client.post(f"/book/{spa.botox.slug}/", botox_post(spa, day))
    assert response.status_code in (302, 303), page(response)[:3000]
    appointment = Appointment.objects.get()
    assert appointment.status == "pending_review"
    assert Intake.objects.get(appointment=appointment).allergies == "latex"
    assert "pending review" in page(client.get(response["Location"]))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": ""}, "tick the box"),
        ({"date_of_birth": "2015-01-01"}, "aged 18 or over"),
        ({"date_of_birth": "31/12/1990"}, "YYYY-MM-DD"),
        ({"pregnant_or_breastfeeding": "yes"}, "call us"),
        ({"blood_thinners": "maybe"}, "Select a valid choice"),
        ({"pregnant_or_breastfeeding": ""}, "answer yes or no"),
    ],
)
def test_medical_form_refusals_are_clear_and_save_nothing(client, spa, day, overrides, message):
    response = client.post(f"/book/{spa.botox.slug}/", botox_post(spa, day, **overrides))
    assert response.status_code == 200
    assert message in page(response)
    assert not Appointment.objects.exists() and not Client.objects.exists()


def _tampered_cases(spa, day):
    stranger = PractitionerFactory(display_name="Not Qualified")
    retired = TreatmentFactory(is_active=False)
    return [
        ({"practitioner": str(stranger.pk)}, "practitioners listed"),
        ({"practitioner": "99999"}, "practitioners listed"),
        ({"practitioner": "abc"}, "practitioners listed"),
        ({"start": at(day, 10, 5).isoformat()}, "every 15 minutes"),
        ({"start": at(day, 6).isoformat()}, "not working"),
        ({"start": "2020-01-06T10:00:00-05:00"}, "already passed"),
        ({"start": "9999-12-31T23:59:59-05:00"}, "times offered"),
        ({"start": "2099-12-31T10:00:00-05:00"}, "days ahead"),
        ({"start": "2027-06-08T10:00:00+23:59"}, "times offered"),
        ({"start": "2027-06-08T10:00:00\x00"}, "Null characters are not allowed"),
        ({"submission": "<script>"}, "reload the page"),
        ({"start": "2027-06-08T10:00:00"}, "times offered"),
        ({"start": "tomorrow"}, "times offered"),
        ({"start": ""}, "choose a time"),
        ({"email": "mia@example.com\r\nBcc: victim@example.com"}, "valid email"),
        ({"first_name": "Mia\r\nBcc: x@example.com"}, "one line"),
        ({"phone": "<script>"}, "phone number"),
    ], retired


def test_tampered_fields_are_refused_with_a_message_and_nothing_saved(client, spa, day):
    cases, retired = _tampered_cases(spa, day)
    for overrides, message in cases:
        response = client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day, **overrides))
        assert response.status_code == 200, overrides
        assert message in page(response), (
            overrides,
            re.findall(r"<li>.*?</li>", page(response))[:5],
        )
    assert client.post(f"/book/{retired.slug}/", facial_post(spa, day)).status_code == 404
    assert not Appointment.objects.exists()
    assert not Client.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_injected_status_price_and_client_are_ignored(client, spa, day):
    other = Client.objects.create(
        first_name="Eve", last_name="Other", email="eve@example.com", phone="1"
    )
    data = facial_post(
        spa,
        day,
        status="completed",
        price="0.01",
        client=str(other.pk),
        token="x" * 43,
        source="front_desk",
    )
    client.post(f"/book/{spa.facial.slug}/", data)
    appointment = Appointment.objects.get()
    assert appointment.status == "confirmed"
    assert appointment.price == spa.facial.price
    assert appointment.client_email == "mia@example.com"
    assert appointment.token != "x" * 43
    assert appointment.source == "online"


def test_posting_the_same_form_twice_books_once(client, spa, day):
    form = client.get(
        f"/book/{spa.facial.slug}/",
        {"practitioner": spa.esthetician.pk, "start": at(day, 10).isoformat()},
    ).context["form"]
    key = form.initial["submission"]
    assert len(key) >= 32
    first = client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day, submission=key))
    second = client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day, submission=key))
    assert first["Location"] == second["Location"]
    assert Appointment.objects.count() == 1


def test_someone_elses_email_never_leads_to_their_booking(client, spa, day):
    """Typing a client's email and the time they took must not reveal their manage link."""
    victim = client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day, submission="a" * 32))
    attacker = client.post(
        f"/book/{spa.facial.slug}/",
        facial_post(spa, day, first_name="Mallory", submission="b" * 32),
    )
    assert attacker.status_code == 200
    assert victim["Location"] not in attacker.content.decode()
    assert "just taken" in attacker.content.decode()
    assert Appointment.objects.count() == 1


def test_losing_a_slot_shows_the_nearest_free_times(client, spa, day):
    client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day))
    response = client.post(
        f"/book/{spa.facial.slug}/", facial_post(spa, day, email="late@example.com")
    )
    html = page(response)
    assert "That time was just taken" in html
    assert "These times are still free" in html
    assert Appointment.objects.count() == 1


def test_cancel_and_the_old_link_afterwards(client, spa, day):
    location = client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day))["Location"]
    token = location.strip("/").split("/")[-1]
    assert client.get(f"/bookings/{token}/cancel/").status_code == 405
    response = client.post(f"/bookings/{token}/cancel/", follow=True)
    assert "cancelled" in page(response)
    assert Appointment.objects.get().status == "cancelled"
    old_link = client.get(f"/bookings/{token}/reschedule/", follow=True)
    assert "can no longer be changed online" in page(old_link)
    moved = client.post(
        f"/bookings/{token}/reschedule/", {"start": at(day, 14).isoformat()}, follow=True
    )
    assert Appointment.objects.get().start == at(day, 10)
    assert "can no longer be changed online" in page(moved)


def test_reschedule_moves_the_appointment(client, spa, day):
    location = client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day))["Location"]
    token = location.strip("/").split("/")[-1]
    picker = client.get(f"/bookings/{token}/reschedule/?date={day}")
    assert at(day, 14).isoformat() in page(picker)
    response = client.post(f"/bookings/{token}/reschedule/", {"start": at(day, 14).isoformat()})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.start == at(day, 14) and appointment.token == token
    refused = client.post(f"/bookings/{token}/reschedule/", {"start": at(day, 14, 5).isoformat()})
    assert "every 15 minutes" in page(refused)


def test_unknown_tokens_are_404(client, spa):
    assert client.get("/bookings/" + "A" * 43 + "/").status_code == 404
    assert client.get("/bookings/short/").status_code == 404
    assert client.post("/bookings/" + "A" * 43 + "/cancel/").status_code == 404


def test_calendar_file_is_valid_and_medical_ones_do_not_name_the_treatment(client, spa, day):
    location = client.post(f"/book/{spa.botox.slug}/", botox_post(spa, day))["Location"]
    response = client.get(location + "calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    start_utc = at(day, 10).astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start_utc}" in body
    assert "SUMMARY:Appointment at" in body
    assert "Botox" not in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_booking_posts_are_rate_limited(client, spa, day, settings):
    settings.BOOKING_RATE_LIMIT = 3
    from django.core.cache import cache

    cache.clear()
    statuses = [
        client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day, start="bad")).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    assert client.get(f"/book/{spa.facial.slug}/").status_code == 200
    cache.clear()


class TestAvailabilityApi:
    def test_contract_shape(self, client, spa, day):
        body = client.get(f"/api/availability/?treatment={spa.facial.slug}&date={day}").json()
        assert body["treatment"] == spa.facial.slug and body["date"] == day.isoformat()
        assert body["time_zone"] == "America/New_York"
        slot = body["slots"][0]
        assert set(slot) == {"start", "end", "practitioner", "practitioner_name", "resources"}
        assert slot["resources"] == []  # a facial that needs no room here
        start = datetime.datetime.fromisoformat(slot["start"])
        assert start.utcoffset() is not None and start.astimezone(NY).date() == day

    def test_days_parameter_spans_several_days(self, client, spa, day):
        body = client.get(
            f"/api/availability/?treatment={spa.facial.slug}&date={day}&days=7"
        ).json()
        days = {datetime.datetime.fromisoformat(s["start"]).date() for s in body["slots"]}
        assert len(days) >= 5

    @pytest.mark.parametrize(
        "query",
        [
            "date=not-a-date",
            "date=2020-01-01",
            "date=9999-12-31",
            "days=0",
            "days=32",
            "days=x",
            "practitioner=abc",
            "practitioner=999999",
        ],
    )
    def test_bad_parameters_are_400_with_a_message(self, client, spa, day, query):
        params = dict(part.split("=") for part in query.split("&"))
        params.setdefault("date", day.isoformat())
        params["treatment"] = spa.facial.slug
        response = client.get("/api/availability/", params)
        assert response.status_code == 400
        assert response.json()["error"]

    def test_unknown_treatment_is_404(self, client, spa, day):
        assert client.get(f"/api/availability/?treatment=nope&date={day}").status_code == 404


@pytest.mark.parametrize(
    ("proxies", "forwarded", "seen"),
    [
        (0, "203.0.113.7", "127.0.0.1"),  # no proxy of ours: the header is the client's
        (1, "198.51.100.9, 203.0.113.7", "203.0.113.7"),  # forged first hop ignored
        (2, "198.51.100.9, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "127.0.0.1"),  # fewer hops than proxies: not trusted
    ],
)
def test_client_address_behind_a_counted_number_of_proxies(rf, settings, proxies, forwarded, seen):
    from medspa.client_address import client_address

    settings.TRUSTED_PROXY_COUNT = proxies
    settings.TRUST_X_FORWARDED_FOR = False
    request = rf.post("/book/x/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")
    assert client_address(request) == seen
