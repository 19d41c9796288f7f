"""Clients: who booked, as typed, and the proof that joins a booking to a client record.

Anyone can type any email address. A booking keeps what was typed for it (the
appointment's client_* fields) and joins a Client record only once the email is
proven: the client opened the link in the confirmation mail (or, later, signed in),
or the front desk picked the client from the records.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from bookings.models import Appointment, AppointmentEvent, Client, GoodFaithExam, normalise_email
from bookings.services.history import record_event

PROOF_SALT = "bookings.email-proof"


@dataclass(frozen=True)
class ClientDetails:
    first_name: str
    last_name: str
    email: str
    phone: str
    notes: str = ""
    # Ticked "text me reminders" (the words agreed to: settings.SMS_CONSENT_WORDING).
    sms_opt_in: bool = False

    @classmethod
    def from_form_data(cls, data: dict) -> "ClientDetails":
        return cls(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            notes=data.get("notes", ""),
            sms_opt_in=bool(data.get("sms_opt_in")),
        )

    @classmethod
    def of_record(cls, client: Client, notes: str = "") -> "ClientDetails":
        return cls(client.first_name, client.last_name, client.email, client.phone, notes)


class EmailProofExpired(Exception):
    """The proof link is genuine but older than EMAIL_PROOF_LINK_DAYS."""


def _email_digest(email: str) -> str:
    # The token names the email without showing it (or a guessable hash of it) to
    # whoever sees the link: keyed with SECRET_KEY.
    return salted_hmac(PROOF_SALT, normalise_email(email)).hexdigest()[:32]


def email_proof_token(appointment: Appointment) -> str:
    """A signed, dated token naming the appointment and the email it was booked with."""
    data = {"appointment": appointment.pk, "email": _email_digest(appointment.client_email)}
    return signing.dumps(data, salt=PROOF_SALT)


def appointment_for_proof(token: str) -> Appointment | None:
    """The appointment a proof token names, or None for a token we did not sign (or
    whose appointment no longer carries that email). Raises EmailProofExpired."""
    max_age = datetime.timedelta(days=settings.EMAIL_PROOF_LINK_DAYS)
    try:
        data = signing.loads(token, salt=PROOF_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise EmailProofExpired from None
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("appointment"), int):
        return None
    appointment = Appointment.objects.filter(pk=data["appointment"]).first()
    if appointment is None or not appointment.client_email:
        return None
    if _email_digest(appointment.client_email) != data.get("email"):
        return None
    return appointment


def client_with_email(email: str) -> Client | None:
    """The record holding this address; None for no address (callers may have none)."""
    email = normalise_email(email)
    return Client.objects.filter(email=email).first() if email else None


def client_record_for_caller(details: ClientDetails, date_of_birth: datetime.date | None) -> Client:
    """A new record for someone the front desk books on the phone. The desk spoke to
    them, as it does when it picks a record, so the booking joins it at once; an email
    already on record is refused (the desk picks that record instead)."""
    try:
        with transaction.atomic():
            return Client.objects.create(
                first_name=details.first_name.strip(),
                last_name=details.last_name.strip(),
                email=normalise_email(details.email),
                phone=details.phone,
                date_of_birth=date_of_birth,
            )
    except IntegrityError:
        raise ValidationError(
            {"email": "Another client on record has this email: pick them instead."}
        ) from None


def client_for_proven_email(appointment: Appointment) -> Client:
    """The record for the appointment's now proven email: found, or made from what was
    typed. A record found is never changed: what was typed stays the booking's own
    (the doctor sees where they differ)."""
    client, _created = Client.objects.get_or_create(
        email=normalise_email(appointment.client_email),
        defaults={
            "first_name": appointment.client_first_name,
            "last_name": appointment.client_last_name,
            "phone": appointment.client_phone,
            "date_of_birth": appointment.client_date_of_birth,
        },
    )
    return client


def appointment_prove_email(
    *, appointment: Appointment, now: datetime.datetime | None = None
) -> Appointment:
    """Join the appointment (and an exam recorded at its review) to the client record
    of its email. Only this appointment: another booked with the same address may be
    a stranger's."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update(no_key=True).get(pk=appointment.pk)
        if appointment.client_id is not None:
            return appointment
        if appointment.status in Appointment.FREEING_STATUSES:
            raise ValidationError("This booking is no longer active.")
        if not appointment.client_email:
            raise ValidationError("This booking has no email to prove.")
        client = client_for_proven_email(appointment)
        appointment.client = client
        appointment.email_proven_at = now or timezone.now()
        appointment.save(update_fields=["client", "email_proven_at", "updated_at"])
        GoodFaithExam.objects.filter(appointment=appointment, client__isnull=True).update(
            client=client
        )
        record_event(appointment, AppointmentEvent.Action.EMAIL_PROVEN)
    return appointment


def identity_mismatches(appointment: Appointment) -> list[str]:
    """Where what was typed for a linked booking differs from the client's record."""
    client = appointment.client
    if client is None:
        return []
    found = []
    typed_name, stored_name = appointment.client_full_name, client.full_name
    if typed_name.casefold() != stored_name.casefold():
        found.append(f"Name: typed {typed_name}, on record {stored_name}.")
    typed_birth, stored_birth = appointment.client_date_of_birth, client.date_of_birth
    if typed_birth and stored_birth and typed_birth != stored_birth:
        found.append(
            f"Date of birth: typed {typed_birth:%Y-%m-%d}, on record {stored_birth:%Y-%m-%d}."
        )
    return found
