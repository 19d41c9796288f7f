"""The visit itself, in order: check in (from CHECK_IN_OPENS_MINUTES before the start),
then complete or mark a no-show (only once it has started). A medical visit still
waiting for the doctor may be checked in (the client is at the door) but not completed
until the doctor decides.

status_change_problem says, in the front desk's words, why a change can't happen now;
the admin greys out that button with it, and appointment_set_status refuses with it."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from bookings.models import Appointment, AppointmentEvent, Review
from bookings.services.appointment_changes import appointment_cancel
from bookings.services.exams import exam_due
from bookings.services.history import record_event
from medspa.clock import clock
from medspa.phones import phone_display

Status = Appointment.Status
# Where each status may go next; anything else is refused.
TRANSITIONS: dict[str, set[str]] = {
    Status.PENDING_REVIEW: {Status.CHECKED_IN, Status.NO_SHOW, Status.CANCELLED},
    Status.CONFIRMED: {Status.CHECKED_IN, Status.NO_SHOW, Status.CANCELLED},
    Status.CHECKED_IN: {Status.COMPLETED, Status.NO_SHOW},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
    Status.NO_SHOW: set(),
    Status.DECLINED: set(),
}
# What each step of the visit writes in the appointment's history.
EVENTS = {
    Status.CHECKED_IN: AppointmentEvent.Action.CHECKED_IN,
    Status.COMPLETED: AppointmentEvent.Action.COMPLETED,
    Status.NO_SHOW: AppointmentEvent.Action.NO_SHOW,
}
VERBS = {
    Status.CHECKED_IN: "checked in",
    Status.COMPLETED: "completed",
    Status.NO_SHOW: "marked a no-show",
    Status.CANCELLED: "cancelled",
}


def check_in_opens(appointment: Appointment) -> datetime.datetime:
    return appointment.start - datetime.timedelta(minutes=settings.CHECK_IN_OPENS_MINUTES)


def doctor_contact(appointment: Appointment) -> str:
    """The supervising doctor as the front desk would call them: name, and phone if any."""
    physician = appointment.supervising_physician
    if physician is None:
        return ""
    return (
        f"{physician.display_name}, {phone_display(physician.phone)}"
        if physician.phone
        else physician.display_name
    )


def _waiting_for_the_doctor(appointment: Appointment) -> bool:
    return Review.objects.filter(appointment=appointment, decision=Review.Decision.PENDING).exists()


def status_change_problem(
    appointment: Appointment, status: str, now: datetime.datetime | None = None
) -> str | None:
    """Why the visit can't become `status` now, for the front desk; None when it can."""
    now = now or timezone.now()
    current = Status(appointment.status)
    if status not in TRANSITIONS.get(current, set()):
        if not TRANSITIONS.get(current):
            return f"This visit is {current.label}: nothing more to do."
        if status == Status.COMPLETED:
            return "Check the client in first."
        if status == current:
            return f"Already {current.label}."
        return f"A visit that is {current.label} can't be {VERBS.get(status, status)}."
    start = timezone.localtime(appointment.start)
    if status == Status.CHECKED_IN:
        opens = check_in_opens(appointment)
        if now < opens:
            minutes = settings.CHECK_IN_OPENS_MINUTES
            return (
                f"Check-in opens at {clock(opens)}, "
                f"{minutes} minute{pluralize(minutes)} before the start."
            )
        if timezone.localtime(now).date() > start.date():
            return "The visit's day is over: mark it a no-show or cancel it."
    if status in (Status.COMPLETED, Status.NO_SHOW) and now < appointment.start:
        return f"Possible once the visit has started, at {clock(appointment.start)}."
    if status == Status.COMPLETED and exam_due(appointment):
        return (
            "Waiting for the good-faith exam: a physician, NP or PA records it at /staff/ "
            "before the treatment."
        )
    if status == Status.COMPLETED and _waiting_for_the_doctor(appointment):
        return (
            f"Waiting for the doctor's review ({doctor_contact(appointment)}): "
            "it can be completed once the doctor decides."
        )
    return None


def appointment_set_status(
    *, appointment: Appointment, status: str, now: datetime.datetime | None = None, by=None
) -> Appointment:
    """Check in, complete or mark a no-show when status_change_problem allows it;
    cancelling goes through appointment_cancel (which mails the client)."""
    now = now or timezone.now()
    if status == Status.CANCELLED:
        return appointment_cancel(appointment=appointment, by_client=False, now=now, by=by)
    with transaction.atomic():
        current = (
            Appointment.objects.select_for_update(of=("self",), no_key=True)
            .select_related("supervising_physician")
            .get(pk=appointment.pk)
        )
        problem = status_change_problem(current, status, now)
        if problem:
            raise ValidationError(problem)
        previous = current.get_status_display()
        current.status = status
        current.save(update_fields=["status", "updated_at"])
        record_event(current, EVENTS[status], by, f"from {previous}")
    return current
