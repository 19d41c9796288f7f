"""The waitlist (issue 21): joining, a freed time offered to one entry at a time in
join order, the hold counted as busy, accepting through the booking writer, and the
minute schedule passing an expired hold on. The clock is pinned (time-machine);
TASKS_SYNC=1 runs the worker's tasks at commit."""

import datetime

import pytest
import time_machine
from django.core import mail

from bookings.availability import Policy
from bookings.models import Appointment, OutboundEmail, WaitlistEntry, WaitlistOffer
from bookings.selectors.booking import available_slots
from bookings.services import delivery
from bookings.services.appointment_changes import appointment_cancel
from bookings.services.waitlist import WindowWanted, waitlist_join
from tests.factories import PractitionerFactory, WorkingHoursFactory
from tests.spa import NOW, TUESDAY, add_rooms, at, book_facial_at, client_details

pytestmark = pytest.mark.django_db

WEDNESDAY = TUESDAY + datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def join(spa, email, *, day=TUESDAY, practitioner=None, treatment=None, hours=(9, 12)):
    return waitlist_join(
        treatment=treatment or spa.facial,
        practitioner=practitioner,
        client=client_details(email, first_name=email.split("@")[0].title()),
        windows=[
            WindowWanted(
                date_from=day,
                date_to=day,
                earliest=datetime.time(hours[0]),
                latest=datetime.time(hours[1]),
            )
        ],
    )


def cancel(appointment, capture):
    with capture(execute=True):
        appointment_cancel(appointment=appointment, by_client=False)


@pytest.fixture
def booked(spa):
    """Tuesday 10:00 with the esthetician, booked before anyone joined."""
    return book_facial_at(spa, at(TUESDAY, 10), practitioner=spa.esthetician, email="a@example.com")


def offer_mail(to: str):
    return [m for m in mail.outbox if m.to == [to] and "come free" in m.subject]


def test_a_cancellation_makes_one_offer_to_the_first_matching_entry(
    spa, booked, django_capture_on_commit_callbacks
):
    wrong_day = join(spa, "wednesday@example.com", day=WEDNESDAY)
    wrong_treatment = join(spa, "botox@example.com", treatment=spa.botox)  # not hers
    first = join(spa, "first@example.com")
    later = join(spa, "later@example.com", practitioner=spa.esthetician)
    mail.outbox.clear()

    cancel(booked, django_capture_on_commit_callbacks)

    offer = WaitlistOffer.objects.get()
    assert offer.entry == first
    assert (offer.start, offer.practitioner) == (at(TUESDAY, 10), spa.esthetician)
    assert offer.state == WaitlistOffer.State.HELD
    assert offer.hold_until == NOW + datetime.timedelta(minutes=30)
    assert WaitlistEntry.objects.get(pk=first.pk).state == WaitlistEntry.State.OFFERED
    for other in (wrong_day, wrong_treatment, later):
        assert WaitlistEntry.objects.get(pk=other.pk).state == WaitlistEntry.State.WAITING
    (sent,) = offer_mail("first@example.com")
    assert offer.get_absolute_url() in sent.body
    assert "Tuesday 8 June 2027, 10:00 AM" in sent.body  # the spa's words and zone
    assert not offer_mail("later@example.com")


def test_while_held_the_time_is_busy_online_and_not_shown(
    spa, booked, client, django_capture_on_commit_callbacks
):
    join(spa, "first@example.com", practitioner=spa.esthetician)
    cancel(booked, django_capture_on_commit_callbacks)
    assert WaitlistOffer.objects.count() == 1

    api = client.get(
        "/api/availability/",
        {"treatment": "hydrating-facial", "date": "2027-06-08", "practitioner": spa.esthetician.pk},
    ).json()
    starts = {slot["start"] for slot in api["slots"]}
    assert "2027-06-08T10:00:00-04:00" not in starts
    assert "2027-06-08T12:00:00-04:00" in starts  # the rest of her day is free

    response = client.post(
        "/book/hydrating-facial/",
        {
            "start": at(TUESDAY, 10).isoformat(),
            "practitioner": spa.esthetician.pk,
            "first_name": "Sneaky",
            "last_name": "Booker",
            "email": "sneaky@example.com",
            "phone": "+1 212 555 0199",
            "submission": "sneaky-1",
        },
    )
    assert response.status_code == 200
    assert "That time was just taken" in response.content.decode()
    assert not Appointment.objects.filter(client_email="sneaky@example.com").exists()


