"""Text reminders: when they go (text hours, daylight saving), with whose consent, what
they say, and how a reply of C, STOP, START or HELP and the confirm link act.

Texts go through the real Twilio SDK with a recording HTTP client (no network)."""

import datetime
import io
import json
import logging
from urllib.parse import parse_qs

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

from bookings.models import (
    Appointment,
    AppointmentEvent,
    OutboundEmail,
    OutboundText,
    TextOptOut,
)
from bookings.services import delivery
from bookings.services.appointments import appointment_book
from bookings.services.clients import ClientDetails
from bookings.services.reminders import plan_reminders, text_moment
from medspa import texts
from medspa.texts import TwilioBackend
from tests.spa import CONSENT, NY, intake_answers

pytestmark = pytest.mark.django_db

PHONE = "+12125550123"
TOKEN = "test-auth-token-0123456789abcdef"


def ny(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=NY)


@pytest.fixture
def open_all_day(spa):
    for person in (spa.esthetician, spa.nurse):
        person.working_hours.all().delete()
        for weekday in range(7):
            person.working_hours.create(
                weekday=weekday, starts_at=datetime.time(0), ends_at=datetime.time(23, 45)
            )
    return spa


def book(spa, start, *, texts_ok=True, treatment=None, booked_days_before=5):
    treatment = treatment or spa.facial
    client = ClientDetails("Mia", "Lopez", "mia@example.com", PHONE, sms_opt_in=texts_ok)
    with time_machine.travel(start - datetime.timedelta(days=booked_days_before), tick=False):
        appointment = appointment_book(
            treatment=treatment,
            practitioner=spa.nurse if treatment.is_medical else spa.esthetician,
            start=start,
            client=client,
            intake=intake_answers() if treatment.is_medical else None,
            consent=CONSENT if treatment.is_medical else None,
        )
    return appointment


def planned_at(moment) -> list[str]:
    with time_machine.travel(moment, tick=False):
        return [message.kind for message in plan_reminders()]


# When the texts go


@pytest.mark.parametrize(
    ("moment", "start", "goes_at"),
    [
        (ny(2027, 6, 8, 7, 0), ny(2027, 6, 8, 9, 0), ny(2027, 6, 8, 8, 0)),  # before 8 am
        # After 9 pm, or for a visit before 8: shortly before 9 pm, to have gone by then.
        (ny(2027, 6, 7, 22, 30), ny(2027, 6, 8, 22, 30), ny(2027, 6, 7, 20, 45)),
        (ny(2027, 6, 8, 5, 30), ny(2027, 6, 8, 7, 30), ny(2027, 6, 7, 20, 45)),
        (ny(2027, 6, 8, 6, 0), ny(2027, 6, 8, 8, 0), ny(2027, 6, 7, 20, 45)),
        (ny(2027, 6, 8, 12, 0), ny(2027, 6, 8, 14, 0), ny(2027, 6, 8, 12, 0)),  # inside
        # 3 am on the morning the clocks go forward, and on the one they go back.
        (ny(2027, 3, 14, 3, 0), ny(2027, 3, 14, 9, 0), ny(2027, 3, 14, 8, 0)),
        (ny(2027, 11, 7, 3, 0), ny(2027, 11, 7, 9, 0), ny(2027, 11, 7, 8, 0)),
    ],
)
def test_a_text_moment_outside_text_hours_moves_to_the_edge(moment, start, goes_at):
    assert text_moment(moment, start) == goes_at


