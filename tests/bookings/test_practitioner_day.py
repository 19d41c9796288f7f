"""A practitioner's own page (/staff/): the day's schedule for every practitioner,
estheticians included; each medical visit's intake (readable, the read logged), consent
and exam; and a chart form that fits the treatment, the server refusing the fields of
another kind of record."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import MedicalAuditLog, TreatmentRecord
from bookings.services.appointments import appointment_book
from bookings.services.records import ChartEntry, ExamFindings, chart_write
from bookings.services.reviews import review_decide
from tests.factories import MedicalTreatmentFactory, ResourceFactory, UserFactory, needs
from tests.spa import (
    CONSENT,
    INJECTION,
    NY,
    at,
    book_botox_at,
    book_facial_at,
    client_details,
    complete_visit,
    intake_answers,
)

pytestmark = pytest.mark.django_db
DAY = datetime.date(2027, 6, 8)  # a Tuesday
BOOKED = datetime.datetime(2027, 6, 1, 9, 0, tzinfo=NY)
ON_THE_DAY = at(DAY, 8, 30)
AFTER = at(DAY, 17, 30)


@pytest.fixture
def nurse(spa):
    spa.nurse.user = UserFactory(username="nurse")
    spa.nurse.save()
    return spa.nurse.user


@pytest.fixture
def esthetician(spa):
    spa.esthetician.user = UserFactory(username="ella")
    spa.esthetician.save()
    return spa.esthetician.user


@pytest.fixture
def laser(spa):
    treatment = MedicalTreatmentFactory(
        name="Laser hair removal", slug="laser-hair-removal", charting="energy_device"
    )
    spa.nurse.qualified_treatments.add(treatment)
    return treatment


def _book_laser(spa, laser, hour: int):
    return appointment_book(
        treatment=laser,
        practitioner=spa.nurse,
        start=at(DAY, hour),
        client=client_details("laser@example.com"),
        intake=intake_answers(),
        consent=CONSENT,
    )


def test_an_esthetician_sees_her_day_spa_day(client, spa, esthetician):
    with time_machine.travel(BOOKED, tick=False):
        book_facial_at(spa, at(DAY, 10), practitioner=spa.esthetician)
        book_facial_at(spa, at(DAY, 14), practitioner=spa.esthetician, email="zoe@example.com")
    with time_machine.travel(ON_THE_DAY, tick=False):
        client.force_login(esthetician)
        html = client.get("/staff/").content.decode()
    assert "Tue 8 Jun 2027 (today)" in html
    assert html.count("Hydrating facial") == 2
    assert "10:00 AM to 11:00 AM" in html and "2:00 PM to 3:00 PM" in html
    assert "Day spa: no medical records" in html
    assert "No appointments on this day." not in html
    assert not MedicalAuditLog.objects.exists()  # nothing medical was shown


def test_each_visit_shows_the_room_and_device_it_holds(client, spa, esthetician):
    room = ResourceFactory(name="Room 3")
    needs(spa.facial, "a treatment room", room)
    with time_machine.travel(BOOKED, tick=False):
        book_facial_at(spa, at(DAY, 10), practitioner=spa.esthetician)
    with time_machine.travel(ON_THE_DAY, tick=False):
        client.force_login(esthetician)
        html = client.get("/staff/").content.decode()
    assert "Hydrating facial<br>" in html and "Room 3</span>" in html


def test_any_day_is_a_link_away_and_a_bad_day_shows_today(client, spa, esthetician):
    with time_machine.travel(BOOKED, tick=False):
        book_facial_at(spa, at(DAY, 10), practitioner=spa.esthetician)
    with time_machine.travel(ON_THE_DAY - datetime.timedelta(days=1), tick=False):
        client.force_login(esthetician)
        monday = client.get("/staff/").content.decode()
        assert "No appointments on this day." in monday
        assert 'href="?day=2027-06-08" rel="next">Next day' in monday
        tuesday = client.get("/staff/?day=2027-06-08").content.decode()
        assert "Tue 8 Jun 2027</h2>" in tuesday and "Hydrating facial" in tuesday
        for bad in ("2027-02-30", "tomorrow", "0001-01-01", "9999-12-31"):
            response = client.get(f"/staff/?day={bad}")
            html = response.content.decode()
            assert response.status_code == 200, bad
            assert "That is not a day we can show (YYYY-MM-DD): here is today." in html
            assert "Mon 7 Jun 2027 (today)" in html


def test_each_medical_visit_shows_its_intake_consent_and_exam(client, spa, nurse):
    spa.botox.requires_gfe = True
    spa.botox.save()
    with time_machine.travel(BOOKED, tick=False):
        waiting = book_botox_at(spa, at(DAY, 10), intake=intake_answers(blood_thinners=True))
        cleared = book_botox_at(spa, at(DAY, 11), email="cleared@example.com")
        review_decide(
            review=cleared.review,
            user=spa.doctor.user,
            decision="approved",
            exam=ExamFindings(performed_on=BOOKED.date(), findings="History, exam, plan."),
        )
    with time_machine.travel(ON_THE_DAY, tick=False):
        client.force_login(nurse)
        html = client.get("/staff/").content.decode()
    assert "Flag:</span> Blood thinners" in html
    assert f'href="/staff/appointments/{waiting.pk}/intake/">Read the intake' in html
    assert "Given Tue 1 Jun 2027" in html  # the consent
    assert "None on record yet: the doctor decides at the review" in html
    assert "Recorded for this visit: cleared by Dr. Reyes on Tue 1 Jun 2027" in html
    # Showing flags is a read of the medical record: logged like the doctor's queue.
    logged = MedicalAuditLog.objects.filter(user=nurse).values_list("appointment_id", "what")
    assert set(logged) == {(waiting.pk, "practitioner's day"), (cleared.pk, "practitioner's day")}


def test_the_practitioner_reads_the_intake_and_the_read_is_logged(client, spa, nurse, people_b):
    with time_machine.travel(BOOKED, tick=False):
        visit = book_botox_at(
            spa, at(DAY, 10), intake=intake_answers(blood_thinners=True, allergies="Latex")
        )
        facial = book_facial_at(spa, at(DAY, 14), practitioner=spa.nurse, email="f@example.com")
    client.force_login(nurse)
    response = client.get(f"/staff/appointments/{visit.pk}/intake/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<dt>Blood thinners</dt><dd><strong>Yes</strong></dd>" in html
    assert "<dt>Allergies</dt><dd>Latex</dd>" in html
    assert "I understand the risks and agree to the treatment." in html  # the consent
    assert "Waiting" in html  # the doctor's review
    log = MedicalAuditLog.objects.get()
    assert (log.user, log.appointment, log.action) == (nurse, visit, "viewed")
    assert log.what == "intake, consent and exam (practitioner)"
    # A day-spa visit has no intake; another practitioner's visit is not theirs to read.
    assert client.get(f"/staff/appointments/{facial.pk}/intake/").status_code == 404
    client.force_login(people_b)
    assert client.get(f"/staff/appointments/{visit.pk}/intake/").status_code == 404
    assert MedicalAuditLog.objects.count() == 1


@pytest.fixture
def people_b(spa):
    """Another practitioner with a login (the esthetician)."""
    spa.esthetician.user = UserFactory(username="ella")
    spa.esthetician.save()
    return spa.esthetician.user


@pytest.fixture
def treated(spa, laser):
    """A completed Botox visit (an injectable) and a completed laser visit."""
    with time_machine.travel(BOOKED, tick=False):
        botox = book_botox_at(spa, at(DAY, 10))
        laser_visit = _book_laser(spa, laser, 14)
    return complete_visit(botox), complete_visit(laser_visit)


def _fields(html: str) -> set[str]:
    names = ["product", "lot_number", "lot_expiry", "units_per_area", "device", "device_settings"]
    return {name for name in names if f'name="{name}"' in html}


def test_the_chart_form_asks_what_the_treatment_records(client, spa, nurse, treated):
    botox, laser_visit = treated
    with time_machine.travel(AFTER, tick=False):
        client.force_login(nurse)
        injectable = client.get(f"/staff/appointments/{botox.pk}/record/").content.decode()
        energy = client.get(f"/staff/appointments/{laser_visit.pk}/record/").content.decode()
    assert _fields(injectable) == {"product", "lot_number", "lot_expiry", "units_per_area"}
    assert _fields(energy) == {"device", "device_settings"}
    for html in (injectable, energy):
        assert 'name="what_was_done"' in html and 'name="adverse_reactions"' in html


def test_a_laser_chart_is_written_with_its_device_and_settings(client, spa, nurse, treated):
    _, laser_visit = treated
    with time_machine.travel(AFTER, tick=False):
        client.force_login(nurse)
        response = client.post(
            f"/staff/appointments/{laser_visit.pk}/record/",
            {
                "what_was_done": "Lower legs, one pass.",
                "device": "Candela GentleMax Pro",
                "device_settings": "755 nm, 18 mm, 10 J/cm2",
            },
        )
    assert response.status_code == 302
    record = TreatmentRecord.objects.get()
    assert (record.device, record.product, record.lot_expiry) == ("Candela GentleMax Pro", "", None)


@pytest.mark.parametrize(
    ("which", "foreign", "message"),
    [
        (
            0,
            {"device": "Candela", "device_settings": "755 nm"},
            "The record of an injectable has no device or settings: leave it out.",
        ),
        (
            1,
            {"product": "Botox", "lot_expiry": "2030-01-01"},
            "The record of a laser or light treatment has no product or lot expiry: leave it out.",
        ),
    ],
)
def test_a_field_of_another_kind_of_record_is_refused(
    client, spa, nurse, treated, which, foreign, message
):
    visit = treated[which]
    own = (
        {
            "product": "Botox Cosmetic",
            "lot_number": "C1234",
            "lot_expiry": "2030-01-01",
            "units_per_area": "Glabella: 20",
        }
        if which == 0
        else {"device": "Candela GentleMax Pro", "device_settings": "755 nm, 18 mm"}
    )
    with time_machine.travel(AFTER, tick=False):
        client.force_login(nurse)
        response = client.post(
            f"/staff/appointments/{visit.pk}/record/",
            {"what_was_done": "Treated.", **own, **foreign},
        )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TreatmentRecord.objects.exists()


def test_the_chart_service_refuses_another_kinds_fields_for_every_caller(spa, nurse, treated):
    botox, _ = treated
    entry = ChartEntry(**{**INJECTION.__dict__, "device": "Candela"})
    with time_machine.travel(AFTER, tick=False), pytest.raises(ValidationError) as refused:
        chart_write(appointment=botox, user=nurse, entry=entry)
    assert refused.value.messages == [
        "The record of an injectable has no device: leave it out. Nothing was saved."
    ]
    assert not TreatmentRecord.objects.exists()


def test_visits_left_without_a_chart_wait_on_later_days(client, spa, nurse, treated):
    botox, laser_visit = treated
    with time_machine.travel(AFTER + datetime.timedelta(days=2), tick=False):
        client.force_login(nurse)
        html = client.get("/staff/").content.decode()
        assert "Still to chart" in html
        for visit in (botox, laser_visit):
            assert f'href="/staff/appointments/{visit.pk}/record/">Write record' in html
        chart_write(appointment=botox, user=nurse, entry=INJECTION)
        html = client.get("/staff/").content.decode()
    assert f"/staff/appointments/{botox.pk}/record/" not in html
    assert f"/staff/appointments/{laser_visit.pk}/record/" in html


def test_the_day_costs_the_same_queries_with_more_visits(client, spa, nurse, monkeypatch):
    monkeypatch.setattr("medspa.sessions.REFRESH_SECONDS", 10**9)
    with time_machine.travel(BOOKED, tick=False):
        book_botox_at(spa, at(DAY, 9), intake=intake_answers(blood_thinners=True))
        book_facial_at(spa, at(DAY, 10), practitioner=spa.nurse, email="f1@example.com")
    client.force_login(nurse)
    client.get("/staff/?day=2027-06-08")  # the session's once-a-minute refresh
    with CaptureQueriesContext(connection) as small:
        client.get("/staff/?day=2027-06-08")
    with time_machine.travel(BOOKED, tick=False):
        for hour, minute in [(11, 30), (12, 30)]:
            book_botox_at(spa, at(DAY, hour, minute), email=f"b{hour}@example.com")
        for hour, minute in [(13, 30), (15, 0)]:
            start, email = at(DAY, hour, minute), f"f{hour}@example.com"
            book_facial_at(spa, start, practitioner=spa.nurse, email=email)
    with CaptureQueriesContext(connection) as large:
        rows = client.get("/staff/?day=2027-06-08").context["rows"]
    assert len(rows) == 6
    assert len(small) == len(large)
