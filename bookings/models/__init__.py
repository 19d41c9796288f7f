"""The bookings app's models, one module per entity; all importable from here."""

from bookings.models.appointments import (
    LONGEST_HOLD,
    Appointment,
    AppointmentEvent,
    AppointmentQuerySet,
    new_token,
)
from bookings.models.clients import Client, SignInLink, normalise_email
from bookings.models.clinical import (
    Consent,
    GoodFaithExam,
    Intake,
    MedicalAuditLog,
    Review,
    TreatmentRecord,
)
from bookings.models.messages import (
    MailOptOut,
    OutboundEmail,
    OutboundText,
    OutboxMessage,
    TextOptOut,
)
from bookings.models.resources import ResourceAllocation
from bookings.models.waitlist import (
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOpening,
    WaitlistWindow,
)

__all__ = [
    "LONGEST_HOLD",
    "Appointment",
    "AppointmentEvent",
    "AppointmentQuerySet",
    "Client",
    "Consent",
    "GoodFaithExam",
    "Intake",
    "MedicalAuditLog",
    "MailOptOut",
    "OutboundEmail",
    "OutboundText",
    "OutboxMessage",
    "TextOptOut",
    "ResourceAllocation",
    "SignInLink",
    "Review",
    "TreatmentRecord",
    "WaitlistEntry",
    "WaitlistOffer",
    "WaitlistOpening",
    "WaitlistWindow",
    "new_token",
    "normalise_email",
]