def test_the_reminder_schedule_across_the_spring_daylight_saving_change(open_all_day):
    # Sunday 14 March 2027, 10 am EDT: 24 real hours before is Saturday 9 am EST.
    appointment = book(open_all_day, ny(2027, 3, 14, 10, 0))
    assert appointment.client_confirmed_at is None  # booked five days ahead
    # 48 real hours before is Friday 9 am EST: the mail with the confirm link.
    assert planned_at(ny(2027, 3, 12, 8, 59)) == []
    assert planned_at(ny(2027, 3, 12, 9, 0)) == ["reminder"]
    assert planned_at(ny(2027, 3, 13, 8, 59)) == []
    assert planned_at(ny(2027, 3, 13, 9, 0)) == ["text_unconfirmed"]
    assert planned_at(ny(2027, 3, 14, 7, 59)) == []
    # Two real hours before 10 am EDT is 8 am EDT, the clocks having jumped at 2 am.
    assert planned_at(ny(2027, 3, 14, 8, 0)) == ["text_same_day"]
    assert planned_at(ny(2027, 3, 14, 9, 0)) == []  # never twice


def test_the_reminder_schedule_across_the_autumn_daylight_saving_change(open_all_day):
    # Sunday 7 November 2027, 10 am EST: 24 real hours before is Saturday 11 am EDT.
    book(open_all_day, ny(2027, 11, 7, 10, 0))
    assert planned_at(ny(2027, 11, 5, 11, 0)) == ["reminder"]  # the 48-hour mail
    assert planned_at(ny(2027, 11, 6, 10, 59)) == []
    assert planned_at(ny(2027, 11, 6, 11, 0)) == ["text_unconfirmed"]
    assert planned_at(ny(2027, 11, 7, 7, 59)) == []
    assert planned_at(ny(2027, 11, 7, 8, 0)) == ["text_same_day"]


def test_no_text_without_the_clients_consent(open_all_day):
    book(open_all_day, ny(2027, 6, 9, 14, 0), texts_ok=False)
    assert planned_at(ny(2027, 6, 7, 14, 0)) == ["reminder"]
    assert planned_at(ny(2027, 6, 8, 14, 0)) == []
    assert planned_at(ny(2027, 6, 9, 12, 0)) == []


def test_booked_inside_the_confirm_window_counts_as_confirmed(open_all_day):
    appointment = book(open_all_day, ny(2027, 6, 9, 14, 0), booked_days_before=1.5)
    assert appointment.client_confirmed_at is not None
    # The day before: a plain reminder mail, no "please confirm" mail or text.
    assert planned_at(ny(2027, 6, 8, 14, 0)) == ["reminder"]
    reminder = OutboundEmail.objects.get(kind="reminder")
    assert "/confirm/" not in reminder.body and "Will you be there" not in reminder.body
    assert planned_at(ny(2027, 6, 9, 12, 0)) == ["text_same_day"]


def test_without_texts_the_reminder_mail_still_goes_after_a_worker_outage(open_all_day):
    book(open_all_day, ny(2027, 6, 9, 14, 0), texts_ok=False)
    # The worker was down from two days before until the morning of the visit.
    assert planned_at(ny(2027, 6, 9, 9, 0)) == ["reminder"]


def test_a_visit_at_eight_gets_its_same_day_text_the_evening_before(open_all_day):
    book(open_all_day, ny(2027, 6, 9, 8, 0))
    with time_machine.travel(ny(2027, 6, 8, 20, 45), tick=False):
        call_schedule()
    assert [text.body for text in texts.outbox if "see you tomorrow at 8:00 AM" in text.body]
    assert OutboundText.objects.get(kind="text_same_day").state == "sent"


def test_the_consent_is_stored_with_its_time_and_wording(open_all_day, settings):
    appointment = book(open_all_day, ny(2027, 6, 9, 14, 0))
    assert appointment.sms_opt_in_at == ny(2027, 6, 4, 14, 0)
    assert appointment.sms_consent_wording == settings.SMS_CONSENT_WORDING
    assert "STOP" in appointment.sms_consent_wording


def test_a_medical_text_names_neither_treatment_nor_practitioner(open_all_day):
    appointment = book(open_all_day, ny(2027, 6, 9, 14, 0), treatment=open_all_day.botox)
    Appointment.objects.filter(pk=appointment.pk).update(status="confirmed")  # approved
    with time_machine.travel(ny(2027, 6, 9, 12, 0), tick=False):
        call_schedule()
    [text] = texts.outbox
    assert text.to == PHONE and "2:00 PM" in text.body and "today" in text.body
    for secret in ("Botox", "Nora", "Nurse", "botox"):
        assert secret not in text.body
    assert "appointment" in text.body


