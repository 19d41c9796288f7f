"""Issue 16, finding 7: manage links expire after the visit, tokens stay out of logs,
staff never hold a client's link, and staff sessions end however busy they are."""

import datetime
import logging
import secrets
import types

import pytest
import time_machine
from django.test import Client as DjangoClient
from gunicorn.config import Config

from bookings.models import Appointment
from medspa.log_redaction import RedactingGunicornLogger, RedactTokensFilter
from tests.factories import UserFactory
from tests.security.helpers import figure
from tests.spa import book_facial, next_working_day

pytestmark = pytest.mark.django_db


def test_a_manage_link_works_until_thirty_days_after_the_visit_then_allows_nothing(spa):
    appointment = book_facial(spa, 10, "mia@example.com", day=next_working_day())
    url = appointment.get_absolute_url()
    client = DjangoClient()
    last_day = appointment.end + datetime.timedelta(days=30)

    with time_machine.travel(last_day - datetime.timedelta(minutes=1), tick=False):
        assert client.get(url).status_code == 200
    with time_machine.travel(last_day, tick=False):
        page = client.get(url)
        cancel = client.post(url + "cancel/")
        ics = client.get(url + "calendar.ics")
        reschedule = client.get(url + "reschedule/")

    figure(
        f"G21 links day_30_page={page.status_code} cancel={cancel.status_code} "
        f"ics={ics.status_code} reschedule={reschedule.status_code}"
    )
    assert page.status_code == 410 and "This link has expired" in page.content.decode()
    assert {cancel.status_code, ics.status_code, reschedule.status_code} == {410}
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


def test_the_admin_does_not_link_to_the_clients_manage_page(spa, client):
    appointment = book_facial(spa, 10, "mia@example.com", day=next_working_day())
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/bookings/appointment/{appointment.pk}/change/").content.decode()
    assert page.count(appointment.token) == 0


def _console_handler() -> logging.Handler:
    return next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactTokensFilter) for f in handler.filters)
    )


def test_not_found_log_lines_lose_the_token(client, caplog):
    token = secrets.token_urlsafe(32)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(f"/bookings/{token}/").status_code == 404
    handler = _console_handler()
    lines = [handler.format(r) for r in caplog.records if handler.filter(r)]
    assert any("Not Found: /bookings/[token]/" in line for line in lines)
    assert not any(token in line for line in lines)


def test_the_gunicorn_access_log_loses_the_token():
    token = secrets.token_urlsafe(32)
    path = f"/bookings/{token}/cancel/"
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": path,
        "PATH_INFO": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://spa.example.com/bookings/{token}/",
    }
    response = types.SimpleNamespace(status="302 Found", sent=0, headers=[])
    request = types.SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    took = datetime.timedelta(milliseconds=12)
    atoms = RedactingGunicornLogger(Config()).atoms(response, request, environ, took)
    line = Config().access_log_format % atoms
    assert token not in line and token not in str(atoms)
    assert "POST /bookings/[token]/cancel/ HTTP/1.1" in line


def test_a_staff_session_ends_twelve_hours_after_sign_in_however_active(client, settings):
    settings.STAFF_MFA = False
    UserFactory(username="frontdesk", is_staff=True, is_superuser=True)
    start = datetime.datetime(2027, 3, 1, 7, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client.post("/admin/login/", {"username": "frontdesk", "password": "x"})
        response = client.post(
            "/admin/login/",
            {"username": "frontdesk", "password": "correct horse battery staple"},
        )
        assert response.status_code == 302
        # Busy all day: a page every ten minutes, never idle long enough to time out.
        for _ in range(12 * 6 - 1):
            clock.shift(datetime.timedelta(minutes=10))
            assert client.get("/admin/").status_code == 200
        clock.shift(datetime.timedelta(minutes=10))
        assert client.get("/admin/").status_code == 302


def test_the_unsubscribe_link_never_reaches_a_log_line():
    """Its token carries the address (signed, not encrypted)."""
    from bookings.services.mail_opt_out import unsubscribe_url
    from medspa.log_redaction import redact

    url = unsubscribe_url("jane.doe@example.com")
    line = f'"POST {url.removeprefix("http://127.0.0.1:8000")} HTTP/1.1" 200'
    assert "/unsubscribe/[token]" in redact(line)
    assert "ImphbmUu" not in redact(line)


@pytest.mark.parametrize(
    "path",
    [
        "/account/sign-in/{token}/",
        "/waitlist/offers/{token}/",
        "/waitlist/leave/{token}/",
    ],
)
def test_account_and_waitlist_tokens_never_reach_a_log_line(path):
    from medspa.log_redaction import redact

    token = "Zk3-q_7XJv0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV"
    line = f'"GET {path.format(token=token)} HTTP/1.1" 200'
    assert token not in redact(line)
    assert "[token]" in redact(line)
