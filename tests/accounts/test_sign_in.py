"""Issue 21: sign-in by a mailed link, no password, no account enumeration."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.conf import Conf
from django_q.models import OrmQ

from bookings.models import Appointment, Client, SignInLink
from tests.accounts.helpers import mailed_sign_in_path, sign_in
from tests.security.helpers import figure, front_desk_user
from tests.spa import book_facial

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_apart(monkeypatch):
    """Tasks go to django-q's queue (as in production) instead of running in the request."""
    monkeypatch.setattr(Conf, "SYNC", False)


def test_a_known_and_an_unknown_address_get_the_same_answer_and_the_same_work(
    client, spa, worker_apart
):
    book_facial(spa, 10, "known@example.com")
    mail.outbox.clear()
    client.get("/account/")  # the footer's hours, cached from here on
    answers = []
    for email in ("known@example.com", "nobody@example.com"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/account/sign-in/", {"email": email})
        answers.append((response.status_code, response.content, len(queries)))
    figure(
        f"G22 accounts enumeration statuses={answers[0][0]},{answers[1][0]} "
        f"same_body={answers[0][1] == answers[1][1]} "
        f"queries={answers[0][2]},{answers[1][2]} mails_in_request={len(mail.outbox)} "
        f"tasks_queued={OrmQ.objects.count()}"
    )
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    assert b"Check your email" in answers[0][1]
    # Nothing was mailed inside either request: each only queued the worker's task.
    assert mail.outbox == []
    assert OrmQ.objects.count() == 2
    assert not SignInLink.objects.exists()


def test_the_worker_mails_a_link_to_a_known_address_and_a_note_to_an_unknown_one(client, spa):
    book_facial(spa, 10, "known@example.com")
    mail.outbox.clear()
    client.post("/account/sign-in/", {"email": "Known@Example.com "})
    client.post("/account/sign-in/", {"email": "nobody@example.com"})
    known, unknown = mail.outbox
    assert known.to == ["known@example.com"] and "/account/sign-in/" in known.body
    assert unknown.to == ["nobody@example.com"] and "/account/sign-in/" not in unknown.body
    assert "no bookings under it" in unknown.body
    # Only a hash is stored: the mailed token is nowhere in the database.
    token = mailed_sign_in_path("known@example.com").rstrip("/").rsplit("/", 1)[1]
    assert not SignInLink.objects.filter(token_hash=token).exists()
    assert SignInLink.objects.get().email == "known@example.com"


def test_the_link_signs_in_once(client, spa):
    book_facial(spa, 10, "mia@example.com")
    response = sign_in(client, "mia@example.com")
    assert response.status_code == 302 and response["Location"] == "/account/"
    page = client.get("/account/")
    assert b"Hello, Mia" in page.content and b"Hydrating facial" in page.content

    path = mailed_sign_in_path("mia@example.com")
    stranger = client_class()
    for again in (stranger.get(path), stranger.post(path)):
        assert again.status_code == 410
        assert b"used already" in again.content
    assert stranger.get("/account/").content.count(b"Hello, Mia") == 0


def test_opening_the_link_asks_first_and_uses_nothing(client, spa):
    """A mail scanner or a chat preview that opens the link signs nobody in and leaves
    the link working; the page says whose account it opens."""
    book_facial(spa, 10, "mia@example.com")
    client.post("/account/sign-in/", {"email": "mia@example.com"})
    path = mailed_sign_in_path("mia@example.com")
    scanner = client_class()
    for _ in range(2):
        page = scanner.get(path)
        assert page.status_code == 200
        assert b"Sign in as mia@example.com?" in page.content
    assert scanner.head(path).status_code == 200
    assert b"Hello, Mia" not in scanner.get("/account/").content
    assert not SignInLink.objects.filter(used_at__isnull=False).exists()
    assert client.post(path).status_code == 302
    assert b"Hello, Mia" in client.get("/account/").content


def test_a_new_link_kills_the_addresss_older_ones_once_used(client, spa):
    book_facial(spa, 10, "mia@example.com")
    client.post("/account/sign-in/", {"email": "mia@example.com"})
    first = mailed_sign_in_path("mia@example.com")
    sign_in(client, "mia@example.com")
    assert client_class().post(first).status_code == 410


def client_class():
    from django.test import Client as TestClient

    return TestClient()


def test_the_link_expires_after_15_minutes(client, spa):
    book_facial(spa, 10, "mia@example.com")
    client.post("/account/sign-in/", {"email": "mia@example.com"})
    path = mailed_sign_in_path("mia@example.com")
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=15, seconds=1)
    with time_machine.travel(later):
        response = client.post(path)
    assert response.status_code == 410
    assert b"expired" in response.content
    assert b"Hello" not in client.get("/account/").content


def test_a_made_up_link_is_refused(client, spa):
    response = client.get("/account/sign-in/" + "x" * 43 + "/")
    assert response.status_code == 410
    assert b"not one of ours" in response.content