def test_a_day_spa_text_names_what_and_with_whom(open_all_day):
    book(open_all_day, ny(2027, 6, 9, 14, 0))
    with time_machine.travel(ny(2027, 6, 9, 12, 0), tick=False):
        call_schedule()
    [text] = texts.outbox
    assert "Hydrating facial with Ella" in text.body


def call_schedule():
    call_command("send_reminders", stdout=io.StringIO())


def test_a_text_due_outside_text_hours_waits_for_the_morning(open_all_day):
    book(open_all_day, ny(2027, 6, 9, 14, 0))
    with time_machine.travel(ny(2027, 6, 8, 14, 0), tick=False):
        [planned] = plan_reminders()
    # The worker was down all evening; it comes back at 11 pm.
    with time_machine.travel(ny(2027, 6, 8, 23, 0), tick=False):
        assert delivery.deliver_text(planned.pk) == "queued"
    planned.refresh_from_db()
    assert planned.next_attempt_at == ny(2027, 6, 9, 8, 0) and planned.attempts == 0
    assert texts.outbox == []


# Confirming


def test_the_confirm_link_asks_on_get_and_confirms_on_post(client, open_all_day):
    appointment = book(open_all_day, ny(2027, 6, 9, 14, 0))
    url = reverse("bookings:confirm", kwargs={"token": appointment.token})
    with time_machine.travel(ny(2027, 6, 7, 15, 0), tick=False):
        page = client.get(url)
        assert page.status_code == 200 and b"Will you be there?" in page.content
        appointment.refresh_from_db()
        assert appointment.client_confirmed_at is None  # a mail scanner's GET does nothing
        done = client.post(url)
    assert b"Thank you, you're confirmed" in done.content
    appointment.refresh_from_db()
    assert appointment.client_confirmed_at == ny(2027, 6, 7, 15, 0)
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.events.filter(action=AppointmentEvent.Action.CLIENT_CONFIRMED).exists()
    # No "please confirm" text any more; the reminder mail no longer asks either.
    assert planned_at(ny(2027, 6, 8, 14, 0)) == ["reminder"]
    assert "Will you be there" not in OutboundEmail.objects.get(kind="reminder").body


def test_a_cancelled_visit_cannot_be_confirmed(client, open_all_day):
    appointment = book(open_all_day, ny(2027, 6, 9, 14, 0))
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled")
    url = reverse("bookings:confirm", kwargs={"token": appointment.token})
    with time_machine.travel(ny(2027, 6, 7, 15, 0), tick=False):
        page = client.post(url)
    assert b"Nothing to confirm" in page.content
    appointment.refresh_from_db()
    assert appointment.client_confirmed_at is None


# Twilio's webhooks


@pytest.fixture
def twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SITE_URL = "https://spa.example.com"
    return settings


def signed_post(client, name, fields, *, token=TOKEN, query=""):
    path = reverse(f"bookings:{name}") + query
    signature = RequestValidator(token).compute_signature(f"https://spa.example.com{path}", fields)
    # Behind the proxy Django sees plain http: the signature is over the public URL.
    return client.post(path, fields, HTTP_X_TWILIO_SIGNATURE=signature)


def reply(client, body):
    return signed_post(client, "text_inbound", {"From": PHONE, "Body": body, "To": "+1212"})


def test_an_unsigned_or_forged_webhook_gets_403_and_changes_nothing(client, open_all_day, twilio):
    appointment = book(open_all_day, ny(2027, 6, 9, 14, 0))
    path = reverse("bookings:text_inbound")
    assert client.post(path, {"From": PHONE, "Body": "STOP"}).status_code == 403
    assert reply_with_wrong_token(client).status_code == 403
    assert client.get(path).status_code == 405
    assert client.post(reverse("bookings:text_status"), {"MessageSid": "SM1"}).status_code == 403
    assert not TextOptOut.objects.exists()
    appointment.refresh_from_db()
    assert appointment.client_confirmed_at is None