def test_a_hold_keeps_its_room_from_everyone_else(spa, django_capture_on_commit_callbacks):
    rooms = add_rooms(spa)
    nurse_visit = book_facial_at(spa, at(TUESDAY, 10), practitioner=spa.nurse, email="n@x.com")
    freed = book_facial_at(spa, at(TUESDAY, 10), practitioner=spa.esthetician, email="e@x.com")
    join(spa, "first@example.com", practitioner=spa.esthetician)
    cancel(freed, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    assert list(offer.resources.all()) == [rooms.room_2]
    assert nurse_visit.allocations.get().resource == rooms.room_1

    newcomer = PractitionerFactory(display_name="Nia New", qualified_treatments=[spa.facial])
    WorkingHoursFactory(
        practitioner=newcomer, weekday=1, starts_at=datetime.time(9), ends_at=datetime.time(17)
    )
    slots = available_slots(
        spa.facial,
        first_day=TUESDAY,
        days=1,
        now=NOW,
        policy=Policy.from_settings(),
        practitioner_id=newcomer.pk,
    )
    assert at(TUESDAY, 10) not in {slot.start for slot in slots}  # both rooms are taken
    assert at(TUESDAY, 12) in {slot.start for slot in slots}


def accept(client, offer, key):
    return client.post(offer.get_absolute_url(), {"submission": key})


def test_accepting_books_and_a_double_click_gets_the_same_booking(
    spa, booked, client, django_capture_on_commit_callbacks
):
    first = join(spa, "first@example.com")
    cancel(booked, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()

    page = client.get(offer.get_absolute_url())
    assert page.status_code == 200
    assert "Book this time" in page.content.decode()
    assert "10:00 AM" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = accept(client, offer, "click-1")
    appointment = Appointment.objects.get(client_email="first@example.com")
    assert response.status_code == 302
    assert response["Location"] == appointment.get_absolute_url()
    assert (appointment.start, appointment.practitioner) == (at(TUESDAY, 10), spa.esthetician)
    assert appointment.status == Appointment.Status.CONFIRMED
    offer.refresh_from_db()
    assert offer.state == WaitlistOffer.State.ACCEPTED and offer.appointment == appointment
    assert WaitlistEntry.objects.get(pk=first.pk).state == WaitlistEntry.State.BOOKED

    again = accept(client, offer, "click-1")  # the same form, posted twice
    assert again.status_code == 302 and again["Location"] == appointment.get_absolute_url()
    assert Appointment.objects.filter(client_email="first@example.com").count() == 1

    stranger = accept(client, offer, "someone-else")
    assert stranger.status_code == 410
    assert "already been accepted" in stranger.content.decode()
    assert "<form" not in stranger.content.decode().split("<main", 1)[-1].split("</main>")[0]
    assert Appointment.objects.filter(client_email="first@example.com").count() == 1


def test_an_unknown_offer_is_404(client, spa):
    assert client.get("/waitlist/offers/" + "x" * 43 + "/").status_code == 404


def test_an_expired_hold_passes_the_time_to_the_next_entry(
    spa, booked, client, django_capture_on_commit_callbacks
):
    first = join(spa, "first@example.com")
    second = join(spa, "second@example.com")
    cancel(booked, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    assert offer.entry == first

    later = NOW + datetime.timedelta(minutes=31)
    with time_machine.travel(later, tick=False):
        # Past hold_until the time is free at once, before the worker marks anything.
        slots = available_slots(
            spa.facial,
            first_day=TUESDAY,
            days=1,
            now=later,
            policy=Policy.from_settings(),
            practitioner_id=spa.esthetician.pk,
        )
        assert at(TUESDAY, 10) in {slot.start for slot in slots}
        with django_capture_on_commit_callbacks(execute=True):
            delivery.run_schedule()
        gone = client.get(offer.get_absolute_url())

    offer.refresh_from_db()
    assert offer.state == WaitlistOffer.State.EXPIRED
    assert gone.status_code == 410 and "has ended" in gone.content.decode()
    passed = WaitlistOffer.objects.get(state=WaitlistOffer.State.HELD)
    assert passed.entry == second and passed.start == at(TUESDAY, 10)
    assert WaitlistEntry.objects.get(pk=first.pk).state == WaitlistEntry.State.WAITING
    assert offer_mail("second@example.com")


def test_a_lost_task_is_caught_up_by_the_minute(spa, booked):
    join(spa, "first@example.com")
    appointment_cancel(appointment=booked, by_client=False)  # no on-commit: the task is lost
    assert not WaitlistOffer.objects.exists()
    delivery.run_schedule()
    assert WaitlistOffer.objects.get().entry.email == "first@example.com"


def join_form(spa, **overrides):
    data = {
        "practitioner": "",
        "date_from": "2027-06-08",
        "date_to": "2027-06-10",
        "earliest": "09:00",
        "latest": "12:00",
        "first_name": "Wendy",
        "last_name": "Wait",
        "email": "Wendy@Example.com",
        "phone": "+1 212 555 0123",
    }
    data.update(overrides)
    return data


def test_joining_saves_the_entry_and_mails_a_leave_link(
    spa, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/waitlist/hydrating-facial/", join_form(spa))
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.email, entry.phone, entry.practitioner) == (
        "wendy@example.com",
        "+12125550123",
        None,
    )
    window = entry.windows.get()
    assert (window.date_from, window.latest) == (TUESDAY, datetime.time(12))
    assert entry.expires_at == at(datetime.date(2027, 6, 10), 12)
    assert "You are on the waitlist" in client.get(response["Location"]).content.decode()
    (sent,) = mail.outbox
    assert entry.get_leave_url() in sent.body and entry.get_leave_url() in sent.alternatives[0][0]
    assert OutboundEmail.objects.get().appointment is None

    leave = client.post(entry.get_leave_url())
    assert leave.status_code == 200
    assert WaitlistEntry.objects.get().state == WaitlistEntry.State.LEFT


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date_to": "2027-06-07", "date_from": "2027-06-08"}, "must not be before the first"),
        ({"date_from": "2027-06-01"}, "must be today or later"),
        ({"date_to": "2027-12-31"}, "We book up to 90 days ahead"),
        ({"earliest": "12:00", "latest": "09:00"}, "latest start must be after"),
        ({"earliest": "9am"}, "earliest start as HH:MM"),
        ({"date_from": "08/06/2027"}, "first day as YYYY-MM-DD"),
        ({"practitioner": "999999"}, "Please choose one of the practitioners listed"),
        ({"phone": "12"}, "phone"),
        ({"email": ""}, "This field is required"),
    ],
)
def test_bad_join_input_gives_messages_and_saves_nothing(
    spa, client, overrides, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/waitlist/hydrating-facial/", join_form(spa, **overrides))
    assert response.status_code == 200
    assert message.lower() in response.content.decode().lower()
    assert not WaitlistEntry.objects.exists()
    assert not mail.outbox


def test_a_practitioner_who_does_not_perform_the_treatment_is_refused(spa, client):
    data = join_form(spa, practitioner=str(spa.esthetician.pk))  # no Botox for her
    response = client.post("/waitlist/botox/", data)
    assert response.status_code == 200
    assert "Please choose one of the practitioners listed" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_the_booking_page_leads_to_the_waitlist(spa, client):
    page = client.get(f"/book/hydrating-facial/?practitioner={spa.esthetician.pk}").content
    assert b'action="/waitlist/hydrating-facial/"' in page
    form = client.get(f"/waitlist/hydrating-facial/?practitioner={spa.esthetician.pk}")
    assert form.status_code == 200
    assert f'<option value="{spa.esthetician.pk}" selected>'.encode() in form.content


def test_what_a_client_typed_is_never_stored_script(
    spa, booked, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        waitlist_join(
            treatment=spa.facial,
            practitioner=None,
            client=client_details("x@example.com", first_name="<script>alert(1)</script>"),
            windows=[WindowWanted(TUESDAY, TUESDAY, datetime.time(9), datetime.time(12))],
        )
    cancel(booked, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    page = client.get(offer.get_absolute_url()).content.decode()
    html_mails = [m.alternatives[0][0] for m in mail.outbox if m.to == ["x@example.com"]]
    assert len(html_mails) == 2
    for html in [page, *html_mails]:
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
