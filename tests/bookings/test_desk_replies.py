"""The front desk sees on the day schedule who confirmed, who did not yet, and whose
phone replied STOP: by practitioner and by room, at a fixed number of queries; and a
booking by phone records the client's consent to texts only when ticked."""

import io
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Appointment, Client, TextOptOut
from bookings.selectors.day_schedule import day_schedule, resource_day_schedule
from bookings.services.appointments import appointment_book
from bookings.services.visits import appointment_set_status
from tests.factories import PractitionerFactory, ResourceFactory, UserFactory
from tests.spa import add_rooms, at, client_details, next_working_day

pytestmark = pytest.mark.django_db
DAY_URL = "/admin/bookings/appointment/day/"
ADD_URL = "/admin/bookings/appointment/add/"
MARKERS = {
    "confirmed": "Confirmed by client",
    "unconfirmed": "Not confirmed yet",
    "texts-off": "Texts off (STOP)",
    "texts-on": "Texts on",
}


@pytest.fixture
def desk(client, spa, monkeypatch):
    # The session is refreshed at most once a minute: not in the middle of a count.
    monkeypatch.setattr("medspa.sessions.REFRESH_SECONDS", 10**9)
    client.force_login(UserFactory(username="desk", is_staff=True, is_superuser=True))
    return client


def book(spa, day, hour: int, name: str, phone: str, *, texts=False, practitioner=None):
    return appointment_book(
        treatment=spa.facial,
        practitioner=practitioner or spa.esthetician,
        start=at(day, hour),
        client=client_details(
            f"{name.lower()}@example.com", first_name=name, phone=phone, sms_opt_in=texts
        ),
    )


def confirmed_by_client(appointment: Appointment) -> None:
    Appointment.objects.filter(pk=appointment.pk).update(client_confirmed_at=timezone.now())


def markers_of(page: str, name: str) -> list[str]:
    """The markers' kinds in the first cell naming `name` ([] when it has none)."""
    cells = re.findall(r'<td rowspan="\d+" class="slot slot-appointment.*?</td>', page, re.S)
    cell = next(c for c in cells if f"{name} Client" in c)
    return re.findall(r'class="marker marker-([a-z-]+)"', cell)


@pytest.fixture
def four_clients(spa):
    """Upcoming and confirmed, each holding a room: Cora confirmed, with texts on; Una
    not yet, no texts; Stan agreed to texts, then replied STOP; Tina not yet, texts on."""
    add_rooms(spa)
    day = next_working_day()
    cora = book(spa, day, 9, "Cora", "+12125550111", texts=True)
    book(spa, day, 11, "Una", "+12125550112")
    book(spa, day, 13, "Stan", "+12125550113", texts=True)
    book(spa, day, 15, "Tina", "+12125550114", texts=True)
    confirmed_by_client(cora)
    TextOptOut.objects.create(phone="+12125550113")
    return day


@pytest.mark.parametrize("by", ["", "&by=resource"])
def test_the_day_shows_who_confirmed_and_whose_texts_are_off(desk, spa, four_clients, by):
    day = four_clients
    page = desk.get(f"{DAY_URL}?date={day}{by}").content.decode()
    assert markers_of(page, "Cora") == ["confirmed", "texts-on"]
    assert markers_of(page, "Una") == ["unconfirmed"]
    assert markers_of(page, "Stan") == ["unconfirmed", "texts-off"]
    assert markers_of(page, "Tina") == ["unconfirmed", "texts-on"]
    for words in MARKERS.values():
        assert words in page  # in words, never by colour alone
    assert page.count('aria-label="Cora Client\'s replies"') == 1


def test_no_marker_once_started_or_checked_in(desk, spa, four_clients):
    day = four_clients
    una = Appointment.objects.get(client_first_name="Una")
    with time_machine.travel(at(day, 10, 55)):
        desk.force_login(User.objects.get(username="desk"))  # a session from days before ends
        appointment_set_status(appointment=una, status="checked_in")
        page = desk.get(f"{DAY_URL}?date={day}").content.decode()
    assert markers_of(page, "Cora") == []  # 9:00: started (still confirmed)
    assert markers_of(page, "Una") == []  # checked in
    assert markers_of(page, "Stan") == ["unconfirmed", "texts-off"]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(spa, day, practitioners: int) -> None:
    """More practitioners and rooms, each booked six times that day: a third confirmed,
    a third with texts on, a third whose phone replied STOP."""
    need = spa.facial.resource_needs.get()
    for n in range(practitioners):
        need.resources.add(ResourceFactory(name=f"Extra room {n}"))
        person = PractitionerFactory(qualified_treatments=[spa.facial])
        person.working_hours.create(
            weekday=day.weekday(), starts_at=at(day, 8).time(), ends_at=at(day, 20).time()
        )
        for hour in range(8, 19, 2):
            phone = f"+1212555{n:02d}{hour:02d}"
            visit = book(
                spa, day, hour, f"P{n}h{hour}", phone, texts=hour % 3 == 1, practitioner=person
            )
            if hour % 3 == 0:
                confirmed_by_client(visit)
            if hour % 3 == 2:
                TextOptOut.objects.create(phone=phone)


