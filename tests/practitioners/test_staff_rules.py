"""Staff records: hours, time off, qualifications and agreements refuse bad data."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms import inlineformset_factory
from django.utils import timezone

from practitioners.forms import PractitionerForm, SupervisionAgreementForm, WorkingHoursFormSet
from practitioners.models import Practitioner, TimeOff, WorkingHours, expires_soon
from tests.factories import (
    MedicalTreatmentFactory,
    PhysicianFactory,
    PractitionerFactory,
    SupervisionAgreementFactory,
    TreatmentFactory,
    WorkingHoursFactory,
    role,
)

pytestmark = pytest.mark.django_db
T = datetime.time


def test_database_refuses_a_block_that_ends_before_it_starts():
    practitioner = PractitionerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingHours.objects.create(
            practitioner=practitioner, weekday=0, starts_at=T(17), ends_at=T(9)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingHours.objects.create(
            practitioner=practitioner, weekday=7, starts_at=T(9), ends_at=T(17)
        )


def test_database_refuses_time_off_that_ends_before_it_starts():
    practitioner = PractitionerFactory()
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeOff.objects.create(practitioner=practitioner, starts_at=now, ends_at=now)


def test_overlapping_blocks_are_refused_but_split_shifts_are_fine():
    morning = WorkingHoursFactory(weekday=2, starts_at=T(9), ends_at=T(13))
    afternoon = WorkingHours(
        practitioner=morning.practitioner, weekday=2, starts_at=T(14), ends_at=T(18)
    )
    afternoon.full_clean()
    clash = WorkingHours(
        practitioner=morning.practitioner, weekday=2, starts_at=T(12), ends_at=T(15)
    )
    with pytest.raises(ValidationError, match="overlaps another one on Wednesday"):
        clash.full_clean()
    other_day = WorkingHours(
        practitioner=morning.practitioner, weekday=3, starts_at=T(12), ends_at=T(15)
    )
    other_day.full_clean()


def test_blocks_added_together_in_the_admin_may_not_overlap():
    practitioner = PractitionerFactory()
    FormSet = inlineformset_factory(
        Practitioner,
        WorkingHours,
        formset=WorkingHoursFormSet,
        fields=["weekday", "starts_at", "ends_at"],
        extra=0,
    )
    data = {
        "working_hours-TOTAL_FORMS": "2",
        "working_hours-INITIAL_FORMS": "0",
        "working_hours-0-weekday": "1",
        "working_hours-0-starts_at": "09:00",
        "working_hours-0-ends_at": "13:00",
        "working_hours-1-weekday": "1",
        "working_hours-1-starts_at": "12:30",
        "working_hours-1-ends_at": "16:00",
    }
    formset = FormSet(data=data, instance=practitioner, prefix="working_hours")
    assert not formset.is_valid()
    assert "may not overlap" in str(formset.non_form_errors())
    assert not WorkingHours.objects.exists()


def _practitioner_data(**overrides):
    data = {
        "display_name": "Ella Esthetician",
        "slug": "ella",
        "role": role("esthetician").pk,
        "licence_number": "ES-1",
        "licence_expires_on": "2030-01-01",
        "is_active": "on",
        "display_order": 0,
    }
    data.update(overrides)
    return data


def test_a_practitioner_cannot_be_qualified_for_a_treatment_their_role_may_not_do():
    laser = MedicalTreatmentFactory(name="IPL photofacial", allowed_roles=["registered-nurse"])
    facial = TreatmentFactory(name="Hydrating facial")
    form = PractitionerForm(data=_practitioner_data(qualified_treatments=[laser.pk, facial.pk]))
    assert not form.is_valid()
    assert "may not perform IPL photofacial" in str(form.errors["qualified_treatments"])
    assert not Practitioner.objects.filter(slug="ella").exists()

    ok = PractitionerForm(data=_practitioner_data(qualified_treatments=[facial.pk]))
    assert ok.is_valid(), ok.errors


def test_changing_role_rechecks_qualifications():
    botox = MedicalTreatmentFactory(name="Botox", allowed_roles=["registered-nurse"])
    nurse = PractitionerFactory(qualified_treatments=[botox])
    data = _practitioner_data(
        slug=nurse.slug,
        display_name=nurse.display_name,
        role=role("esthetician").pk,
        qualified_treatments=[botox.pk],
    )
    form = PractitionerForm(data=data, instance=nurse)
    assert not form.is_valid()
    nurse.refresh_from_db()
    assert nurse.role.code == "registered-nurse"


def _agreement_data(practitioner, physician, **overrides):
    data = {
        "practitioner": practitioner.pk,
        "physician": physician.pk,
        "valid_from": "2027-01-01",
        "valid_until": "2027-12-31",
        "covers_all_qualified": "on",
        "chart_review_percent": 100,
    }
    data.update(overrides)
    return data


def test_agreement_form_refuses_non_physicians_self_and_bad_dates():
    nurse, other_nurse = PractitionerFactory(), PractitionerFactory()
    doctor = PhysicianFactory(licence_expires_on=datetime.date(2030, 1, 1))

    not_a_doctor = SupervisionAgreementForm(data=_agreement_data(nurse, other_nurse))
    assert not not_a_doctor.is_valid()
    assert "physician" in not_a_doctor.errors

    backwards = SupervisionAgreementForm(
        data=_agreement_data(nurse, doctor, valid_from="2027-12-31", valid_until="2027-01-01")
    )
    assert not backwards.is_valid()

    itself = SupervisionAgreementForm(data=_agreement_data(doctor, doctor))
    assert not itself.is_valid()

    too_much = SupervisionAgreementForm(
        data=_agreement_data(nurse, doctor, chart_review_percent=150)
    )
    assert not too_much.is_valid()
    assert "chart_review_percent" in too_much.errors


def test_agreement_form_refuses_an_expired_physician_and_empty_or_day_spa_cover():
    nurse = PractitionerFactory()
    lapsed = PhysicianFactory(licence_expires_on=datetime.date(2026, 12, 1))
    form = SupervisionAgreementForm(data=_agreement_data(nurse, lapsed))
    assert not form.is_valid()
    assert "licence expired" in str(form.errors["physician"])

    doctor = PhysicianFactory(licence_expires_on=datetime.date(2030, 1, 1))
    facial = TreatmentFactory()
    empty = SupervisionAgreementForm(data=_agreement_data(nurse, doctor, covers_all_qualified=""))
    assert not empty.is_valid()
    assert "Choose the treatments" in str(empty.errors["treatments"])
    day_spa = SupervisionAgreementForm(
        data=_agreement_data(nurse, doctor, covers_all_qualified="", treatments=[facial.pk])
    )
    assert not day_spa.is_valid()


def test_changing_an_accepted_agreement_needs_a_new_acceptance():
    agreement = SupervisionAgreementFactory()
    assert agreement.is_accepted
    data = _agreement_data(
        agreement.practitioner,
        agreement.physician,
        valid_from=agreement.valid_from.isoformat(),
        valid_until=(agreement.valid_until + datetime.timedelta(days=365)).isoformat(),
    )
    form = SupervisionAgreementForm(data=data, instance=agreement)
    assert form.is_valid(), form.errors
    form.save()
    agreement.refresh_from_db()
    assert not agreement.is_accepted

    agreement = SupervisionAgreementFactory()
    notes_only = _agreement_data(
        agreement.practitioner,
        agreement.physician,
        valid_from=agreement.valid_from.isoformat(),
        valid_until=agreement.valid_until.isoformat(),
        notes="Scanned copy in the binder.",
    )
    form = SupervisionAgreementForm(data=notes_only, instance=agreement)
    assert form.is_valid(), form.errors
    form.save()
    agreement.refresh_from_db()
    assert agreement.is_accepted


@pytest.mark.parametrize(("days_ahead", "soon"), [(-1, False), (0, True), (30, True), (31, False)])
def test_expiry_warning_window(days_ahead, soon):
    today = datetime.date(2027, 5, 1)
    assert expires_soon(today + datetime.timedelta(days=days_ahead), today) is soon


def test_a_practitioners_phone_is_stored_in_e164_and_a_bad_one_refused():
    form = PractitionerForm(data=_practitioner_data(phone="(212) 555-0177"))
    assert form.is_valid(), form.errors
    assert form.save().phone == "+12125550177"
    bad = PractitionerForm(data=_practitioner_data(slug="ella-2", phone="555"))
    assert not bad.is_valid() and "phone" in bad.errors
