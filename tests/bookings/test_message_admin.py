"""The outbox and the opt-outs in the admin: a message that finally failed is easy to
find, with its reason, for the front desk (and nobody without the permission); the
desk records a client's opt-out asked for on the phone but never takes one back; the
appointment page shows the client's confirmation, text consent and messages."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import (
    Appointment,
    AppointmentEvent,
    MailOptOut,
    OutboundEmail,
    OutboundText,
    TextOptOut,
)
from bookings.services.appointments import appointment_book
from tests.factories import UserFactory
from tests.security.helpers import front_desk_user
from tests.spa import at, client_details, next_working_day

pytestmark = pytest.mark.django_db
ADMIN = "/admin/bookings"
LISTS = ["outboundtext", "outboundemail", "textoptout", "mailoptout"]
PHONE = "+12125550113"


@pytest.fixture
def visit(spa):
    return appointment_book(
        treatment=spa.facial,
        practitioner=spa.esthetician,
        start=at(next_working_day(), 10),
        client=client_details("stan@example.com", first_name="Stan", phone=PHONE, sms_opt_in=True),
    )


def failed_text(visit, reason="Twilio 21610: unsubscribed recipient", **kw) -> OutboundText:
    return OutboundText.objects.create(
        to=visit.client_phone,
        body="See you soon",
        kind="text_unconfirmed",
        state="failed",
        attempts=5,
        last_error=reason,
        appointment=visit,
        **kw,
    )


@pytest.fixture
def desk(client, spa):
    client.force_login(front_desk_user("desk"))
    return client


def test_the_front_desk_finds_failed_mail_and_texts_with_their_reason(desk, visit):
    failed_text(visit)
    OutboundText.objects.create(to=PHONE, body="ok", kind="text_same_day", state="sent")
    mail = visit.emails.first()
    OutboundEmail.objects.filter(pk=mail.pk).update(
        state="failed", attempts=5, last_error="SMTP 550 5.1.1 mailbox unavailable"
    )
    texts = desk.get(f"{ADMIN}/outboundtext/?state__exact=failed")
    assert texts.status_code == 200
    assert texts.context["cl"].result_count == 1
    page = texts.content.decode()
    assert "Twilio 21610: unsubscribed recipient" in page and "+1 212-555-0113" in page
    mails = desk.get(f"{ADMIN}/outboundemail/?state__exact=failed").content.decode()
    assert "SMTP 550 5.1.1 mailbox unavailable" in mails
    # The dashboard counts the week's failures and links to them.
    index = desk.get("/admin/")
    failed = {what: (count, link) for what, count, link in index.context["failed_messages"]}
    assert failed["Mail"][0] == 1 and failed["Texts"][0] == 1
    listed = desk.get(failed["Texts"][1])
    assert listed.status_code == 200 and listed.context["cl"].result_count == 1
    # Read-only: nothing to add, change or delete by hand.
    assert desk.get(f"{ADMIN}/outboundtext/add/").status_code == 403
    text = OutboundText.objects.get(state="failed")
    assert desk.get(f"{ADMIN}/outboundtext/{text.pk}/delete/").status_code == 403
    detail = desk.get(f"{ADMIN}/outboundtext/{text.pk}/change/").content.decode()
    assert "Twilio 21610" in detail and 'name="_save"' not in detail


@pytest.mark.parametrize("name", LISTS)
def test_the_lists_are_refused_without_the_permission(client, spa, name):
    client.force_login(UserFactory(username="staff", is_staff=True))
    assert client.get(f"{ADMIN}/{name}/").status_code == 403
    assert client.get(f"{ADMIN}/{name}/add/").status_code == 403


@pytest.mark.parametrize("name", LISTS)
def test_the_front_desk_reaches_every_list(desk, visit, name):
    failed_text(visit)
    TextOptOut.objects.create(phone="+12125550199")
    MailOptOut.objects.create(email="gone@example.com")
    assert desk.get(f"{ADMIN}/{name}/").status_code == 200
    assert desk.get(f"{ADMIN}/{name}/?q=555").status_code == 200


def test_the_desk_records_a_text_opt_out_asked_for_on_the_phone(desk, visit):
    queued = OutboundText.objects.create(to=PHONE, body="Reminder", kind="text_same_day")
    response = desk.post(f"{ADMIN}/textoptout/add/", {"phone": "(212) 555-0113"})
    assert response.status_code == 302
    opt_out = TextOptOut.objects.get()
    assert opt_out.phone == PHONE  # E.164, as a STOP by text records it
    queued.refresh_from_db()
    assert queued.state == "skipped" and "opted out" in queued.last_error
    event = visit.events.get(action=AppointmentEvent.Action.TEXTS_STOPPED)
    assert event.user.username == "desk" and event.detail == "asked the front desk"
    # Twice is said, not an error page; a number that is not one is refused.
    again = desk.post(f"{ADMIN}/textoptout/add/", {"phone": "212-555-0113"})
    assert again.status_code == 200 and TextOptOut.objects.count() == 1
    assert desk.post(f"{ADMIN}/textoptout/add/", {"phone": "12"}).status_code == 200
    # Taking it back is the client's (START) or a manager's: not the desk's.
    assert desk.get(f"{ADMIN}/textoptout/{opt_out.pk}/delete/").status_code == 403
    assert desk.post(f"{ADMIN}/textoptout/{opt_out.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TextOptOut.objects.filter(pk=opt_out.pk).exists()
    assert (
        "Texts off (STOP)"
        in desk.get(f"/admin/bookings/appointment/day/?date={next_working_day()}").content.decode()
    )


def test_the_desk_records_a_mail_opt_out_and_a_manager_takes_it_back(desk, admin_client, spa):
    assert desk.post(f"{ADMIN}/mailoptout/add/", {"email": " Gone@Example.com "}).status_code == 302
    opt_out = MailOptOut.objects.get()
    assert opt_out.email == "gone@example.com"
    assert desk.get(f"{ADMIN}/mailoptout/{opt_out.pk}/delete/").status_code == 403
    response = admin_client.post(f"{ADMIN}/mailoptout/{opt_out.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not MailOptOut.objects.exists()


def test_the_appointment_page_shows_confirmation_consent_and_messages(desk, visit):
    failed_text(visit)
    url = f"{ADMIN}/appointment/{visit.pk}/change/"
    page = desk.get(url).content.decode()
    assert "Client confirmed" in page and "Not yet" in page
    assert settings.SMS_CONSENT_WORDING in page.replace("&#x27;", "'")
    assert "Text: unconfirmed" in page and "Twilio 21610: unsubscribed recipient" in page
    assert "Mail: confirmed" in page
    Appointment.objects.filter(pk=visit.pk).update(client_confirmed_at=timezone.now())
    TextOptOut.objects.create(phone=PHONE)
    page = desk.get(url).content.decode()
    assert "Yes, " in page and "Texts off: the number opted out (STOP)" in page


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["outboundtext", "outboundemail"])
def test_the_outbox_lists_cost_fixed_queries(desk, visit, monkeypatch, name):
    monkeypatch.setattr("medspa.sessions.REFRESH_SECONDS", 10**9)
    url = f"{ADMIN}/{name}/?state__exact=failed"
    desk.get(url)
    failed_text(visit)
    OutboundEmail.objects.update(state="failed", last_error="SMTP 550")
    small = _queries(desk, url)
    for n in range(20):
        failed_text(visit, reason=f"Twilio 300{n:02d}")
        OutboundEmail.objects.create(
            to=f"p{n}@example.com",
            subject="s",
            body="b",
            kind="x",
            state="failed",
            last_error="SMTP 550",
            appointment=visit,
        )
    assert _queries(desk, url) == small
