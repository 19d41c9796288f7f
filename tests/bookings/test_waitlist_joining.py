"""Joining the waitlist after review: one open entry per email and treatment (a second
join mails the open entry's link again and saves nothing), joins counted against the
hourly mail limit, and no delete in the admin (removal goes through waitlist_leave)."""

import datetime

import pytest
import time_machine
from django.core import mail

from bookings.models import OutboundEmail, WaitlistEntry
from bookings.services.waitlist import WindowWanted, waitlist_join, waitlist_leave
from tests.bookings.test_waitlist import join_form as waitlist_join_form
from tests.factories import UserFactory
from tests.spa import NOW, TUESDAY, client_details

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def join(spa, email, *, treatment=None, practitioner=None, hours=(9, 12)):
    return waitlist_join(
        treatment=treatment or spa.facial,
        practitioner=practitioner,
        client=client_details(email, first_name=email.split("@")[0].title()),
        windows=[WindowWanted(TUESDAY, TUESDAY, datetime.time(hours[0]), datetime.time(hours[1]))],
    )


def join_form(**overrides):
    return waitlist_join_form(None, **overrides)


def test_one_open_entry_per_email_and_treatment(spa, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/waitlist/hydrating-facial/", join_form())
        again = client.post("/waitlist/hydrating-facial/", join_form(email="wendy@example.COM"))
    # The same answer as a first join: the page tells nobody who is waiting for what.
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    entry = WaitlistEntry.objects.get()
    assert [m.to for m in mail.outbox] == [["wendy@example.com"]] * 2
    assert entry.get_leave_url() in mail.outbox[1].body  # the open entry's own link
    assert OutboundEmail.objects.count() == 2

    # Another treatment, or after leaving: welcome.
    join(spa, "wendy@example.com", treatment=spa.botox)
    waitlist_leave(entry=entry)
    assert client.post("/waitlist/hydrating-facial/", join_form()).status_code == 302
    assert WaitlistEntry.objects.filter(state__in=WaitlistEntry.OPEN_STATES).count() == 2


def test_joins_count_against_the_hourly_mail_limit(spa, client, settings):
    settings.CLIENT_SIGN_IN_PER_HOUR = 2
    for n in range(2):
        response = client.post("/waitlist/hydrating-facial/", join_form(email=f"w{n}@x.com"))
        assert response.status_code == 302
    refused = client.post("/waitlist/hydrating-facial/", join_form(email="w9@x.com"))
    assert refused.status_code == 429
    assert "Nothing was saved or sent" in refused.content.decode()
    assert WaitlistEntry.objects.count() == 2


def test_the_admin_cannot_delete_entries(spa, client):
    entry = join(spa, "first@example.com")
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    assert client.get(f"/admin/bookings/waitlistentry/{entry.pk}/delete/").status_code == 403
    page = client.get("/admin/bookings/waitlistentry/").content.decode()
    assert "delete_selected" not in page and 'value="remove"' in page
