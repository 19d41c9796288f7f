"""A small bookable spa: a facial and Botox, a nurse who does both under Dr. Reyes.

The `spa` fixture (tests/conftest.py) builds it; the helpers here build requests.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bookings.models import Appointment, Review
from bookings.services.appointments import appointment_book
from bookings.services.clients import ClientDetails
from bookings.services.intake import ConsentGiven, IntakeAnswers
from bookings.services.records import ChartEntry
from bookings.services.visits import appointment_set_status
from practitioners.models import Practitioner
from tests.factories import (
    ContraindicationFactory,
    MedicalTreatmentFactory,
    PhysicianFactory,
    PractitionerFactory,
    ResourceFactory,
    ResourceNeedFactory,
    SupervisionAgreementFactory,
    TreatmentContraindicationFactory,
    TreatmentFactory,
    WorkingHoursFactory,
    role,
)
from treatments.models import Resource, Treatment

NY = ZoneInfo("America/New_York")
# A Monday morning; bookings below are for Tuesday, well inside every window.
NOW = datetime.datetime(2027, 6, 7, 8, 0, tzinfo=NY)
TUESDAY = datetime.date(2027, 6, 8)


def next_working_day(days_ahead: int = 3) -> datetime.date:
    """A Monday-to-Saturday day a few days from the real today (for the pages' own clock)."""
    day = datetime.datetime.now(NY).date() + datetime.timedelta(days=days_ahead)
    while day.weekday() == 6:
        day += datetime.timedelta(days=1)
    return day


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=NY)


@dataclass
class Spa:
    facial: Treatment
    botox: Treatment
    nurse: Practitioner
    esthetician: Practitioner
    doctor: Practitioner


def build_spa() -> Spa:
    facial = TreatmentFactory(
        name="Hydrating facial", slug="hydrating-facial", duration_minutes=60, buffer_minutes=15
    )
    botox = MedicalTreatmentFactory(
        name="Botox", slug="botox", duration_minutes=30, buffer_minutes=10, charting="injectable"
    )
    for code, severity in [
        ("pregnant-or-breastfeeding", "absolute"),
        ("isotretinoin-last-6-months", "absolute"),
        ("blood-thinners", "relative"),
    ]:
        TreatmentContraindicationFactory(
            treatment=botox,
            contraindication=ContraindicationFactory(code=code),
            severity=severity,
        )
    far = datetime.date(2029, 1, 1)
    nurse = PractitionerFactory(
        display_name="Nora Nurse", qualified_treatments=[facial, botox], licence_expires_on=far
    )
    esthetician = PractitionerFactory(
        display_name="Ella Esthetician",
        role=role("esthetician"),
        qualified_treatments=[facial],
        licence_expires_on=far,
    )
    doctor = PhysicianFactory(display_name="Dr. Reyes", licence_expires_on=far)
    for person in (nurse, esthetician):
        for weekday in range(6):
            WorkingHoursFactory(
                practitioner=person,
                weekday=weekday,
                starts_at=datetime.time(9),
                ends_at=datetime.time(17),
            )
    SupervisionAgreementFactory(
        practitioner=nurse,
        physician=doctor,
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2028, 12, 31),
        accepted_at=datetime.datetime(2025, 12, 1, tzinfo=NY),
    )
    return Spa(facial=facial, botox=botox, nurse=nurse, esthetician=esthetician, doctor=doctor)


@dataclass
class Rooms:
    room_1: Resource
    room_2: Resource
    laser: Resource
    laser_treatment: Treatment


def add_rooms(spa: Spa) -> Rooms:
    """Rooms and devices: the facial needs a treatment room (Room 1 or Room 2); laser
    hair removal (medical, performed by Nora Nurse under Dr. Reyes) needs the laser."""
    room_1 = ResourceFactory(name="Room 1")
    room_2 = ResourceFactory(name="Room 2")
    laser = ResourceFactory(name="Laser", kind=Resource.Kind.DEVICE, notes="Diode, 810 nm")
    ResourceNeedFactory(treatment=spa.facial, label="a treatment room", resources=[room_1, room_2])
    laser_treatment = MedicalTreatmentFactory(
        name="Laser hair removal",
        slug="laser-hair-removal",
        duration_minutes=30,
        buffer_minutes=10,
        charting=Treatment.Charting.ENERGY_DEVICE,
    )
    ResourceNeedFactory(treatment=laser_treatment, label="the laser", resources=[laser])
    spa.nurse.qualified_treatments.add(laser_treatment)
    return Rooms(room_1=room_1, room_2=room_2, laser=laser, laser_treatment=laser_treatment)


