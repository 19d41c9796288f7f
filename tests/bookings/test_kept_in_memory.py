"""What is kept in memory between requests is never stale.

Catalogue pages and booking data are kept under the catalogue's version token, free
times under the practitioners' schedule tokens too (treatments/catalogue_cache.py,
bookings/selectors.py). Every way of changing the data must show on the next request,
including writes that bypass the ORM's signals.
"""

import datetime
import re

import pytest
from django.db import transaction

from bookings.availability import Policy
from bookings.models import Appointment, Client
from bookings.selectors import available_slots
from practitioners.models import TimeOff, WorkingHours
from tests.spa import NY, TUESDAY, at, next_working_day

pytestmark = pytest.mark.django_db


def api_starts(client, spa, day: datetime.date, practitioner=None) -> set[str]:
    params = {"treatment": spa.facial.slug, "date": day.isoformat()}
    if practitioner is not None:
        params["practitioner"] = practitioner.pk
    response = client.get("/api/availability/", params)
    assert response.status_code == 200
    return {slot["start"] for slot in response.json()["slots"]}


def book_bypassing_everything(spa, start: datetime.datetime, **values) -> None:
    """A write no signal sees: bulk_create, as an import script would."""
    person = Client.objects.create(first_name="A", last_name="B", email="ab@example.com")
    Appointment.objects.bulk_create(
        [
            Appointment(
                client=person,
                treatment=spa.facial,
                practitioner=spa.esthetician,
                start=start,
                end=start + datetime.timedelta(minutes=60),
                blocked_until=start + datetime.timedelta(minutes=75),
                price=spa.facial.price,
                status="confirmed",
                token="bulk-token-long-enough-to-be-unguessable",
                **values,
            )
        ]
    )


def test_a_price_change_shows_at_once_on_every_catalogue_page(client, spa):
    pages = ["/", "/treatments/", f"/treatments/{spa.facial.slug}/"]
    for url in pages:
        client.get(url)  # now kept
    spa.facial.price = "987.00"
    spa.facial.save()
    for url in pages:
        assert "$987" in client.get(url).content.decode(), url


def test_a_rolled_back_change_leaves_the_old_page(client, spa):
    url = f"/treatments/{spa.facial.slug}/"
    before = client.get(url).content
    with pytest.raises(RuntimeError), transaction.atomic():
        spa.facial.price = "987.00"
        spa.facial.save()
        assert "$987" in client.get(url).content.decode()
        raise RuntimeError("roll back")
    assert client.get(url).content == before


def test_a_deactivated_practitioner_leaves_pages_and_free_times_at_once(client, spa):
    day = next_working_day()
    url = f"/treatments/{spa.facial.slug}/"
    assert "Ella Esthetician" in client.get(url).content.decode()
    assert api_starts(client, spa, day, spa.esthetician)
    spa.esthetician.is_active = False
    spa.esthetician.save()
    assert "Ella Esthetician" not in client.get(url).content.decode()
    response = client.get(
        "/api/availability/",
        {"treatment": spa.facial.slug, "date": day.isoformat(), "practitioner": spa.esthetician.pk},
    )
    assert response.status_code == 400


def test_a_slot_vanishes_even_when_the_booking_bypasses_the_orm_signals(client, spa):
    day = next_working_day()
    ten = at(day, 10).isoformat()
    assert ten in api_starts(client, spa, day, spa.esthetician)
    book_bypassing_everything(spa, at(day, 10))
    assert ten not in api_starts(client, spa, day, spa.esthetician)
    # A queryset update (no signal either) frees it again.
    Appointment.objects.update(status="cancelled")
    assert ten in api_starts(client, spa, day, spa.esthetician)
    # And a delete in bulk.
    Appointment.objects.update(status="confirmed")
    assert ten not in api_starts(client, spa, day, spa.esthetician)
    Appointment.objects.all().delete()
    assert ten in api_starts(client, spa, day, spa.esthetician)


