"""Who supervises practitioner P for treatment T on day D: every boundary."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from practitioners.models import SupervisionAgreement
from practitioners.supervision import (
    agreement_accept,
    agreements_for,
    physician_from_agreements,
    supervising_physician,
)
from tests.factories import (
    MedicalTreatmentFactory,
    PhysicianFactory,
    PractitionerFactory,
    SupervisionAgreementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
SPA_ZONE = ZoneInfo("America/New_York")
START, END = D(2027, 3, 1), D(2027, 8, 31)


@pytest.fixture
def botox():
    return MedicalTreatmentFactory(name="Botox")


@pytest.fixture
def nurse(botox):
    return PractitionerFactory(qualified_treatments=[botox])


@pytest.fixture
def doctor():
    return PhysicianFactory(licence_expires_on=D(2028, 1, 1))


def _agreement(nurse, doctor, **overrides):
    values = {
        "practitioner": nurse,
        "physician": doctor,
        "valid_from": START,
        "valid_until": END,
        "accepted_at": datetime.datetime(2027, 2, 1, 12, tzinfo=SPA_ZONE),
    }
    values.update(overrides)
    return SupervisionAgreementFactory(**values)


def lookup(nurse, treatment, day):
    return supervising_physician(practitioner=nurse, treatment=treatment, day=day)


@pytest.mark.parametrize(
    ("day", "supervised"),
    [
        (START - datetime.timedelta(days=1), False),
        (START, True),
        (D(2027, 6, 15), True),
        (END, True),
        (END + datetime.timedelta(days=1), False),
    ],
)
def test_agreement_supervises_from_its_first_to_its_last_day(nurse, doctor, botox, day, supervised):
    _agreement(nurse, doctor)
    assert lookup(nurse, botox, day) == (doctor if supervised else None)


def test_no_agreement_means_no_supervisor(nurse, botox):
    assert lookup(nurse, botox, D(2027, 6, 1)) is None


def test_an_agreement_nobody_accepted_supervises_nothing(nurse, doctor, botox):
    _agreement(nurse, doctor, accepted_by=None, accepted_at=None)
    assert lookup(nurse, botox, D(2027, 6, 1)) is None


def test_acceptance_counts_from_the_day_it_was_given(nurse, doctor, botox):
    accepted = datetime.datetime(2027, 4, 10, 23, 30, tzinfo=SPA_ZONE)
    _agreement(nurse, doctor, accepted_at=accepted)
    assert lookup(nurse, botox, D(2027, 4, 9)) is None
    assert lookup(nurse, botox, D(2027, 4, 10)) == doctor


@pytest.mark.parametrize(
    ("licence_expires_on", "supervised"),
    [(D(2027, 6, 14), False), (D(2027, 6, 15), True), (D(2027, 6, 16), True)],
)
def test_physician_licence_must_be_valid_on_the_day(
    nurse, doctor, botox, licence_expires_on, supervised
):
    doctor.licence_expires_on = licence_expires_on
    doctor.save()
    _agreement(nurse, doctor)
    assert lookup(nurse, botox, D(2027, 6, 15)) == (doctor if supervised else None)


def test_an_inactive_physician_supervises_nothing(nurse, doctor, botox):
    _agreement(nurse, doctor)
    doctor.is_active = False
    doctor.save()
    assert lookup(nurse, botox, D(2027, 6, 15)) is None


def test_agreement_limited_to_some_treatments(nurse, doctor, botox):
    laser = MedicalTreatmentFactory(name="Laser")
    agreement = _agreement(nurse, doctor, covers_all_qualified=False)
    agreement.treatments.set([laser])
    assert lookup(nurse, botox, D(2027, 6, 15)) is None
    assert lookup(nurse, laser, D(2027, 6, 15)) == doctor


def test_a_physician_supervises_themself_while_licensed(botox):
    physician = PhysicianFactory(licence_expires_on=D(2027, 6, 15))
    assert lookup(physician, botox, D(2027, 6, 15)) == physician
    assert lookup(physician, botox, D(2027, 6, 16)) is None


def test_other_practitioners_agreements_do_not_count(nurse, doctor, botox):
    other_nurse = PractitionerFactory()
    _agreement(other_nurse, doctor)
    assert lookup(nurse, botox, D(2027, 6, 15)) is None


def test_several_agreements_pick_the_longest_standing_one(nurse, botox):
    first, second = (
        PhysicianFactory(licence_expires_on=D(2030, 1, 1)),
        PhysicianFactory(licence_expires_on=D(2030, 1, 1)),
    )
    _agreement(nurse, second, valid_from=D(2027, 5, 1))
    _agreement(nurse, first, valid_from=D(2027, 3, 1))
    assert lookup(nurse, botox, D(2027, 6, 15)) == first
    assert lookup(nurse, botox, D(2027, 4, 15)) == first


def test_bulk_lookup_answers_many_days_in_two_queries(
    nurse, doctor, botox, django_assert_num_queries
):
    _agreement(nurse, doctor)
    with django_assert_num_queries(2):
        agreements = agreements_for([nurse.pk])
    days = [START + datetime.timedelta(days=n) for n in range(-5, 190)]
    with django_assert_num_queries(0):
        answers = {
            day: physician_from_agreements(agreements, practitioner=nurse, treatment=botox, day=day)
            for day in days
        }
    assert {day for day, who in answers.items() if who} == {
        day for day in days if START <= day <= END
    }


def test_only_the_physician_can_accept_their_agreement(nurse, doctor):
    agreement = _agreement(nurse, doctor, accepted_by=None, accepted_at=None)
    front_desk = UserFactory(username="frontdesk", is_staff=True)
    with pytest.raises(PermissionDenied):
        agreement_accept(agreement=agreement, user=front_desk)
    agreement.refresh_from_db()
    assert agreement.accepted_at is None

    accepted = agreement_accept(agreement=agreement, user=doctor.user)
    assert accepted.accepted_by == doctor.user
    assert accepted.accepted_at is not None
    with pytest.raises(ValidationError):
        agreement_accept(agreement=agreement, user=doctor.user)


def test_database_refuses_self_supervision_and_half_acceptance(doctor):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisionAgreement.objects.create(
            practitioner=doctor, physician=doctor, valid_from=START, valid_until=END
        )
    nurse = PractitionerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisionAgreement.objects.create(
            practitioner=nurse, physician=doctor, valid_from=END, valid_until=START
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisionAgreement.objects.create(
            practitioner=nurse,
            physician=doctor,
            valid_from=START,
            valid_until=END,
            accepted_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisionAgreement.objects.create(
            practitioner=nurse,
            physician=doctor,
            valid_from=START,
            valid_until=END,
            chart_review_percent=101,
        )
