"""bookings/hot_sql.py writes and reads what the ORM would (both databases)."""

import datetime
from decimal import Decimal

import pytest

from bookings.hot_sql import insert_row, unavailable_times
from bookings.models import Appointment, AppointmentEvent, Client
from tests.factories import TimeOffFactory, TreatmentFactory
from tests.spa import TUESDAY, at
from treatments.catalogue_cache import current_token, read_version_again

pytestmark = pytest.mark.django_db


def facial(spa, client: Client, hour: int, status: str = "confirmed") -> Appointment:
    """An unsaved one-hour facial with the esthetician on Tuesday (15 minutes' buffer)."""
    return Appointment(
        client=client,
        treatment=spa.facial,
        practitioner=spa.esthetician,
        start=at(TUESDAY, hour),
        end=at(TUESDAY, hour + 1),
        blocked_until=at(TUESDAY, hour + 1, 15),
        price=Decimal("95.00"),
        status=status,
    )


def mia() -> Client:
    return Client.objects.create(
        first_name="Mia", last_name="Chen", email="mia@example.com", phone="212 555 0100"
    )


def test_insert_row_writes_what_save_writes(spa):
    appointment = facial(spa, mia(), 10)
    insert_row(appointment)
    stored = Appointment.objects.get(pk=appointment.pk)
    for field in Appointment._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(appointment, field.attname), field.name
    assert len(stored.token) >= 43 and stored.source == "online"  # defaults applied
    assert stored.created_at is not None and stored.updated_at is not None  # auto_now
    assert not appointment._state.adding

    event = AppointmentEvent(appointment=appointment, action="created", detail="online")
    insert_row(event)
    assert list(appointment.events.values_list("pk", "detail")) == [(event.pk, "online")]


def test_insert_row_keeps_save_signals_for_models_that_have_them(spa):
    read_version_again()
    before = current_token()
    treatment = TreatmentFactory.build(category=spa.facial.category, slug="signals-still-fire")
    insert_row(treatment)  # the catalogue listens to Treatment saves
    read_version_again()
    assert treatment.pk and current_token() != before


def test_unavailable_times_are_time_off_and_held_time_that_touch_the_span(spa):
    TimeOffFactory(practitioner=spa.esthetician, starts_at=at(TUESDAY, 12), ends_at=at(TUESDAY, 13))
    client = mia()
    booked = facial(spa, client, 9)
    booked.save()
    facial(spa, client, 15, status="cancelled").save()  # cancelled: frees its time
    ids = [spa.esthetician.pk]
    found = unavailable_times(ids, at(TUESDAY, 10), at(TUESDAY, 18))
    assert sorted(found) == [
        (spa.esthetician.pk, at(TUESDAY, 9), at(TUESDAY, 10, 15)),  # its buffer reaches in
        (spa.esthetician.pk, at(TUESDAY, 12), at(TUESDAY, 13)),
    ]
    assert all(moment.tzinfo is not None for _, since, until in found for moment in (since, until))
    span = (at(TUESDAY, 10), at(TUESDAY, 18))
    moving = unavailable_times(ids, *span, ignore_appointment_id=booked.pk)
    assert [since for _, since, _ in moving] == [at(TUESDAY, 12)]
    assert unavailable_times(ids, at(TUESDAY, 10, 15), at(TUESDAY, 12)) == []
    assert unavailable_times([], at(TUESDAY, 0), at(TUESDAY, 23)) == []
    assert isinstance(found[0][1], datetime.datetime)


def test_insert_row_refuses_an_unsaved_related_object_as_save_does(spa):
    unsaved = Client(first_name="No", last_name="Row", email="no@example.com", phone="1234567")
    appointment = facial(spa, unsaved, 10)
    with pytest.raises(ValueError, match="unsaved related object"):
        insert_row(appointment)
    assert not Appointment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_practitioner_lock_is_refused_outside_a_transaction(spa):
    from django.db import connection
    from django.db.transaction import TransactionManagementError

    from bookings.hot_sql import lock_practitioners

    if connection.vendor != "postgresql":
        lock_practitioners([spa.esthetician.pk])  # SQLite: the write lock is the lock
        return
    with pytest.raises(TransactionManagementError):
        lock_practitioners([spa.esthetician.pk])
