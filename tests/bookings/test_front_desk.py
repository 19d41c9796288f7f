"""The front desk's admin: the same rules as the site, the day's status changes, the
schedule, the dashboard, the CSV and the group's permissions."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Appointment, AppointmentEvent
from bookings.services.appointments import appointment_book
from bookings.services.visits import TRANSITIONS, appointment_set_status
from tests.factories import PractitionerFactory, UserFactory
from tests.spa import (
    CONSENT,
    NY,
    at,
    book_facial,
    client_details,
    fill_the_day,
    intake_answers,
    next_working_day,
)

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/bookings/appointment/add/"


@pytest.fixture
def desk(client, spa):
    user = UserFactory(username="desk", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


def add_form(spa, day, **overrides):
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


def test_booking_by_phone_uses_the_service_and_records_who(desk, spa):
    day = next_working_day()
    response = desk.post(ADD_URL, add_form(spa, day))
    assert response.status_code == 302, response.content.decode()[:3000]
    appointment = Appointment.objects.get()
    assert appointment.source == "front_desk" and appointment.price == spa.facial.price
    event = appointment.events.get()
    assert event.user == desk.user and event.action == "created"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start_time": "10:05"}, "every 15 minutes"),
        ({"start_time": "06:00"}, "not working"),
        ({"start_date": "2020-01-06"}, "already passed"),
        ({"treatment": "botox"}, "does not perform this treatment"),
    ],
)
def test_admin_refuses_what_the_site_refuses(desk, spa, overrides, message):
    day = next_working_day()
    if overrides.get("treatment") == "botox":
        overrides = {
            "treatment": spa.botox.pk,
            "date_of_birth": "1990-01-01",
            "pregnant_or_breastfeeding": "no",
            "isotretinoin_last_6_months": "no",
            "blood_thinners": "no",
            "consent_by_phone": "on",
        }
    response = desk.post(ADD_URL, add_form(spa, day, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Appointment.objects.exists()


def test_admin_cannot_overlap_or_book_unsupervised(desk, spa):
    day = next_working_day()
    desk.post(ADD_URL, add_form(spa, day))
    overlap = desk.post(ADD_URL, add_form(spa, day, start_time="10:30", email="x@example.com"))
    # Typed at the desk, a busy time was busy all along: never "just taken".
    assert "already booked for this practitioner" in overlap.content.decode()
    assert "just taken" not in overlap.content.decode()
    spa.nurse.supervision_agreements.all().delete()
    medical = add_form(
        spa,
        day,
        treatment=spa.botox.pk,
        practitioner=spa.nurse.pk,
        start_time="14:00",
        email="m@example.com",
        date_of_birth="1990-01-01",
        pregnant_or_breastfeeding="no",
        isotretinoin_last_6_months="no",
        blood_thinners="no",
        consent_by_phone="on",
    )
    unsupervised = desk.post(ADD_URL, medical)
    assert "cannot perform this treatment on that day" in unsupervised.content.decode()
    assert Appointment.objects.count() == 1


def test_short_notice_only_when_waived_and_then_logged(desk, spa, settings):
    settings.BOOKING_MIN_NOTICE_HOURS = 24 * 7  # the next working day is inside the window
    data = add_form(spa, next_working_day())
    assert "hours&#x27; notice" in desk.post(ADD_URL, data).content.decode()
    assert not Appointment.objects.exists()
    assert desk.post(ADD_URL, {**data, "allow_short_notice": "on"}).status_code == 302
    actions = list(AppointmentEvent.objects.values_list("action", flat=True))
    assert actions == ["created", "notice_waived"]


def test_moving_in_the_admin_follows_the_rules(desk, spa):
    first = book_facial(spa, 10, "a@example.com")
    book_facial(spa, 14, "b@example.com")
    url = f"/admin/bookings/appointment/{first.pk}/change/"
    day = next_working_day().isoformat()
    data = {
        "start_date": day,
        "start_time": "14:30",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    refused = desk.post(url, data).content.decode()
    assert "already booked for this practitioner" in refused and "just taken" not in refused
    assert desk.post(url, {**data, "start_time": "12:00"}).status_code == 302
    first.refresh_from_db()
    assert timezone.localtime(first.start).hour == 12
    assert first.events.filter(action="moved", user=desk.user).exists()


def test_the_state_machine_allows_only_sensible_moves(spa):
    assert TRANSITIONS["confirmed"] == {"checked_in", "no_show", "cancelled"}
    assert TRANSITIONS["checked_in"] == {"completed", "no_show"}
    for final in ("completed", "cancelled", "no_show", "declined"):
        assert TRANSITIONS[final] == set()
    appointment = book_facial(spa, 10, "a@example.com")
    start = appointment.start
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Check the client in first"):
        appointment_set_status(appointment=appointment, status="completed", now=start)
    with pytest.raises(ValidationError, match="Check-in opens at"):
        appointment_set_status(
            appointment=appointment, status="checked_in", now=start - datetime.timedelta(days=2)
        )
    with pytest.raises(ValidationError, match="once the visit has started"):
        appointment_set_status(
            appointment=appointment, status="no_show", now=start - datetime.timedelta(hours=1)
        )
    appointment_set_status(appointment=appointment, status="checked_in", now=start)
    appointment_set_status(
        appointment=appointment, status="completed", now=start + datetime.timedelta(hours=1)
    )
    appointment.refresh_from_db()
    assert appointment.status == "completed"
    assert [(e.action, e.detail) for e in appointment.events.exclude(action="created")] == [
        ("checked_in", "from confirmed"),
        ("completed", "from checked in"),
    ]


def test_actions_in_the_list_and_buttons_on_the_page(desk, spa, mailoutbox):
    first = book_facial(spa, 10, "a@example.com")
    second = book_facial(spa, 12, "b@example.com")
    response = desk.post(
        "/admin/bookings/appointment/",
        {"action": "cancel", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert "Cancel: 2 appointments." in response.content.decode()
    assert set(Appointment.objects.values_list("status", flat=True)) == {"cancelled"}
    third = book_facial(spa, 14, "c@example.com")
    refused = desk.post(
        f"/admin/bookings/appointment/{third.pk}/status/", {"status": "completed"}, follow=True
    )
    assert "Check the client in first" in refused.content.decode()
    assert (
        desk.post(f"/admin/bookings/appointment/{third.pk}/status/", {"status": "x"}).status_code
        == 302
    )
    third.refresh_from_db()
    assert third.status == "confirmed"


def test_list_filters_search_and_review_status(desk, spa):
    appointment = book_facial(spa, 10, "findme@example.com")
    page = desk.get("/admin/bookings/appointment/?q=findme").content.decode()
    assert "Mia Client" in page
    assert (
        desk.get(f"/admin/bookings/appointment/?q={appointment.token}").context["cl"].result_count
        == 1
    )
    for query in (
        "day=today",
        "day=tomorrow",
        "day=week",
        "status__exact=confirmed",
        "treatment__kind__exact=medical",
    ):
        assert desk.get(f"/admin/bookings/appointment/?{query}").status_code == 200


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_day_schedule_and_list_cost_fixed_queries(desk, spa, monkeypatch):
    # The session is refreshed at most once a minute: not in the middle of a count.
    monkeypatch.setattr("medspa.sessions.REFRESH_SECONDS", 10**9)
    day = next_working_day()
    book_facial(spa, 10, "a@example.com", day=day)
    urls = [f"/admin/bookings/appointment/day/?date={day}", "/admin/bookings/appointment/"]
    desk.get(urls[0])  # the session's once-a-minute refresh (medspa/sessions.py)
    small = [_queries(desk, url) for url in urls]
    fill_the_day(spa, day, practitioners=6)
    large = [_queries(desk, url) for url in urls]
    assert small == large


def test_day_schedule_shows_blocks_time_off_and_links(desk, spa):
    day = next_working_day()
    appointment = book_facial(spa, 10, "a@example.com", day=day)
    spa.esthetician.time_off.create(starts_at=at(day, 14), ends_at=at(day, 15), reason="Dentist")
    page = desk.get(f"/admin/bookings/appointment/day/?date={day}").content.decode()
    assert f"/admin/bookings/appointment/{appointment.pk}/change/" in page
    assert 'rowspan="4"' in page  # 60 minutes in 15-minute rows
    assert "slot-off" in page and "status-confirmed" in page
    assert desk.get("/admin/bookings/appointment/day/?date=not-a-date").status_code == 200


def test_csv_export_neutralises_formulas(desk, spa):
    day = next_working_day()
    appointment_book(
        treatment=spa.facial,
        practitioner=spa.esthetician,
        start=at(day, 10),
        client=client_details(
            "evil@example.com", first_name="=cmd|' /C calc'!A0", last_name="+SUM(1)"
        ),
    )
    body = desk.get(f"/admin/bookings/appointment/export/?date={day}").content.decode()
    assert "'=cmd" in body
    for line in body.splitlines()[1:]:
        for cell in line.split(","):
            assert cell[:1] not in ("=", "+", "-", "@"), cell


def test_dashboard_on_the_admin_index(desk, spa):
    page = desk.get("/admin/").content.decode()
    assert "Waiting for a doctor" in page and "Expiring within 30 days" in page


def test_front_desk_group_sees_no_medical_answers_and_manages_no_users(client, spa, settings):
    settings.DEBUG = True  # seed_demo only sets up the groups here
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    user = UserFactory(username="desk2", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(user)
    appointment = appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=at(next_working_day(), 10),
        client=client_details(),
        intake=intake_answers(),
        consent=CONSENT,
    )
    assert client.get("/admin/bookings/appointment/").status_code == 200
    assert client.get(f"/admin/bookings/appointment/{appointment.pk}/change/").status_code == 200
    assert client.get("/admin/bookings/intake/").status_code == 403
    assert client.get(f"/admin/bookings/intake/{appointment.intake.pk}/change/").status_code == 403
    assert client.get("/admin/bookings/review/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get("/admin/bookings/appointment/day/").status_code == 200
    assert NY  # the schedule is in the spa's zone


def test_day_schedule_pages_through_many_practitioners(desk, spa, monkeypatch):
    from bookings.selectors import day_schedule

    monkeypatch.setattr(day_schedule, "PRACTITIONERS_PER_PAGE", 2)
    day = next_working_day()
    extra = PractitionerFactory(display_name="Zed Extra", qualified_treatments=[spa.facial])
    extra.working_hours.create(
        weekday=day.weekday(), starts_at=datetime.time(9), ends_at=datetime.time(17)
    )
    url = f"/admin/bookings/appointment/day/?date={day}"
    first = desk.get(url).content.decode()
    second = desk.get(url + "&page=2").content.decode()
    # Nora and Ella work that day, then Zed: two columns, then one; the doctor works
    # no hours in this spa, so is not a column.
    assert "Practitioners 1&ndash;2 of 3" in first and "Zed Extra" not in first
    assert "Practitioners 3&ndash;3 of 3" in second and "Zed Extra" in second
    assert desk.get(url + "&page=abc").status_code == 200
    assert "Practitioners 3&ndash;3 of 3" in desk.get(url + "&page=9").content.decode()


def test_a_refusal_after_the_form_checked_is_a_message_not_an_error_page(desk, spa, monkeypatch):
    """The forms lock the practitioners from clean() to save_model() (G3 races them);
    should the writer still refuse, the front desk gets the reason, never a 500."""
    from bookings.forms import desk as desk_forms

    day = next_working_day()
    real_validate = desk_forms.appointment_validate

    def checked_then_taken(**kwargs):
        plan = real_validate(**kwargs)
        book_facial(spa, 10, "online@example.com", day=day)  # the time goes in between
        return plan

    monkeypatch.setattr(desk_forms, "appointment_validate", checked_then_taken)
    desk.raise_request_exception = False
    response = desk.post(ADD_URL, add_form(spa, day), follow=True)
    assert response.status_code == 200
    assert "That time was just taken" in response.content.decode()
    assert Appointment.objects.count() == 0  # the admin's transaction rolled back


def test_the_list_opens_on_today_and_after_and_searches_everything(desk, spa):
    upcoming = book_facial(spa, 10, "soon@example.com")
    past = book_facial(spa, 12, "long-ago@example.com")
    # Moved into last month behind the service's back: history, as years of it would be.
    month_ago = datetime.timedelta(days=30)
    Appointment.objects.filter(pk=past.pk).update(
        start=past.start - month_ago,
        end=past.end - month_ago,
        blocked_until=past.blocked_until - month_ago,
    )
    shown = desk.get("/admin/bookings/appointment/").context["cl"].result_list
    assert list(shown) == [upcoming]
    everything = desk.get("/admin/bookings/appointment/?day=all").context["cl"]
    assert set(everything.result_list) == {upcoming, Appointment.objects.get(pk=past.pk)}
    found = desk.get("/admin/bookings/appointment/?q=long-ago").context["cl"].result_list
    assert [a.pk for a in found] == [past.pk]
    page = desk.get("/admin/bookings/appointment/").content.decode()
    assert 'class="action-select"' in page and f'value="{upcoming.pk}"' in page
