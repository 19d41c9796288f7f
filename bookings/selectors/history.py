"""The appointment's history as its client reads it on the manage page: what happened,
when, and who did it, in the client's words (the front desk sees the same entries,
unabridged, in the admin's History)."""

import datetime
from dataclasses import dataclass

from bookings.models import Appointment, AppointmentEvent

Action = AppointmentEvent.Action
# What the client reads for each entry; entries not listed (a waived notice) stay
# with the spa.
WORDS = {
    Action.CREATED: "Booked",
    Action.MOVED: "Moved to a new time",
    Action.CANCELLED: "Cancelled",
    Action.REVIEWED: "Reviewed",
    Action.EMAIL_PROVEN: "Email address confirmed",
    Action.CHECKED_IN: "Checked in",
    Action.COMPLETED: "Completed",
    Action.NO_SHOW: "Marked as missed",
    Action.STATUS: "Status changed",
}


@dataclass(frozen=True)
class HistoryLine:
    at: datetime.datetime
    what: str
    who: str


def _who(event: AppointmentEvent) -> str:
    """A practitioner or doctor by name; anyone else on the staff as the front desk;
    no one at all is the client, online."""
    if event.user is None:
        return "you" if event.action == Action.EMAIL_PROVEN else "you, online"
    practitioner = getattr(event.user, "practitioner", None)
    if practitioner is not None:
        return practitioner.display_name
    return "the front desk"


def client_history(appointment: Appointment) -> list[HistoryLine]:
    """Oldest first. One query."""
    events = (
        AppointmentEvent.objects.filter(appointment=appointment, action__in=list(WORDS))
        .select_related("user__practitioner")
        .order_by("at", "pk")
    )
    return [HistoryLine(at=event.at, what=WORDS[event.action], who=_who(event)) for event in events]