def reply_with_wrong_token(client):
    fields = {"From": PHONE, "Body": "STOP"}
    return signed_post(client, "text_inbound", fields, token="someone-elses-token-000000")


def test_no_auth_token_refuses_every_webhook(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    response = client.post(
        reverse("bookings:text_inbound"), {"Body": "C"}, HTTP_X_TWILIO_SIGNATURE="x"
    )
    assert response.status_code == 403


def test_a_reply_of_c_confirms_the_next_visit(client, open_all_day, twilio):
    appointment = book(open_all_day, ny(2027, 6, 9, 14, 0))
    with time_machine.travel(ny(2027, 6, 8, 14, 5), tick=False):
        response = reply(client, " c ")
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    assert b"you're confirmed for tomorrow at 2:00 PM" in response.content
    appointment.refresh_from_db()
    assert appointment.client_confirmed_at == ny(2027, 6, 8, 14, 5)


def test_stop_stops_every_later_text_and_start_brings_them_back(client, open_all_day, twilio):
    appointment = book(open_all_day, ny(2027, 6, 9, 14, 0))
    with time_machine.travel(ny(2027, 6, 8, 14, 0), tick=False):
        [queued] = plan_reminders()  # the 24-hour text, not sent yet
        response = reply(client, "STOP")
    assert response.status_code == 200
    assert TextOptOut.objects.filter(phone=PHONE).exists()
    queued.refresh_from_db()
    assert queued.state == "skipped" and "STOP" in queued.last_error
    assert appointment.events.filter(action=AppointmentEvent.Action.TEXTS_STOPPED).exists()
    with time_machine.travel(ny(2027, 6, 9, 12, 0), tick=False):
        call_schedule()  # the same-day text is planned, and skipped at send
    assert texts.outbox == []
    assert OutboundText.objects.get(kind="text_same_day").state == "skipped"

    reply(client, "START")
    assert not TextOptOut.objects.exists()


def test_help_answers(client, twilio, settings):
    response = reply(client, "help")
    assert settings.SPA_PHONE.encode() in response.content
    assert b"STOP to opt out" in response.content


def test_a_failed_delivery_report_marks_the_text_failed_for_the_desk(client, open_all_day, twilio):
    book(open_all_day, ny(2027, 6, 9, 14, 0))
    with time_machine.travel(ny(2027, 6, 9, 12, 0), tick=False):
        call_schedule()
    text = OutboundText.objects.get()
    assert text.state == "sent" and text.provider_id.startswith("locmem-")
    fields = {"MessageSid": text.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    query = f"?text={text.pk}"
    assert signed_post(client, "text_status", fields, query=query).status_code == 204
    text.refresh_from_db()
    assert text.state == "failed" and text.delivery_status == "undelivered"
    assert "30003" in text.last_error
    # A late "sent" report changes nothing; another text's id with this SID is refused.
    late = {**fields, "MessageStatus": "sent"}
    assert signed_post(client, "text_status", late, query=query).status_code == 204
    text.refresh_from_db()
    assert text.delivery_status == "undelivered"


# The real Twilio SDK, with a recording HTTP client instead of the network


class RecordingHttpClient(HttpClient):
    requests: list[dict] = []
    answer = (201, {"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"})

    def __init__(self):
        super().__init__(logger=logging.getLogger("twilio.test"), is_async=False)

    def request(self, method, url, params=None, data=None, headers=None, auth=None, **kwargs):
        self.requests.append({"method": method, "url": url, "data": data, "auth": auth})
        status, body = self.answer
        return Response(status, json.dumps(body))


class RecordingTwilioBackend(TwilioBackend):
    def http_client(self):
        return RecordingHttpClient()


@pytest.fixture
def real_twilio(settings):
    settings.TEXT_BACKEND = f"{__name__}.RecordingTwilioBackend"
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM = "+12125550100"
    settings.SITE_URL = "https://spa.example.com"
    RecordingHttpClient.requests = []
    RecordingHttpClient.answer = (201, {"sid": "SM" + "1" * 32, "status": "queued"})
    return RecordingHttpClient


def test_a_text_goes_through_twilios_sdk(open_all_day, real_twilio):
    book(open_all_day, ny(2027, 6, 9, 14, 0))
    with time_machine.travel(ny(2027, 6, 9, 12, 0), tick=False):
        call_schedule()
    [request] = real_twilio.requests
    assert request["method"] == "POST"
    assert (
        request["url"] == f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Messages.json"
    )
    assert request["auth"] == (f"AC{'0' * 32}", TOKEN)
    sent = request["data"]
    if isinstance(sent, str):
        sent = {key: values[0] for key, values in parse_qs(sent).items()}
    assert sent["To"] == PHONE and sent["From"] == "+12125550100"
    text = OutboundText.objects.get()
    assert sent["StatusCallback"] == f"https://spa.example.com/sms/status/?text={text.pk}"
    assert "see you today at 2:00 PM" in sent["Body"]
    text = OutboundText.objects.get()
    assert text.state == "sent" and text.provider_id == "SM" + "1" * 32


def test_twilio_refusing_an_unsubscribed_number_fails_the_text_and_records_the_stop(
    open_all_day, real_twilio
):
    real_twilio.answer = (400, {"code": 21610, "message": "Attempt to send to unsubscribed"})
    book(open_all_day, ny(2027, 6, 9, 14, 0))
    with time_machine.travel(ny(2027, 6, 9, 12, 0), tick=False):
        call_schedule()
    text = OutboundText.objects.get()
    assert text.state == "failed" and "21610" in text.last_error
    assert TextOptOut.objects.filter(phone=PHONE).exists()


def test_twilio_down_keeps_the_text_for_a_retry(open_all_day, real_twilio):
    real_twilio.answer = (503, {"code": 20503, "message": "Service unavailable"})
    book(open_all_day, ny(2027, 6, 9, 14, 0))
    with time_machine.travel(ny(2027, 6, 9, 12, 0), tick=False):
        call_schedule()
    text = OutboundText.objects.get()
    assert text.state == "queued" and text.attempts == 1 and text.last_error
    real_twilio.answer = (201, {"sid": "SM" + "2" * 32, "status": "queued"})
    with time_machine.travel(ny(2027, 6, 9, 12, 5), tick=False):
        call_schedule()
    text.refresh_from_db()
    assert text.state == "sent" and len(real_twilio.requests) == 2


def test_the_manage_page_offers_the_confirmation_until_given(client, open_all_day):
    appointment = book(open_all_day, ny(2027, 6, 9, 14, 0))
    with time_machine.travel(ny(2027, 6, 7, 15, 0), tick=False):
        page = client.get(appointment.get_absolute_url())
        assert b"Confirm I&#x27;ll be there" in page.content or b"Confirm I'll be there" in (
            page.content
        )
        client.post(reverse("bookings:confirm", kwargs={"token": appointment.token}))
        page = client.get(appointment.get_absolute_url())
    assert b"You have confirmed you" in page.content
    assert b"Confirm I" not in page.content


def test_bad_twilio_credentials_keep_the_text_queued_until_fixed(open_all_day, real_twilio):
    real_twilio.answer = (401, {"code": 20003, "message": "Authenticate"})
    book(open_all_day, ny(2027, 6, 9, 14, 0))
    with time_machine.travel(ny(2027, 6, 9, 12, 0), tick=False):
        call_schedule()
    text = OutboundText.objects.get()
    assert text.state == "queued" and "401" in text.last_error
    assert not TextOptOut.objects.exists()