@pytest.mark.parametrize("by", ["", "&by=resource"])
def test_the_markers_cost_no_query_per_visit(desk, spa, by, django_assert_num_queries):
    add_rooms(spa)
    day = next_working_day()
    book(spa, day, 10, "Cora", "+12125550111", texts=True)
    url = f"{DAY_URL}?date={day}{by}"
    desk.get(url)
    small = _queries(desk, url)
    selector, fixed = (resource_day_schedule, 4) if by else (day_schedule, 6)
    with django_assert_num_queries(fixed):
        selector(day)
    _grow(spa, day, 6)
    large = _queries(desk, url)
    assert large == small
    with django_assert_num_queries(fixed):
        schedule = selector(day)
    assert schedule.count == 1 + 6 * 6
    assert "marker-texts-off" in desk.get(url).content.decode()


def phone_booking(spa, day, **overrides) -> dict:
    data = {
        "treatment": spa.facial.pk,
        "practitioner": spa.esthetician.pk,
        "start_date": day.isoformat(),
        "start_time": "10:00",
        "first_name": "Phone",
        "last_name": "Caller",
        "email": "caller@example.com",
        "phone": "212 555 0199",
        "notes": "",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_booking_by_phone_with_the_box_ticked_stores_the_consent(desk, spa):
    day = next_working_day()
    form = desk.get(f"{ADD_URL}?treatment={spa.facial.pk}&start_date={day}").content.decode()
    assert 'name="sms_opt_in"' in form and "checked" not in re.search(
        r'<input[^>]*name="sms_opt_in"[^>]*>', form
    ).group(0)
    assert settings.SMS_CONSENT_WORDING in form.replace("&#x27;", "'")  # to read aloud
    response = desk.post(ADD_URL, phone_booking(spa, day, sms_opt_in="on"))
    assert response.status_code == 302
    booked = Appointment.objects.get(client_email="caller@example.com")
    assert booked.sms_opt_in_at is not None
    assert booked.sms_consent_wording == settings.SMS_CONSENT_WORDING
    assert booked.client_phone == "+12125550199"


def test_booking_by_phone_without_the_tick_stores_no_consent(desk, spa):
    day = next_working_day()
    assert desk.post(ADD_URL, phone_booking(spa, day)).status_code == 302
    booked = Appointment.objects.get(client_email="caller@example.com")
    assert booked.sms_opt_in_at is None
    assert booked.sms_consent_wording == ""


def test_a_returning_client_agrees_on_the_phone_too(desk, spa):
    day = next_working_day()
    known = Client.objects.create(
        first_name="Ret", last_name="Urning", email="ret@example.com", phone="+12125550150"
    )
    data = phone_booking(spa, day, client_record=known.pk, sms_opt_in="on")
    assert desk.post(ADD_URL, data).status_code == 302
    again = Appointment.objects.get(client=known)
    assert again.sms_opt_in_at is not None and again.client_phone == "+12125550150"
    # A record without a phone cannot get texts: said, not booked.
    Client.objects.filter(pk=known.pk).update(phone="")
    data["start_time"] = "14:00"
    page = desk.post(ADD_URL, data).content.decode()
    assert "No phone on record for this client" in page


def test_the_demo_day_shows_each_marker(client, monkeypatch):
    from bookings.demo import pictures

    monkeypatch.setattr(pictures, "TREATMENT_SIZE", (120, 90))
    monkeypatch.setattr(pictures, "AVATAR_SIZE", (80, 80))
    wednesday_morning = timezone.make_aware(timezone.datetime(2027, 6, 9, 9, 40))
    with time_machine.travel(wednesday_morning, tick=False):
        call_command("seed_demo", "--allow-production", stdout=io.StringIO())
        client.force_login(User.objects.get(username="frontdesk"))
        page = client.get(DAY_URL).content.decode()
    for kind in ("confirmed", "unconfirmed", "texts-off", "texts-on"):
        assert f'class="marker marker-{kind}"' in page, kind
