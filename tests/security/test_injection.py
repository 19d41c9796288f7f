"""G7 injection: script, attribute, template, CSV-formula, mail-header and SQL-looking
payloads in every free-text field, followed to every page, admin screen, mail, calendar
file and CSV export they reach."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.utils.html import escape

from bookings.models import Appointment, Intake, OutboundEmail, TreatmentRecord
from bookings.services.delivery import run_schedule_here
from practitioners.models import SupervisionAgreement
from tests.factories import UserFactory
from tests.security.helpers import botox_post, figure, front_desk_user, working_days
from tests.spa import complete_visit, next_working_day

pytestmark = pytest.mark.django_db
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "{% debug %}",
    '=HYPERLINK("http://x")',
    "+cmd",
    "@SUM(1)",
    "-2+3",
    "\t=1+1",
    "x@example.com\r\nBcc: victim@example.com",
    "'; DROP TABLE bookings_client; --",
]
DANGEROUS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<img src=x"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The free-text fields of an injectable's chart (the spa's Botox); a laser's device and
# settings are refused on it (services/charts.py).
CHART_FIELDS = {
    "what_was_done": 5000,
    "product": 120,
    "lot_number": 60,
    "units_per_area": 2000,
    "adverse_reactions": 2000,
}


class Findings:
    def __init__(self) -> None:
        self.checked = 0
        self.unescaped: list[str] = []
        self.errors: list[str] = []
        self.formula_cells: list[str] = []
        self.extra_recipients: list[str] = []
        self.refused_inputs = 0

    def html(self, where: str, response) -> str:
        self.checked += 1
        if response.status_code >= 500:
            self.errors.append(f"{where}: {response.status_code}")
        body = response.content.decode(errors="replace")
        for bad in DANGEROUS:
            if bad in body:
                self.unescaped.append(f"{where}: {bad}")
        return body

    def csv(self, where: str, response) -> None:
        self.checked += 1
        if response.status_code != 200:
            self.errors.append(f"{where}: {response.status_code}")
            return
        for row in csv.reader(io.StringIO(response.content.decode())):
            for cell in row:
                if cell[:1] in FORMULA_START:
                    self.formula_cells.append(f"{where}: {cell!r}")


_complete = complete_visit


def test_payloads_in_every_free_text_field(client, spa, settings):
    client.raise_request_exception = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    spa.nurse.user = UserFactory(username="nurse")
    spa.nurse.save()
    desk = front_desk_user()
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    found = Findings()
    day = next_working_day()
    booked: list[tuple[str, Appointment]] = []
    days = working_days(len(PAYLOADS) // 6 + 1)
    for n, payload in enumerate(PAYLOADS):
        slot_day = days[n // 6]
        hour, minute = divmod(9 * 60 + (n % 6) * 60, 60)
        email = f"inj{n}@example.com"
        everywhere = botox_post(
            spa,
            slot_day,
            hour=hour,
            minute=minute,
            first_name=payload[:80],
            last_name=payload[:80],
            email=email,
            notes=payload,
            medications=payload,
            allergies=payload,
            conditions=payload,
        )
        response = client.post(f"/book/{spa.botox.slug}/", everywhere)
        if response.status_code == 200:
            # Refused (a line break in a name): the re-rendered form must stay escaped.
            found.refused_inputs += 1
            found.html(f"refused form {n}", response)
            safe_names = {**everywhere, "first_name": f"Safe{n}", "last_name": "Name"}
            response = client.post(f"/book/{spa.botox.slug}/", safe_names)
        assert response.status_code == 302, (n, response.context["form"].errors)
        appointment = Appointment.objects.get(client_email=email)
        booked.append((payload, appointment))
        # A payload in the email field: refused, never a header.
        refused = client.post(
            f"/book/{spa.botox.slug}/",
            botox_post(spa, slot_day, hour=hour, minute=minute, email=payload),
        )
        found.refused_inputs += refused.status_code == 200
        found.html(f"email field {n}", refused)

    # The doctor reads and decides with the payload as the note; the nurse charts it.
    for payload, appointment in booked:
        client.force_login(spa.doctor.user)
        found.html("doctor queue", client.get("/doctor/"))
        review_url = f"/doctor/reviews/{appointment.review.pk}/"
        body = found.html("doctor review", client.get(review_url))
        if not all(escape(part.strip()) in body for part in payload.splitlines() if part.strip()):
            found.unescaped.append(f"doctor review does not show {payload!r} at all")
        decided = client.post(review_url, {"decision": "approve", "note": payload})
        if decided.status_code != 302:
            found.errors.append(f"approve with note {payload!r}: {decided.status_code}")
            continue
        found.html("doctor decided tab", client.get("/doctor/?tab=decided"))
        _complete(appointment)
        client.force_login(spa.nurse.user)
        chart = {name: payload[:limit] for name, limit in CHART_FIELDS.items()}
        chart["lot_expiry"] = "2030-01-01"
        written = client.post(f"/staff/appointments/{appointment.pk}/record/", chart)
        if written.status_code != 302:
            found.refused_inputs += 1
            chart.update(product="Botox", lot_number="L1", units_per_area="G: 20")
            written = client.post(f"/staff/appointments/{appointment.pk}/record/", chart)
        found.html("chart page", client.get(f"/staff/appointments/{appointment.pk}/record/"))
        record = TreatmentRecord.objects.filter(appointment=appointment).first()
        if record is not None:
            TreatmentRecord.objects.filter(pk=record.pk).update(needs_cosign=True)
            client.force_login(spa.doctor.user)
            found.html("doctor chart", client.get(f"/doctor/charts/{record.pk}/"))
            found.html("doctor co-sign tab", client.get("/doctor/?tab=cosign"))

    # Client pages, admin pages, CSV exports.
    client.logout()
    for _payload, appointment in booked:
        found.html("manage page", client.get(appointment.get_absolute_url()))
        found.html("reschedule page", client.get(appointment.get_absolute_url() + "reschedule/"))
        ics = client.get(appointment.get_absolute_url() + "calendar.ics").content.decode()
        found.checked += 1
        for line in ics.split("\r\n"):
            if line and not line.startswith(" ") and ":" in line:
                name = line.split(":", 1)[0].split(";", 1)[0]
                if name.lower() in {"bcc", "cc", "to", "attendee"}:
                    found.unescaped.append(f"ics header line {line!r}")
    for user in (desk, root):
        client.force_login(user)
        found.html("admin appointments", client.get("/admin/bookings/appointment/"))
        found.html("admin clients", client.get("/admin/bookings/client/"))
        found.html("admin day", client.get(f"/admin/bookings/appointment/day/?date={day}"))
        found.html("admin reviews", client.get("/admin/bookings/review/"))
        found.html("admin index", client.get("/admin/"))
        for _, appointment in booked:
            found.html(
                "admin appointment",
                client.get(f"/admin/bookings/appointment/{appointment.pk}/change/"),
            )
            found.html(
                "admin client",
                client.get(f"/admin/bookings/client/{appointment.client_id}/change/"),
            )
            # (The change page of a decided review is a 500 today: see
            # tests/security/test_access.py::test_admin_page_of_a_decided_review.)
        for export_day in sorted({a.start.date() for _, a in booked} | {day}):
            for offset in (-1, 0, 1):
                found.csv(
                    "admin day CSV",
                    client.get(
                        "/admin/bookings/appointment/export/"
                        f"?date={export_day + datetime.timedelta(days=offset)}"
                    ),
                )
    client.force_login(root)
    for intake in Intake.objects.all():
        found.html("admin intake", client.get(f"/admin/bookings/intake/{intake.pk}/change/"))
    for record in TreatmentRecord.objects.all():
        found.html(
            "admin record", client.get(f"/admin/bookings/treatmentrecord/{record.pk}/change/")
        )
    client.force_login(spa.doctor.user)
    agreement = SupervisionAgreement.objects.get(physician=spa.doctor)
    found.csv("doctor agreement CSV", client.get(f"/doctor/agreements/{agreement.pk}/export.csv"))

    # Mail: each message to its client only, no injected header, no raw HTML.
    run_schedule_here(now=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1))
    emails = list(OutboundEmail.objects.all())
    for email in emails:
        found.checked += 1
        for bad in DANGEROUS:
            if bad in email.html_body:
                found.unescaped.append(f"mail html {email.kind}: {bad}")
        client_email = email.appointment.client_email
        if email.to != client_email or "\n" in email.subject or "\r" in email.subject:
            found.extra_recipients.append(f"{email.kind} to {email.to!r}")
    for message in mail.outbox:
        found.checked += 1
        if len(message.recipients()) != 1 or "victim" in " ".join(message.recipients()):
            found.extra_recipients.append(f"{message.subject}: {message.recipients()}")
        rendered = message.message()
        if rendered.get_all("Bcc") or rendered.get_all("Cc"):
            found.extra_recipients.append(f"{message.subject}: Bcc/Cc header")
        for body, kind in getattr(message, "alternatives", []):
            if kind == "text/html" and any(bad in body for bad in DANGEROUS):
                found.unescaped.append(f"sent mail html {message.subject}")

    figure(
        f"G7 payloads={len(PAYLOADS)} appointments={len(booked)} outputs_checked={found.checked} "
        f"inputs_refused={found.refused_inputs} unescaped={len(found.unescaped)} "
        f"extra_recipients={len(found.extra_recipients)} "
        f"formula_cells={len(found.formula_cells)} errors={len(found.errors)} "
        f"mails={len(mail.outbox)}"
    )
    assert found.errors == []
    assert found.unescaped == []
    assert found.extra_recipients == []
    assert found.formula_cells == []
    assert len(booked) == len(PAYLOADS)
    assert TreatmentRecord.objects.count() == len(PAYLOADS)
