"""G14 health-data hygiene: a unique marker in every intake field never reaches logs,
error mails, client mail or URLs; each view of a medical record writes one log row."""

import datetime
import logging

import pytest
from django.core import mail
from django.utils import timezone

from bookings.models import Appointment, MedicalAuditLog
from bookings.services import messages
from bookings.services.delivery import run_schedule_here
from tests.factories import UserFactory
from tests.security.helpers import botox_post, figure, working_days

pytestmark = pytest.mark.django_db
MARKER = "HDX-9F3A-MARKER"
VIEWS = 5


def _intake(spa, day, n: int, **overrides) -> dict:
    return botox_post(
        spa,
        day,
        hour=9 + n,
        email=f"hyg{n}@example.com",
        medications=f"{MARKER}-medications",
        allergies=f"{MARKER}-allergies",
        conditions=f"{MARKER}-conditions",
        **overrides,
    )


def test_marker_never_leaves_the_medical_record(client, spa, settings, caplog, monkeypatch):
    client.raise_request_exception = False
    settings.ADMINS = [("Ops", "ops@example.com")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    caplog.set_level(logging.DEBUG)
    spa.nurse.user = UserFactory(username="nurse")
    spa.nurse.save()
    day = working_days(1)[0]
    locations = []

    # A booking, a refused one (an absolute contraindication), a doctor's reads and
    # decision, mail sent.
    for n, overrides in enumerate([{}, {"pregnant_or_breastfeeding": "yes"}]):
        response = client.post(f"/book/{spa.botox.slug}/", _intake(spa, day, n, **overrides))
        locations.append(response.get("Location", ""))
    appointment = Appointment.objects.get()
    client.force_login(spa.doctor.user)
    review_url = f"/doctor/reviews/{appointment.review.pk}/"
    before = MedicalAuditLog.objects.filter(action="viewed").count()
    for _ in range(VIEWS):
        client.get(review_url)
    viewed = MedicalAuditLog.objects.filter(action="viewed").count() - before
    response = client.post(review_url, {"decision": "approve", "note": "ok"})
    locations.append(response.get("Location", ""))
    client.logout()
    # What the worker would have sent by tomorrow.
    run_schedule_here(now=timezone.now() + datetime.timedelta(days=1))
    client_mail = [m for m in mail.outbox if "ops@example.com" not in m.to]

    in_logs = caplog.text.count(MARKER)
    in_client_mail = sum(
        MARKER in (m.subject + m.body + "".join(a[0] for a in m.alternatives)) for m in client_mail
    )
    in_urls = sum(MARKER in location for location in locations)
    figure(
        f"G14 marker_in_logs={in_logs} marker_in_client_mail={in_client_mail} "
        f"client_mails={len(client_mail)} marker_in_urls={in_urls} review_views={VIEWS} "
        f"viewed_rows={viewed}"
    )
    assert (in_logs, in_client_mail, in_urls) == (0, 0, 0)
    assert client_mail
    assert viewed == VIEWS


def test_error_mail_carries_no_intake_answers(client, spa, settings, caplog, monkeypatch):
    client.raise_request_exception = False
    settings.ADMINS = [("Ops", "ops@example.com")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    caplog.set_level(logging.DEBUG)
    day = working_days(1)[0]

    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(messages, "queue", crash)
    mail.outbox.clear()
    crashed = client.post(f"/book/{spa.botox.slug}/", _intake(spa, day, 5))
    error_mail = list(mail.outbox)
    in_error_mail = sum(
        MARKER in (m.subject + m.body + "".join(a[0] for a in getattr(m, "alternatives", [])))
        for m in error_mail
    )
    figure(
        f"G14 error-mail crash_status={crashed.status_code} error_mails={len(error_mail)} "
        f"marker_in_error_mail={in_error_mail} marker_in_logs={caplog.text.count(MARKER)}"
    )
    assert crashed.status_code == 500 and error_mail
    assert caplog.text.count(MARKER) == 0
    assert in_error_mail == 0


def test_each_admin_view_of_an_intake_is_logged_once(client, spa):
    client.raise_request_exception = False
    day = working_days(1)[0]
    client.post(f"/book/{spa.botox.slug}/", _intake(spa, day, 0))
    intake = Appointment.objects.get().intake
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for _ in range(VIEWS):
        assert client.get(f"/admin/bookings/intake/{intake.pk}/change/").status_code == 200
    rows = MedicalAuditLog.objects.filter(action="viewed", appointment=intake.appointment).count()
    figure(f"G14 admin-intake views={VIEWS} viewed_rows={rows}")
    assert rows == VIEWS
