"""Every booking decision reads the database as it is now, however it was changed.

Data changed behind the ORM's back (QuerySet.update, bulk_create, raw SQL: a data
migration, the shell, an import script) sends no signal and bumps no timestamp. The
next free times and the next booking obey it all the same, price included; only the
public catalogue pages may show the old data, for at most a minute.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from bookings.models import Appointment, Client
from bookings.services.clients import appointment_prove_email
from practitioners.models import Practitioner, TimeOff, WorkingHours
from tests.spa import at, book_facial, next_working_day
from treatments.models import Treatment

pytestmark = pytest.mark.django_db


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def api_slots(client, spa, day: datetime.date, practitioner=None) -> list[dict]:
    params = {"treatment": spa.facial.slug, "date": day.isoformat()}
    if practitioner is not None:
        params["practitioner"] = practitioner.pk
    response = client.get("/api/availability/", params)
    assert response.status_code == 200, response.content
    return response.json()["slots"]


def api_starts(client, spa, day: datetime.date, practitioner=None) -> set[str]:
    return {slot["start"] for slot in api_slots(client, spa, day, practitioner)}


def facial_post(spa, day, practitioner, **overrides) -> dict:
    return {
        "start": at(day, 10).isoformat(),
        "practitioner": str(practitioner.pk) if practitioner else "",
        "first_name": "Mia",
        "last_name": "Client",
        "email": "mia@example.com",
        "phone": "212 555 0100",
        **overrides,
    }


def switch_off(practitioner: Practitioner, how: str) -> None:
    if how == "update":
        Practitioner.objects.filter(pk=practitioner.pk).update(is_active=False)
    else:
        sql("UPDATE practitioners_practitioner SET is_active = %s WHERE id = %s",
            [False, practitioner.pk])  # fmt: skip


def set_price(treatment: Treatment, price: str, how: str) -> None:
    if how == "update":
        Treatment.objects.filter(pk=treatment.pk).update(price=Decimal(price))
    else:
        sql("UPDATE treatments_treatment SET price = %s WHERE id = %s", [price, treatment.pk])


@pytest.mark.parametrize("how", ["update", "sql"])
def test_a_practitioner_switched_off_behind_the_orm_is_neither_offered_nor_booked(client, spa, how):
    day = next_working_day()
    assert api_starts(client, spa, day, spa.esthetician)
    switch_off(spa.esthetician, how)

    asked_for = client.get(
        "/api/availability/",
        {"treatment": spa.facial.slug, "date": day.isoformat(), "practitioner": spa.esthetician.pk},
    )
    assert asked_for.status_code == 400
    assert {slot["practitioner"] for slot in api_slots(client, spa, day)} == {spa.nurse.pk}

    response = client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day, spa.esthetician))
    assert response.status_code == 200
    assert "choose one of the practitioners listed" in response.content.decode()
    assert not Appointment.objects.exists()
    # The service itself, handed the practitioner as loaded before the change.
    with pytest.raises(ValidationError):
        book_facial(spa, 10, "direct@example.com", day=day, practitioner=spa.esthetician)
    # "Anyone free" books the one still working.
    client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day, None))
    assert Appointment.objects.get().practitioner == spa.nurse


@pytest.mark.parametrize("how", ["update", "sql"])
def test_a_price_changed_behind_the_orm_is_the_price_booked(client, spa, how):
    day = next_working_day()
    set_price(spa.facial, "321.00", how)
    response = client.post(f"/book/{spa.facial.slug}/", facial_post(spa, day, spa.esthetician))
    assert response.status_code == 302
    assert Appointment.objects.get().price == Decimal("321.00")
    # The service re-reads the treatment under its locks: a stale object changes nothing.
    stale = spa.facial
    set_price(stale, "333.00", how)
    appointment = book_facial(spa, 12, "second@example.com", day=day)
    assert appointment.price == Decimal("333.00")


def test_duration_and_retirement_behind_the_orm_are_obeyed(spa):
    day = next_working_day()
    Treatment.objects.filter(pk=spa.facial.pk).update(duration_minutes=90, buffer_minutes=0)
    appointment = book_facial(spa, 10, "long@example.com", day=day)  # spa.facial is stale
    assert appointment.end - appointment.start == datetime.timedelta(minutes=90)
    assert appointment.blocked_until == appointment.end
    Treatment.objects.filter(pk=spa.facial.pk).update(is_active=False)
    with pytest.raises(ValidationError, match="no longer offered"):
        book_facial(spa, 14, "retired@example.com", day=day)


def test_a_qualification_removed_in_sql_is_obeyed(client, spa):
    day = next_working_day()
    sql(
        "DELETE FROM practitioners_practitioner_qualified_treatments "
        "WHERE practitioner_id = %s AND treatment_id = %s",
        [spa.esthetician.pk, spa.facial.pk],
    )
    assert {slot["practitioner"] for slot in api_slots(client, spa, day)} == {spa.nurse.pk}
    with pytest.raises(ValidationError, match="does not perform"):
        book_facial(spa, 10, "mia@example.com", day=day)


def test_working_hours_and_time_off_written_in_bulk_are_obeyed(client, spa):
    day = next_working_day()
    ten = at(day, 10).isoformat()
    assert ten in api_starts(client, spa, day, spa.esthetician)
    TimeOff.objects.bulk_create(
        [TimeOff(practitioner=spa.esthetician, starts_at=at(day, 9), ends_at=at(day, 12))]
    )
    assert ten not in api_starts(client, spa, day, spa.esthetician)
    with pytest.raises(ValidationError):
        book_facial(spa, 10, "mia@example.com", day=day)
    TimeOff.objects.all().delete()
    assert ten in api_starts(client, spa, day, spa.esthetician)
    WorkingHours.objects.filter(practitioner=spa.esthetician, weekday=day.weekday()).update(
        starts_at=datetime.time(13)
    )
    assert ten not in api_starts(client, spa, day, spa.esthetician)
    with pytest.raises(ValidationError):
        book_facial(spa, 10, "mia@example.com", day=day)


def test_a_slot_vanishes_however_the_booking_was_written(client, spa):
    day = next_working_day()
    ten = at(day, 10).isoformat()
    assert ten in api_starts(client, spa, day, spa.esthetician)
    person = Client.objects.create(first_name="A", last_name="B", email="ab@example.com")
    Appointment.objects.bulk_create(
        [
            Appointment(
                client=person,
                treatment=spa.facial,
                practitioner=spa.esthetician,
                start=at(day, 10),
                end=at(day, 11),
                blocked_until=at(day, 11, 15),
                price=spa.facial.price,
                status="confirmed",
                token="bulk-token-long-enough-to-be-unguessable",
            )
        ]
    )
    assert ten not in api_starts(client, spa, day, spa.esthetician)
    Appointment.objects.update(status="cancelled")
    assert ten in api_starts(client, spa, day, spa.esthetician)
    sql("UPDATE bookings_appointment SET status = %s", ["confirmed"])
    assert ten not in api_starts(client, spa, day, spa.esthetician)
    url = f"/book/{spa.facial.slug}/?practitioner={spa.esthetician.pk}&date={day}"
    assert f'value="{ten}"' not in client.get(url).content.decode()
    Appointment.objects.all().delete()
    assert ten in api_starts(client, spa, day, spa.esthetician)
    assert f'value="{ten}"' in client.get(url).content.decode()


def test_catalogue_pages_show_a_change_made_in_sql_within_a_minute(client, spa):
    pages = ["/", "/treatments/", f"/treatments/{spa.facial.slug}/"]
    with time_machine.travel(datetime.datetime.now(datetime.UTC), tick=False) as clock:
        for url in pages:
            assert "$987" not in client.get(url).content.decode()
        set_price(spa.facial, "987.00", "sql")
        clock.shift(datetime.timedelta(seconds=61))
        for url in pages:
            assert "$987" in client.get(url).content.decode(), url


def test_a_cached_catalogue_page_keeps_its_headers(client, spa):
    url = f"/treatments/{spa.facial.slug}/"
    first, second = client.get(url), client.get(url)
    assert first.content == second.content
    for header in ("Content-Type", "Content-Security-Policy", "X-Content-Type-Options"):
        assert first.get(header) == second.get(header), header


def test_proven_bookings_share_one_client_and_keep_their_own_names(spa):
    """Two proofs of one email (any case) find one client; the name typed on the later
    form is that booking's own and changes nothing on the record."""
    day = next_working_day()
    first = book_facial(spa, 10, "Mia@Example.com", day=day)
    second = book_facial(spa, 12, "mia@example.com", day=day, first_name="Mallory")
    first, second = (appointment_prove_email(appointment=a) for a in (first, second))
    assert first.client_id == second.client_id
    assert Client.objects.get().first_name == "Mia"
    assert second.client_first_name == "Mallory"
