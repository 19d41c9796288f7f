"""The appointment's history: who did what, and when."""

import datetime

from bookings.models import Appointment, AppointmentEvent
from medspa.clock import staff_time


def record_event(appointment: Appointment, action: str, by=None, detail: str = "") -> None:
    """The appointment's history: who (None: the client online) did what, and when."""
    user = by if by is not None and by.is_authenticated else None
    AppointmentEvent.objects.create(
        appointment=appointment, user=user, action=action, detail=detail[:300]
    )


def local_time_text(moment: datetime.datetime) -> str:
    return staff_time(moment)
