"""Changing a booked appointment: cancel and move (the client online, within the
window, or the front desk). The visit itself (check in, complete) is services/visits.py."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from bookings.availability import Policy
from bookings.models import Appointment, AppointmentEvent, Review
from bookings.services import messages
from bookings.services.allocations import allocations_follow
from bookings.services.appointments import appointment_validate, taken
from bookings.services.history import record_event
from bookings.services.intake import ConsentGiven, stored_intake
from bookings.services.locks import lock_practitioner_ids, lock_schedules, treatment_as_stored
from bookings.services.records import exam_for_visit
from bookings.services.waitlist import time_freed
from medspa.clock import staff_time
from practitioners.models import Practitioner
from treatments.models import Treatment


def _exam_lapses(
    appointment: Appointment, treatment: Treatment, new_start: datetime.datetime
) -> bool:
    """An approval that rested on a good-faith exam which no longer covers the new day."""
    if not treatment.requires_gfe or appointment.status != Appointment.Status.CONFIRMED:
        return False
    if Review.objects.filter(appointment=appointment, exam_at_visit=True).exists():
        return False  # the exam happens at the visit, whatever its day
    day = timezone.localtime(new_start).date()
    return exam_for_visit(appointment, treatment=treatment, day=day) is None


def _where(start: datetime.datetime, practitioner: Practitioner, resources: Iterable[str]) -> str:
    """ "Tue 8 Jun 2027, 2:00 PM with Maya, Room 2": a time in the history."""
    return ", ".join([f"{staff_time(start)} with {practitioner.display_name}", *resources])


def manage_link_expired(appointment: Appointment, now: datetime.datetime | None = None) -> bool:
    """A client's link works until MANAGE_LINK_DAYS_AFTER_VISIT days after the visit."""
    days = datetime.timedelta(days=settings.MANAGE_LINK_DAYS_AFTER_VISIT)
    return (now or timezone.now()) >= appointment.end + days


def cancellation_deadline(appointment: Appointment) -> datetime.datetime:
    return appointment.start - datetime.timedelta(hours=settings.CANCELLATION_NOTICE_HOURS)


def appointment_can_change_online(
    appointment: Appointment, now: datetime.datetime | None = None
) -> bool:
    """Clients may cancel or move online while it is active and before the cut-off."""
    now = now or timezone.now()
    return appointment.status in Appointment.CHANGEABLE_STATUSES and now < cancellation_deadline(
        appointment
    )


def _refuse_online_change(appointment: Appointment, now: datetime.datetime) -> None:
    if appointment.status not in Appointment.CHANGEABLE_STATUSES:
        raise ValidationError(
            f"This appointment is {appointment.get_status_display()} and can no longer be "
            "changed online. Please call us."
        )
    if now >= cancellation_deadline(appointment):
        hours = settings.CANCELLATION_NOTICE_HOURS
        raise ValidationError(
            f"Changes online close {hours} hour{pluralize(hours)} before the "
            "appointment. Please call us."
        )


