"""G13 faults: the mail server down for 20 bookings (all saved, no error, all sent once
it is back, none twice), and a failure inside the booking transaction (nothing partial).

The database connection killed between requests through gunicorn:
test_gunicorn_db_kill.py."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bookings.models import (
    Appointment,
    AppointmentEvent,
    Client,
    Consent,
    Intake,
    OutboundEmail,
    Review,
)
from bookings.services import messages
from tests.security.helpers import botox_post, facial_post, figure, working_days

pytestmark = pytest.mark.django_db
BOOKINGS = 20


def test_mail_server_down_for_twenty_bookings(
    client, spa, settings, django_capture_on_commit_callbacks
):
    client.raise_request_exception = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    statuses = []
    days = working_days(BOOKINGS // 4)
    for n in range(BOOKINGS):
        data = facial_post(spa, days[n // 4], hour=9 + 2 * (n % 4), email=f"down{n}@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            statuses.append(client.post(f"/book/{spa.facial.slug}/", data).status_code)
    saved = Appointment.objects.count()
    queued = OutboundEmail.objects.filter(state="queued").count()
    errors = sum(1 for status in statuses if status >= 500)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    OutboundEmail.objects.update(next_attempt_at=timezone.now())
    call_command("send_reminders")  # the worker's schedule, run here
    first_run = len(mail.outbox)
    call_command("send_reminders")
    OutboundEmail.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(days=1))
    call_command("send_reminders")
    duplicates = len(mail.outbox) - first_run
    recipients = sorted(m.to[0] for m in mail.outbox)
    figure(
        f"G13 mail-down bookings={BOOKINGS} saved={saved} http_errors={errors} "
        f"queued_while_down={queued} sent_when_back={first_run} duplicates={duplicates} "
        f"distinct_recipients={len(set(recipients))}"
    )
    assert statuses == [302] * BOOKINGS
    assert (saved, queued, errors) == (BOOKINGS, BOOKINGS, 0)
    assert (first_run, duplicates, len(set(recipients))) == (BOOKINGS, 0, BOOKINGS)
    assert OutboundEmail.objects.filter(state="sent").count() == BOOKINGS


@pytest.mark.parametrize("kind", ["day_spa", "medical"])
def test_a_failure_inside_the_booking_transaction_leaves_nothing(client, spa, monkeypatch, kind):
    client.raise_request_exception = False

    def broken_queue(*args, **kwargs):
        raise RuntimeError("simulated crash after the rows were written")

    monkeypatch.setattr(messages, "queue", broken_queue)
    day = working_days(1)[0]
    post = facial_post if kind == "day_spa" else botox_post
    slug = spa.facial.slug if kind == "day_spa" else spa.botox.slug
    response = client.post(f"/book/{slug}/", post(spa, day, email="crash@example.com"))
    rows = {
        model.__name__: model.objects.count()
        for model in (Appointment, Client, Intake, Consent, Review, AppointmentEvent, OutboundEmail)
    }
    partial = sum(rows.values())
    figure(
        f"G13 crash-in-transaction kind={kind} status={response.status_code} "
        f"partial_rows={partial} " + " ".join(f"{k}={v}" for k, v in rows.items())
    )
    assert response.status_code == 500  # the crash itself; the point is what is left
    assert partial == 0
