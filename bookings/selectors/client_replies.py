"""What the client said about an upcoming visit, for the front desk: confirmed or not
yet, texts agreed to, or stopped (STOP). Read in the query that loads the visits (an
EXISTS per row, no query per row)."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from bookings.models import Appointment, TextOptOut

# The annotation's name, on an appointment (or `<prefix>__` on a row that joins one).
TEXTS_STOPPED = "texts_stopped"


def texts_stopped(phone_field: str = "client_phone") -> Exists:
    """True when the number the visit was booked with replied STOP (and has not replied
    START since)."""
    return Exists(TextOptOut.objects.filter(phone=OuterRef(phone_field)).exclude(phone=""))


def with_texts_stopped(appointments: QuerySet) -> QuerySet:
    return appointments.annotate(**{TEXTS_STOPPED: texts_stopped()})


@dataclass(frozen=True)
class Marker:
    kind: str  # "confirmed", "unconfirmed", "texts-off", "texts-on": the CSS modifier
    words: str
    title: str = ""  # the detail on hover (the words carry the meaning)


def client_markers(appointment: Appointment, now: datetime.datetime) -> list[Marker]:
    """The markers of a confirmed, upcoming visit (none for any other): whether the
    client confirmed, and whether texts reach them. Needs the `texts_stopped`
    annotation (False when missing)."""
    if appointment.status != Appointment.Status.CONFIRMED or appointment.start <= now:
        return []
    if appointment.client_confirmed_at is not None:
        markers = [Marker("confirmed", "Confirmed by client")]
    else:
        markers = [Marker("unconfirmed", "Not confirmed yet")]
    if getattr(appointment, TEXTS_STOPPED, False):
        markers.append(
            Marker("texts-off", "Texts off (STOP)", "The client's phone replied STOP: no texts.")
        )
    elif appointment.sms_opt_in_at is not None:
        markers.append(Marker("texts-on", "Texts on", "The client agreed to text reminders."))
    return markers