def appointment_cancel(
    *,
    appointment: Appointment,
    by_client: bool,
    now: datetime.datetime | None = None,
    by=None,
) -> Appointment:
    """Cancel and free the time; clients only before the cut-off. Mails the client."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_practitioner_ids(
            Appointment.objects.filter(pk=appointment.pk).values_list("practitioner_id", flat=True)
        )
        appointment = Appointment.objects.select_for_update(no_key=True).get(pk=appointment.pk)
        if by_client:
            _refuse_online_change(appointment, now)
        elif appointment.status not in Appointment.CHANGEABLE_STATUSES:
            raise ValidationError(
                f"A {appointment.get_status_display()} appointment cannot be cancelled."
            )
        appointment.status = Appointment.Status.CANCELLED
        appointment.cancelled_at = now
        appointment.save(update_fields=["status", "cancelled_at", "updated_at"])
        allocations_follow(appointment)
        Review.objects.filter(appointment=appointment, decision=Review.Decision.PENDING).delete()
        record_event(
            appointment,
            AppointmentEvent.Action.CANCELLED,
            by,
            "by the client online" if by_client else "at the spa",
        )
        messages.queue(appointment, messages.Kind.CANCELLED)
        # The freed time goes to the waitlist (the worker offers it after commit).
        time_freed(
            practitioner_id=appointment.practitioner_id,
            start=appointment.start,
            until=appointment.blocked_until,
            why="cancelled",
            now=now,
        )
    return appointment


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime.datetime,
    practitioner: Practitioner | None = None,
    by_client: bool,
    now: datetime.datetime | None = None,
    enforce_notice: bool = True,
    resources: frozenset[int] = frozenset(),
    by=None,
) -> Appointment:
    """Move to a new time under the same rules as booking; the old time is freed.

    The same practitioner unless another is given; rooms and devices picked afresh
    unless the front desk names one (`resources`), so a move may also swap a room. A
    medical appointment whose supervising physician changes with the new date goes
    back to review.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = Appointment.objects.select_related("treatment").get(pk=appointment.pk)
        target = practitioner or current.practitioner
        lock_schedules(current.treatment, target, also=[current.practitioner_id])
        current = (
            Appointment.objects.select_for_update(of=("self",), no_key=True)
            .select_related("treatment")
            .get(pk=appointment.pk)
        )
        if by_client:
            _refuse_online_change(current, now)
        elif current.status not in Appointment.CHANGEABLE_STATUSES:
            raise ValidationError(f"A {current.get_status_display()} appointment cannot be moved.")
        held = dict(
            current.allocations.filter(holds_time=True).values_list("resource_id", "resource__name")
        )
        if (
            start == current.start
            and target.pk == current.practitioner_id
            and resources <= held.keys()
        ):
            raise ValidationError(
                {"start": "That is already the time of your appointment. Choose another."}
            )
        treatment = treatment_as_stored(current.treatment_id)
        plan = appointment_validate(
            treatment=treatment,
            practitioner=target,
            start=start,
            intake=stored_intake(current),
            consent=ConsentGiven(given=True),
            now=now,
            ignore_appointment=current,
            enforce_notice=enforce_notice,
            wanted_resources=resources,
        )
        review_again = treatment.is_medical and (
            plan.supervising_physician != current.supervising_physician
            or _exam_lapses(current, treatment, plan.start)
        )
        moved_from = _where(current.start, current.practitioner, held.values())
        freed = (current.practitioner_id, current.start, current.blocked_until)
        current.practitioner = plan.practitioner
        current.supervising_physician = plan.supervising_physician
        current.start, current.end, current.blocked_until = plan.start, plan.end, plan.blocked_until
        # A client who picks the new time online has confirmed it; a move by the desk
        # is confirmed again through the reminders of the new time.
        current.client_confirmed_at = now if by_client else None
        if review_again:
            current.status = Appointment.Status.PENDING_REVIEW
            Review.objects.update_or_create(
                appointment=current,
                defaults={
                    "physician": plan.supervising_physician,
                    "decision": Review.Decision.PENDING,
                    "decided_at": None,
                    "note": "",
                    "exam_at_visit": False,
                },
            )
        try:
            with transaction.atomic():
                current.save()
                allocations_follow(current, plan.resource_ids)
        except IntegrityError:
            raise ValidationError({"start": taken()}) from None
        record_event(
            current,
            AppointmentEvent.Action.MOVED,
            by,
            f"from {moved_from} to {_where(plan.start, plan.practitioner, plan.resource_names)}",
        )
        if not enforce_notice and plan.start < now + Policy.from_settings(treatment).min_notice:
            record_event(current, AppointmentEvent.Action.NOTICE_WAIVED, by)
        messages.queue(current, messages.Kind.RESCHEDULED)
        # The time moved away from goes to the waitlist (the worker offers what of it
        # the new time leaves free).
        time_freed(practitioner_id=freed[0], start=freed[1], until=freed[2], why="moved", now=now)
    return current
