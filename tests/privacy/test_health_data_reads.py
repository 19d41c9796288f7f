"""Issue 16, finding 6: every page and export that shows health data logs the
appointments it showed, in one INSERT per request."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import MedicalAuditLog
from tests.factories import UserFactory
from tests.security.helpers import figure, front_desk_user
from tests.spa import book_botox, book_facial, next_working_day

pytestmark = pytest.mark.django_db


def _logged(user, action: str) -> list[int]:
    return sorted(
        MedicalAuditLog.objects.filter(user=user, action=action).values_list(
            "appointment_id", flat=True
        )
    )


def _audit_inserts(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith('INSERT INTO "bookings_medicalauditlog"'))


@pytest.fixture
def three_requests(spa):
    return [book_botox(spa, hour=hour, email=f"c{hour}@example.com") for hour in (9, 11, 13)]


def test_the_doctors_queue_logs_each_appointment_it_shows(client, spa, three_requests):
    client.force_login(spa.doctor.user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/doctor/").status_code == 200
    figure(
        f"G20 health-data-reads page=doctor-queue shown=3 "
        f"logged={len(_logged(spa.doctor.user, 'viewed'))} inserts={_audit_inserts(queries)}"
    )
    assert _logged(spa.doctor.user, "viewed") == sorted(a.pk for a in three_requests)
    assert _audit_inserts(queries) == 1


def test_the_agreement_export_logs_each_appointment_in_it(client, spa, three_requests):
    agreement = spa.nurse.supervision_agreements.get(physician=spa.doctor)
    client.force_login(spa.doctor.user)
    response = client.get(f"/doctor/agreements/{agreement.pk}/export.csv")
    assert response.status_code == 200
    assert _logged(spa.doctor.user, "exported") == sorted(a.pk for a in three_requests)


def test_the_day_csv_logs_the_medical_appointments_in_it(client, spa, three_requests):
    facial = book_facial(spa, 15, "spa-only@example.com", day=next_working_day())
    desk = front_desk_user()
    client.force_login(desk)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/admin/bookings/appointment/export/?date={next_working_day()}")
    assert response.status_code == 200 and "Botox" in response.content.decode()
    assert _logged(desk, "exported") == sorted(a.pk for a in three_requests)
    assert facial.pk not in _logged(desk, "exported")
    assert _audit_inserts(queries) == 1


@pytest.mark.parametrize("model", ["intake", "consent"])
def test_the_admin_lists_of_records_log_each_row(client, spa, three_requests, model):
    auditor = UserFactory(username="auditor", is_staff=True)
    auditor.user_permissions.add(
        Permission.objects.get(codename="view_medical_records"),
        Permission.objects.get(codename=f"view_{model}"),
    )
    client.force_login(auditor)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/admin/bookings/{model}/").status_code == 200
    assert _logged(auditor, "viewed") == sorted(a.pk for a in three_requests)
    assert _audit_inserts(queries) == 1
