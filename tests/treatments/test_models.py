"""The catalogue's rules: database constraints and the admin form's validation."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.factories import (
    MedicalTreatmentFactory,
    PractitionerFactory,
    TreatmentContraindicationFactory,
    TreatmentFactory,
    role,
)
from treatments.forms import TreatmentForm
from treatments.models import Treatment, TreatmentContraindication

pytestmark = pytest.mark.django_db


def _update_violates(treatment: Treatment, **values) -> bool:
    """Write `values` straight to the row (no model validation) and report a constraint error."""
    try:
        with transaction.atomic():
            Treatment.objects.filter(pk=treatment.pk).update(**values)
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    "values",
    [
        {"kind": "surgery"},
        {"duration_minutes": 0},
        {"duration_minutes": 481},
        {"buffer_minutes": 121},
        {"price": Decimal("-1.00")},
    ],
)
def test_database_refuses_impossible_treatments(values):
    treatment = TreatmentFactory()
    assert _update_violates(treatment, **values)


def test_database_refuses_a_medical_treatment_for_minors():
    treatment = MedicalTreatmentFactory()
    assert _update_violates(treatment, minimum_age=16)
    assert not _update_violates(treatment, minimum_age=21)


def test_database_refuses_gfe_or_consent_on_a_day_spa_treatment():
    treatment = TreatmentFactory()
    assert _update_violates(treatment, requires_gfe=True)
    assert _update_violates(treatment, requires_consent=True)


def test_a_contraindication_is_listed_once_per_treatment_with_a_known_severity():
    rule = TreatmentContraindicationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentContraindication.objects.create(
            treatment=rule.treatment, contraindication=rule.contraindication, severity="relative"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentContraindication.objects.filter(pk=rule.pk).update(severity="sometimes")


def test_role_may_perform_follows_the_allowed_roles_for_medical_treatments_only():
    laser = MedicalTreatmentFactory(allowed_roles=["registered-nurse", "physician"])
    facial = TreatmentFactory()
    assert laser.role_may_perform(role("registered-nurse"))
    assert not laser.role_may_perform(role("esthetician"))
    assert facial.role_may_perform(role("esthetician"))


def _form_data(treatment: Treatment | None = None, **overrides) -> dict:
    data = {
        "category": treatment.category_id if treatment else None,
        "kind": "medical",
        "name": "Laser hair removal",
        "slug": "laser-hair-removal",
        "is_active": "on",
        "display_order": 0,
        "summary": "Smooth skin that lasts.",
        "description": "Light energy disables the follicle.",
        "duration_minutes": 45,
        "buffer_minutes": 15,
        "price": "250.00",
        "minimum_age": 18,
        "allowed_roles": [role("registered-nurse").pk],
        "requires_consent": "on",
        "charting": "injectable",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_form_requires_roles_for_a_medical_treatment():
    category = TreatmentFactory().category
    form = TreatmentForm(data=_form_data(allowed_roles=[], category=category.pk))
    assert not form.is_valid()
    assert "Choose which roles may perform" in str(form.errors["allowed_roles"])


def test_form_refuses_roles_gfe_and_minors_where_they_do_not_belong():
    category = TreatmentFactory().category
    form = TreatmentForm(
        data=_form_data(kind="day_spa", requires_gfe="on", category=category.pk, minimum_age=12)
    )
    assert not form.is_valid()
    assert "leave this empty" in str(form.errors["allowed_roles"])
    assert "Only medical treatments" in str(form.errors)
    medical_minor = TreatmentForm(data=_form_data(category=category.pk, minimum_age=16))
    assert not medical_minor.is_valid()
    assert "aged 18 or over" in str(medical_minor.errors)


def test_form_refuses_to_strand_qualified_practitioners_when_roles_change():
    laser = MedicalTreatmentFactory(allowed_roles=["registered-nurse", "physician"])
    nurse = PractitionerFactory(display_name="Nora Nurse", qualified_treatments=[laser])
    data = _form_data(laser, slug=laser.slug, name=laser.name, allowed_roles=[role("physician").pk])
    form = TreatmentForm(data=data, instance=laser)
    assert not form.is_valid()
    assert "Nora Nurse" in str(form.errors["allowed_roles"])
    laser.refresh_from_db()
    assert set(laser.allowed_roles.values_list("code", flat=True)) == {
        "registered-nurse",
        "physician",
    }
    assert nurse.qualified_treatments.filter(pk=laser.pk).exists()
