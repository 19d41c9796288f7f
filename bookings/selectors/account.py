"""What a signed-in client's account shows, and what we hold about them (the export)."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from bookings.models import (
    Appointment,
    Client,
    Consent,
    GoodFaithExam,
    Intake,
    MailOptOut,
    OutboundEmail,
    OutboundText,
    TextOptOut,
    TreatmentRecord,
    WaitlistEntry,
)

# The account page lists this many past visits; the export holds them all.
PAST_SHOWN = 20


@dataclass(frozen=True)
class AccountAppointments:
    upcoming: list[Appointment]
    past: list[Appointment]


def _appointments(client: Client) -> QuerySet[Appointment]:
    return Appointment.objects.filter(client=client).select_related(
        "treatment", "practitioner__role"
    )


def account_appointments(
    client: Client, now: datetime.datetime | None = None
) -> AccountAppointments:
    """Upcoming visits (soonest first, cancelled ones left out) and past ones (latest
    first, cancelled ones included so the client sees what happened): two queries,
    however long the history."""
    now = now or timezone.now()
    upcoming = list(_appointments(client).holding_time().filter(end__gt=now).order_by("start"))
    past = list(
        _appointments(client)
        .exclude(pk__in=[appointment.pk for appointment in upcoming])
        .filter(start__lte=now)
        .order_by("-start")[:PAST_SHOWN]
    )
    return AccountAppointments(upcoming=upcoming, past=past)


def mail_preferences(client: Client) -> dict[str, bool]:
    """The account's preferences as the form shows them."""
    return {
        "texts": client.sms_opt_in_at is not None,
        "book_again_mail": not MailOptOut.objects.filter(email=client.email).exists(),
    }


def texts_stopped(client: Client) -> bool:
    """The client's phone replied STOP: nothing we tick here overrides that."""
    return bool(client.phone) and TextOptOut.objects.filter(phone=client.phone).exists()


def _when(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _values(instance, fields: list[str]) -> dict[str, object]:
    values = {}
    for name in fields:
        value = getattr(instance, name)
        if isinstance(value, datetime.date | datetime.datetime):
            value = value.isoformat()
        values[name] = (
            value if isinstance(value, str | int | bool | dict | list | None) else str(value)
        )
    return values


INTAKE_FIELDS = [
    "date_of_birth",
    "pregnant_or_breastfeeding",
    "isotretinoin_last_6_months",
    "blood_thinners",
    "medications",
    "allergies",
    "conditions",
    "extra_answers",
    "flags",
    "changes",
    "created_at",
]
EXAM_FIELDS = ["performed_on", "expires_on", "findings", "outcome", "restrictions"]
RECORD_FIELDS = [
    "version",
    "what_was_done",
    "product",
    "lot_number",
    "lot_expiry",
    "units_per_area",
    "device",
    "device_settings",
    "adverse_reactions",
    "cosigned_at",
    "created_at",
]


def client_export(client: Client) -> dict[str, object]:
    """Everything we hold about the client, as plain data: the record, every booking
    with what was typed for it, intake answers, consents, treatment records, and the
    mail and texts we sent. A fixed number of queries."""
    appointments = (
        _appointments(client)
        .select_related("intake", "consent")
        .prefetch_related(
            Prefetch("treatment_records", queryset=TreatmentRecord.objects.order_by("version"))
        )
        .order_by("start")
    )
    booked = []
    for appointment in appointments:
        intake = _related_or_none(appointment, "intake")
        consent = _related_or_none(appointment, "consent")
        booked.append(
            {
                "treatment": appointment.treatment.name,
                "practitioner": appointment.practitioner.display_name,
                "start": _when(appointment.start),
                "end": _when(appointment.end),
                "status": appointment.get_status_display(),
                "price": str(appointment.price),
                "booked": appointment.get_source_display(),
                "booked_at": _when(appointment.created_at),
                "typed": {
                    "first_name": appointment.client_first_name,
                    "last_name": appointment.client_last_name,
                    "email": appointment.client_email,
                    "phone": appointment.client_phone,
                    "notes": appointment.client_notes,
                },
                "texts_agreed": _when(appointment.sms_opt_in_at),
                "intake": _values(intake, INTAKE_FIELDS) if intake else None,
                "consent": {"wording": consent.text, "given_at": _when(consent.consented_at)}
                if consent
                else None,
                "treatment_records": [
                    _values(record, RECORD_FIELDS) for record in appointment.treatment_records.all()
                ],
            }
        )
    return {
        "exported_at": timezone.now().isoformat(),
        "record": {
            "first_name": client.first_name,
            "last_name": client.last_name,
            "email": client.email,
            "phone": client.phone,
            "date_of_birth": client.date_of_birth.isoformat() if client.date_of_birth else None,
            "texts_wanted_since": _when(client.sms_opt_in_at),
            "created": _when(client.created_at),
        },
        "preferences": mail_preferences(client),
        "appointments": booked,
        "good_faith_exams": [
            _values(exam, EXAM_FIELDS) | {"examiner": exam.examiner.display_name}
            for exam in GoodFaithExam.objects.filter(client=client)
            .select_related("examiner")
            .order_by("performed_on")
        ],
        "waitlist": [
            {
                "treatment": entry.treatment.name,
                "joined": _when(entry.created_at),
                "state": entry.get_state_display(),
                "windows": [str(window) for window in entry.windows.all()],
            }
            for entry in WaitlistEntry.objects.filter(email=client.email)
            .select_related("treatment")
            .prefetch_related("windows")
            .order_by("created_at")
        ],
        # Mail about its bookings, and mail to its address about none (waitlist, links).
        "mail": [
            {"to": to, "subject": subject, "sent_at": _when(sent_at)}
            for to, subject, sent_at in OutboundEmail.objects.filter(
                Q(appointment__client=client) | Q(appointment__isnull=True, to=client.email)
            )
            .order_by("created_at")
            .values_list("to", "subject", "sent_at")
        ],
        "texts": [
            {"to": to, "text": body, "sent_at": _when(sent_at)}
            for to, body, sent_at in OutboundText.objects.filter(appointment__client=client)
            .order_by("created_at")
            .values_list("to", "body", "sent_at")
        ],
    }


def _related_or_none(appointment: Appointment, name: str) -> Intake | Consent | None:
    try:
        return getattr(appointment, name)
    except (Intake.DoesNotExist, Consent.DoesNotExist):
        return None