def test_a_strangers_booking_joins_nobodys_record_until_the_link_is_used(client, spa):
    mine = book_facial(spa, 10, "mia@example.com")
    typed_by_someone = book_facial(spa, 12, "mia@example.com", first_name="Mallory")
    assert Client.objects.count() == 0
    assert Appointment.objects.filter(client__isnull=False).count() == 0

    client.post("/account/sign-in/", {"email": "mia@example.com"})
    assert Client.objects.count() == 0  # asking for a link proves nothing

    client.get(mailed_sign_in_path("mia@example.com"))
    assert Client.objects.count() == 0  # opening the link proves nothing yet
    client.post(mailed_sign_in_path("mia@example.com"))
    record = Client.objects.get(email="mia@example.com")
    mine.refresh_from_db()
    typed_by_someone.refresh_from_db()
    assert mine.client == record and typed_by_someone.client == record
    assert mine.email_proven_at is not None
    # A different address's booking stays apart.
    other = book_facial(spa, 14, "other@example.com")
    other.refresh_from_db()
    assert other.client is None


def test_staff_pages_never_accept_a_clients_session(client, spa):
    book_facial(spa, 10, "mia@example.com")
    sign_in(client, "mia@example.com")
    for path in ("/admin/", "/doctor/", "/staff/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "login" in response["Location"], path


def test_a_staff_sign_in_drops_the_clients_session(client, spa):
    from tests.security.helpers import PASSWORD

    book_facial(spa, 10, "mia@example.com")
    sign_in(client, "mia@example.com")
    desk = front_desk_user()
    desk.set_password(PASSWORD)
    desk.save()
    client.post("/accounts/login/", {"username": "desk", "password": PASSWORD})
    assert b"Hello, Mia" not in client.get("/account/").content


def test_sign_out_ends_the_session(client, spa):
    book_facial(spa, 10, "mia@example.com")
    sign_in(client, "mia@example.com")
    response = client.post("/account/sign-out/")
    assert response.status_code == 302
    page = client.get("/account/")
    assert b"Hello, Mia" not in page.content
    assert b'name="email"' in page.content


def test_a_bad_address_gets_a_message_and_queues_nothing(client, spa, worker_apart):
    response = client.post("/account/sign-in/", {"email": "not an address"})
    assert response.status_code == 400
    assert b"Please enter an email address" in response.content
    assert OrmQ.objects.count() == 0


def test_sign_in_requests_are_limited_per_email_and_per_address(client, spa, settings):
    settings.CLIENT_SIGN_IN_PER_HOUR = 3
    for _ in range(3):
        assert client.post("/account/sign-in/", {"email": "a@example.com"}).status_code == 200
    refused = client.post("/account/sign-in/", {"email": "a@example.com"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert len(mail.outbox) == 3
    # Another connection asking for the same address is refused too (per email)...
    elsewhere = client_class()
    assert (
        elsewhere.post(
            "/account/sign-in/", {"email": "a@example.com"}, REMOTE_ADDR="198.51.100.7"
        ).status_code
        == 429
    )
    # ...and this connection is done for the hour, whatever address it tries.
    assert client.post("/account/sign-in/", {"email": "b@example.com"}).status_code == 429
    assert len(mail.outbox) == 3


def test_the_minute_schedule_forgets_links_a_day_past_their_expiry(client, spa):
    from bookings.services.delivery import run_schedule

    book_facial(spa, 10, "mia@example.com")
    client.post("/account/sign-in/", {"email": "mia@example.com"})
    link = SignInLink.objects.get()
    run_schedule(now=link.expires_at + datetime.timedelta(hours=23))
    assert SignInLink.objects.exists()
    figures = run_schedule(now=link.expires_at + datetime.timedelta(hours=25))
    assert figures["old sign-in links forgotten"] == 1
    assert not SignInLink.objects.exists()


def test_the_forms_need_the_pages_csrf_token(spa):
    from django.test import Client as TestClient

    browser = TestClient(enforce_csrf_checks=True)
    assert browser.post("/account/sign-in/", {"email": "a@example.com"}).status_code == 403
    page = browser.get("/account/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    answer = browser.post(
        "/account/sign-in/", {"email": "a@example.com", "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 200


def test_signing_in_again_reopens_a_closed_account(client, spa):
    from django.utils import timezone

    book_facial(spa, 10, "mia@example.com")
    sign_in(client, "mia@example.com")
    record = Client.objects.get()
    Client.objects.filter(pk=record.pk).update(closed_at=timezone.now())
    # A closed account's session no longer counts...
    assert b"Hello, Mia" not in client.get("/account/").content
    # ...and a new link opens it again.
    sign_in(client, "mia@example.com")
    record.refresh_from_db()
    assert record.closed_at is None
    assert b"Hello, Mia" in client.get("/account/").content