def test_time_off_and_working_hours_show_at_once(client, spa):
    day = next_working_day()
    ten = at(day, 10).isoformat()
    assert ten in api_starts(client, spa, day, spa.esthetician)
    TimeOff.objects.bulk_create(
        [TimeOff(practitioner=spa.esthetician, starts_at=at(day, 9), ends_at=at(day, 12))]
    )
    assert ten not in api_starts(client, spa, day, spa.esthetician)
    TimeOff.objects.all().delete()
    assert ten in api_starts(client, spa, day, spa.esthetician)
    hours = WorkingHours.objects.get(practitioner=spa.esthetician, weekday=day.weekday())
    hours.starts_at = datetime.time(13)
    hours.save()
    assert ten not in api_starts(client, spa, day, spa.esthetician)


def test_the_booking_page_strip_counts_follow_a_booking(client, spa):
    day = next_working_day()
    url = f"/book/{spa.facial.slug}/?practitioner={spa.esthetician.pk}&date={day}"
    before = client.get(url).content.decode()
    assert 'value="' + at(day, 10).isoformat() + '"' in before
    book_bypassing_everything(spa, at(day, 10))
    after = client.get(url).content.decode()
    assert 'value="' + at(day, 10).isoformat() + '"' not in after


def test_kept_free_times_are_cut_by_the_clock_not_by_when_they_were_kept(spa):
    """The minimum notice applies to the time of each request, whatever was kept."""
    policy = Policy(zone=NY, min_notice=datetime.timedelta(hours=2))
    early = datetime.datetime.combine(TUESDAY, datetime.time(6), tzinfo=NY)
    first = available_slots(spa.facial, first_day=TUESDAY, days=1, now=early, policy=policy)
    assert first[0].start == at(TUESDAY, 9)
    later = early + datetime.timedelta(hours=5)  # 11:00, so nothing before 13:00
    kept = available_slots(spa.facial, first_day=TUESDAY, days=1, now=later, policy=policy)
    assert kept and all(slot.start >= at(TUESDAY, 13) for slot in kept)
    assert [s for s in first if s.start >= at(TUESDAY, 13)] == kept


def test_a_chosen_time_page_is_never_shared(spa):
    """Only the time picker is kept: the details form carries each visitor's own CSRF
    token and submission nonce."""
    from django.test import Client as Browser

    day = next_working_day()
    start = at(day, 10).isoformat()
    url = f"/book/{spa.facial.slug}/?practitioner={spa.esthetician.pk}&start={start}"
    first, second = Browser().get(url), Browser().get(url)
    nonce = re.compile(r'name="submission" value="([^"]+)"')
    assert nonce.search(first.content.decode())[1] != nonce.search(second.content.decode())[1]
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value


def test_a_visitor_with_messages_sees_them_on_kept_pages(client, spa):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest, HttpResponse

    pages = [f"/book/{spa.facial.slug}/?date={next_working_day()}", "/", "/treatments/"]
    for url in pages:
        client.get(url)  # now kept
    for url in pages:
        carrier = HttpResponse()
        CookieStorage(HttpRequest())._store([Message(constants.INFO, "Hello again")], carrier)
        client.cookies["messages"] = carrier.cookies["messages"].value
        assert "Hello again" in client.get(url).content.decode(), url


def test_saving_a_practitioner_never_writes_back_an_old_schedule_token(spa):
    from practitioners.models import Practitioner

    loaded_before = Practitioner.objects.get(pk=spa.esthetician.pk)
    book_bypassing_everything(spa, at(next_working_day(), 10))
    after_booking = Practitioner.objects.get(pk=spa.esthetician.pk).schedule_token
    assert after_booking != loaded_before.schedule_token
    loaded_before.bio = "Now also does brows."
    loaded_before.save()
    fresh = Practitioner.objects.get(pk=spa.esthetician.pk)
    assert (fresh.bio, fresh.schedule_token) == ("Now also does brows.", after_booking)