def client_details(email: str = "mia@example.com", **overrides) -> ClientDetails:
    values = {
        "first_name": "Mia",
        "last_name": "Client",
        "email": email,
        "phone": "+1 212 555 0100",
    }
    values.update(overrides)
    return ClientDetails(**values)


def intake_answers(**overrides) -> IntakeAnswers:
    values = {
        "date_of_birth": datetime.date(1990, 4, 2),
        "pregnant_or_breastfeeding": False,
        "isotretinoin_last_6_months": False,
        "blood_thinners": False,
    }
    values.update(overrides)
    return IntakeAnswers(**values)


# A complete injectable chart (product, lot, expiry, units).
INJECTION = ChartEntry(
    what_was_done="Glabellar lines treated.",
    product="Botox Cosmetic",
    lot_number="C1234",
    lot_expiry=datetime.date(2030, 1, 1),
    units_per_area="Glabella: 20",
)


CONSENT = ConsentGiven(given=True, ip_address="203.0.113.9", user_agent="pytest")


def book_facial(
    spa: Spa,
    hour: int,
    email: str,
    *,
    day: datetime.date | None = None,
    practitioner: Practitioner | None = None,
    first_name: str = "Mia",
):
    """An online facial booking through the service (default: the esthetician, three
    working days ahead)."""
    return appointment_book(
        treatment=spa.facial,
        practitioner=practitioner or spa.esthetician,
        start=at(day or next_working_day(), hour),
        client=client_details(email, first_name=first_name),
    )


def book_botox(
    spa: Spa,
    hour: int = 10,
    blood_thinners: bool = True,
    email: str = "mia@example.com",
    first_name: str = "Mia",
):
    """A medical booking with the nurse (supervised by Dr. Reyes), intake and consent:
    it waits for the doctor's review."""
    return appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=at(next_working_day(), hour),
        client=client_details(email, first_name=first_name),
        intake=intake_answers(blood_thinners=blood_thinners),
        consent=CONSENT,
    )


def book_facial_at(
    spa: Spa, start: datetime.datetime, practitioner=None, email="mia@example.com", **kwargs
):
    """A facial at an exact time (any free practitioner unless one is given)."""
    return appointment_book(
        treatment=spa.facial,
        practitioner=practitioner,
        start=start,
        client=client_details(email),
        **kwargs,
    )


def book_botox_at(
    spa: Spa,
    start: datetime.datetime,
    intake=None,
    consent=CONSENT,
    email="mia@example.com",
    **kwargs,
):
    """Botox with the nurse at an exact time, with intake and consent."""
    return appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=start,
        client=client_details(email),
        intake=intake or intake_answers(),
        consent=consent,
        **kwargs,
    )


def complete_visit(appointment):
    """Walk a booked visit to completed as the front desk would on the day, its review
    approved behind the service's back (for tests about what comes after)."""
    start = appointment.start
    Appointment.objects.filter(pk=appointment.pk).update(status="confirmed")
    Review.objects.filter(appointment=appointment).update(decision="approved", decided_at=start)
    appointment_set_status(appointment=appointment, status="checked_in", now=start)
    return appointment_set_status(
        appointment=appointment, status="completed", now=start + datetime.timedelta(minutes=40)
    )


def fill_the_day(spa: Spa, day: datetime.date, practitioners: int) -> None:
    """More data for query-count tests: `practitioners` more facial practitioners
    working 8:00 to 20:00, each booked six times on `day`."""
    for n in range(practitioners):
        extra = PractitionerFactory(qualified_treatments=[spa.facial])
        for weekday in range(6):
            extra.working_hours.create(
                weekday=weekday, starts_at=datetime.time(8), ends_at=datetime.time(20)
            )
        for hour in range(8, 19, 2):
            book_facial(spa, hour, f"p{n}-{hour}@example.com", day=day, practitioner=extra)
