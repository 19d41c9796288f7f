"""Staff pages kept in memory (bookings/desk_pages.py) are never stale, never shared.

These tests commit for real (transaction=True): on PostgreSQL the desk token changes
at COMMIT, as it does in production, so a test inside one long transaction would not
see it. Each write below is one the staff would make, or one that bypasses the ORM.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext

from bookings.desk_pages import desk_token
from bookings.models import Appointment, Client
from bookings.services import appointment_cancel, review_decide
from tests.factories import UserFactory
from tests.spa import at, book_botox, book_facial, fill_the_day, next_working_day

pytestmark = pytest.mark.django_db(transaction=True)
LIST = "/admin/bookings/appointment/"


def day_url(day: datetime.date) -> str:
    return f"/admin/bookings/appointment/day/?date={day}"


def signed_in(user, **options) -> Browser:
    browser = Browser(**options)
    browser.force_login(user)
    return browser


@pytest.fixture
def desk(spa, monkeypatch):
    # The session is refreshed at most once a minute: not in the middle of a count.
    monkeypatch.setattr("medspa.sessions.REFRESH_SECONDS", 10**9)
    return signed_in(UserFactory(username="desk", is_staff=True, is_superuser=True))


def load(browser: Browser, url: str) -> tuple[bytes, int]:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200
    return response.content, len(queries)


def test_a_reloaded_page_is_kept_and_costs_the_same_queries_as_data_grows(desk, spa):
    day = next_working_day()
    book_facial(spa, 10, "a@example.com", day=day)
    warm = {}
    desk.get("/admin/")  # sets the CSRF cookie the kept pages are tied to
    for url in [LIST, day_url(day)]:
        built, built_queries = load(desk, url)
        kept, kept_queries = load(desk, url)
        assert kept == built  # the same bytes, CSRF token included: not rendered again
        assert kept_queries < built_queries
        warm[url] = kept_queries
    fill_the_day(spa, day, practitioners=4)
    for url in [LIST, day_url(day)]:
        load(desk, url)  # built again: the data changed
        assert load(desk, url)[1] == warm[url]


def test_every_kind_of_write_shows_on_the_next_load(desk, spa):
    day = next_working_day()
    first = book_facial(spa, 10, "a@example.com", day=day)
    for url in [LIST, day_url(day)]:
        desk.get(url)
        desk.get(url)  # kept from now on

    book_facial(spa, 12, "zoe@example.com", day=day, first_name="Zoe")
    assert b"Zoe Client" in load(desk, LIST)[0]
    assert b"Zoe Client" in load(desk, day_url(day))[0]

    appointment_cancel(appointment=first, by_client=False)
    assert b"status-cancelled" in load(desk, LIST)[0]

    Appointment.objects.filter(pk=first.pk).update(status="no_show")  # no signal
    assert b"status-no_show" in load(desk, LIST)[0]

    with connection.cursor() as cursor:  # a write no signal sees
        cursor.execute(
            "UPDATE bookings_client SET first_name = %s WHERE email = %s",
            ["Renamed", "a@example.com"],
        )
    assert b"Renamed Client" in load(desk, LIST)[0]

    assert b"slot-off" not in load(desk, day_url(day))[0]
    spa.esthetician.time_off.create(starts_at=at(day, 14), ends_at=at(day, 15), reason="Dentist")
    assert b"slot-off" in load(desk, day_url(day))[0]


def test_the_doctors_queue_shows_a_new_request_and_a_decision_at_once(spa, monkeypatch):
    monkeypatch.setattr("medspa.sessions.REFRESH_SECONDS", 10**9)
    doctor = signed_in(spa.doctor.user)
    empty, _ = load(doctor, "/doctor/")
    assert load(doctor, "/doctor/")[0] == empty
    requested = book_botox(spa, blood_thinners=False, email="botox@example.com", first_name="Bea")
    waiting, _ = load(doctor, "/doctor/")
    assert b"Bea Client" in waiting
    assert load(doctor, "/doctor/")[0] == waiting
    review_decide(review=requested.review, user=spa.doctor.user, decision="approved")
    assert b"Bea Client" not in load(doctor, "/doctor/")[0]


def test_each_person_gets_their_own_page(spa):
    book_facial(spa, 10, "a@example.com")
    anna = signed_in(UserFactory(username="anna", is_staff=True, is_superuser=True))
    ben = signed_in(UserFactory(username="ben", is_staff=True, is_superuser=True))
    for _ in range(3):
        anna_page, ben_page = load(anna, LIST)[0], load(ben, LIST)[0]
        assert b"anna" in anna_page and b"anna" not in ben_page
        assert b"ben" in ben_page and b"ben" not in anna_page


def test_a_message_shows_once_and_is_never_kept(desk, spa):
    appointment = book_facial(spa, 10, "a@example.com")
    desk.get(LIST)
    desk.get(LIST)
    done = desk.post(LIST, {"action": "cancel", "_selected_action": [appointment.pk]}, follow=True)
    assert b"Cancel: 1 appointment(s)." in done.content
    after, _ = load(desk, LIST)
    assert b"status-cancelled" in after
    assert b"Cancel: 1 appointment(s)." not in after
    assert b"Cancel: 1 appointment(s)." not in load(desk, LIST)[0]


def test_a_kept_pages_csrf_token_is_accepted(spa):
    appointment = book_facial(spa, 10, "a@example.com")
    user = UserFactory(username="desk", is_staff=True, is_superuser=True)
    browser = signed_in(user, enforce_csrf_checks=True)
    browser.get(LIST)
    built, _ = load(browser, LIST)
    kept, _ = load(browser, LIST)
    assert kept == built
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', kept).group(1).decode()
    response = browser.post(
        LIST,
        {"action": "cancel", "_selected_action": [appointment.pk], "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_a_revoked_permission_is_refused_though_the_page_was_kept(spa):
    book_facial(spa, 10, "a@example.com")
    user = UserFactory(username="viewer", is_staff=True)
    view = Permission.objects.get(codename="view_appointment")
    user.user_permissions.add(view)
    browser = signed_in(user)
    for _ in range(3):
        assert browser.get(LIST).status_code == 200
    user.user_permissions.remove(view)
    assert browser.get(LIST).status_code == 403


def test_a_transaction_that_wrote_desk_data_never_reads_a_kept_page(spa):
    book_facial(spa, 10, "a@example.com")
    before = desk_token()
    assert before is not None
    with pytest.raises(RuntimeError), transaction.atomic():
        Client.objects.update(first_name="Rolled")
        # PostgreSQL changes the token at COMMIT, so until then pages are not kept
        # for this transaction; SQLite changes it at once.
        assert desk_token() != before
        raise RuntimeError("roll back")
    assert desk_token() == before
    with transaction.atomic():
        Client.objects.update(first_name="Kept")
    assert desk_token() not in (None, before)
