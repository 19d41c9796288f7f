"""The staff screens of the admin: rules shown as form errors, warnings, acceptance."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from practitioners.models import Practitioner, SupervisionAgreement
from tests.factories import (
    MedicalTreatmentFactory,
    PhysicianFactory,
    PractitionerFactory,
    SupervisionAgreementFactory,
    UserFactory,
    role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def _empty_inlines() -> dict:
    data = {}
    for prefix in ("working_hours", "time_off", "supervision_agreements"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data


def _practitioner_post(**overrides) -> dict:
    data = {
        "display_name": "Ella Esthetician",
        "slug": "ella",
        "role": role("esthetician").pk,
        "licence_number": "ES-1",
        "licence_expires_on": "2030-01-01",
        "is_active": "on",
        "display_order": "0",
        **_empty_inlines(),
    }
    data.update(overrides)
    return data


def test_admin_refuses_an_unqualifiable_treatment_with_a_message(superuser_client):
    laser = MedicalTreatmentFactory(name="IPL photofacial", allowed_roles=["registered-nurse"])
    response = superuser_client.post(
        "/admin/practitioners/practitioner/add/",
        _practitioner_post(qualified_treatments=[laser.pk]),
    )
    assert response.status_code == 200
    assert "may not perform IPL photofacial" in response.content.decode()
    assert not Practitioner.objects.filter(slug="ella").exists()


def test_admin_saves_a_practitioner_with_split_shifts(superuser_client):
    data = _practitioner_post(
        **{
            "working_hours-TOTAL_FORMS": "2",
            "working_hours-0-weekday": "0",
            "working_hours-0-starts_at": "09:00",
            "working_hours-0-ends_at": "13:00",
            "working_hours-1-weekday": "0",
            "working_hours-1-starts_at": "14:00",
            "working_hours-1-ends_at": "18:00",
        }
    )
    response = superuser_client.post("/admin/practitioners/practitioner/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Practitioner.objects.get(slug="ella").working_hours.count() == 2


def test_admin_refuses_overlapping_blocks_and_saves_nothing(superuser_client):
    data = _practitioner_post(
        **{
            "working_hours-TOTAL_FORMS": "2",
            "working_hours-0-weekday": "0",
            "working_hours-0-starts_at": "09:00",
            "working_hours-0-ends_at": "13:00",
            "working_hours-1-weekday": "0",
            "working_hours-1-starts_at": "12:00",
            "working_hours-1-ends_at": "18:00",
        }
    )
    response = superuser_client.post("/admin/practitioners/practitioner/add/", data)
    assert response.status_code == 200
    assert "may not overlap" in response.content.decode()
    assert not Practitioner.objects.filter(slug="ella").exists()


def test_lists_warn_about_licences_and_agreements_expiring_soon(superuser_client):
    soon = timezone.localdate() + datetime.timedelta(days=12)
    PractitionerFactory(display_name="Nina Soon", licence_expires_on=soon)
    PractitionerFactory(display_name="Fred Fine")
    SupervisionAgreementFactory(valid_until=soon + datetime.timedelta(days=3))

    page = superuser_client.get("/admin/practitioners/practitioner/").content.decode()
    assert "Nina Soon&#x27;s licence expires on" in page
    assert "Fred Fine&#x27;s licence" not in page
    assert "(expires in 12 days)" in page
    assert "ends on" in page

    filtered = superuser_client.get("/admin/practitioners/practitioner/?licence=soon")
    names = [p.display_name for p in filtered.context["cl"].result_list]
    assert names == ["Nina Soon"]


def _staff_with_agreement_perms(user):
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_supervisionagreement", "change_supervisionagreement"]
        )
    )
    return user


def test_a_physician_accepts_their_own_agreement_in_the_admin(client):
    doctor = PhysicianFactory()
    agreement = SupervisionAgreementFactory(physician=doctor, unaccepted=True)
    client.force_login(_staff_with_agreement_perms(doctor.user))
    response = client.post(
        "/admin/practitioners/supervisionagreement/",
        {"action": "accept_agreements", "_selected_action": [agreement.pk]},
        follow=True,
    )
    assert "Accepted:" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.accepted_by == doctor.user


def test_front_desk_cannot_accept_for_a_physician(client):
    agreement = SupervisionAgreementFactory(unaccepted=True)
    client.force_login(_staff_with_agreement_perms(UserFactory(username="frontdesk")))
    response = client.post(
        "/admin/practitioners/supervisionagreement/",
        {"action": "accept_agreements", "_selected_action": [agreement.pk]},
        follow=True,
    )
    assert f"Only {agreement.physician.display_name} can accept" in response.content.decode()
    assert not SupervisionAgreement.objects.get(pk=agreement.pk).is_accepted


def test_acceptance_cannot_be_forged_through_the_change_form(superuser_client):
    agreement = SupervisionAgreementFactory(unaccepted=True)
    data = {
        "practitioner": agreement.practitioner_id,
        "physician": agreement.physician_id,
        "valid_from": agreement.valid_from.isoformat(),
        "valid_until": agreement.valid_until.isoformat(),
        "covers_all_qualified": "on",
        "chart_review_percent": "100",
        "accepted_by": agreement.physician.user_id,
        "accepted_at": "2026-01-01 10:00",
    }
    superuser_client.post(f"/admin/practitioners/supervisionagreement/{agreement.pk}/change/", data)
    agreement.refresh_from_db()
    assert agreement.accepted_at is None
    assert agreement.accepted_by is None
