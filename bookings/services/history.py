"""The appointment's history: who did what, and when."""

from bookings.models import Appointment, AppointmentEvent


def record_event(appointment: Appointment, action: str, by=None, detail: str = "") -> None:
    """The appointment's history: who (None: the client online) did what, and when."""
    user = by if by is not None and by.is_authenticated else None
    AppointmentEvent.objects.create(
        appointment=appointment, user=user, action=action, detail=detail[:300]
    )
