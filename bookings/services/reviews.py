"""The supervising physician's review of a medical appointment."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment, AppointmentEvent, MedicalAuditLog, Review
from bookings.services import messages
from bookings.services.allocations import allocations_follow
from bookings.services.history import record_event
from bookings.services.locks import lock_practitioner_ids
from bookings.services.records import (
    ExamFindings,
    exam_for_visit,
    gfe_expiry,
    gfe_record,
    log_access,
    practitioner_of,
)
from bookings.services.waitlist import time_freed
from practitioners.models import Practitioner
from practitioners.supervision import agreement_supervises, agreements_for


def review_decide(
    *,
    review: Review,
    user,
    decision: str,
    note: str = "",
    exam: ExamFindings | None = None,
    exam_at_visit: bool = False,
    now: datetime.datetime | None = None,
) -> Review:
    """Approve or decline a medical appointment; only the assigned physician, only once.

    Approve: the appointment is confirmed and the client mailed; a treatment that
    needs a good-faith exam is approved only with a valid one on record, with the
    exam the physician records here, or subject to an exam at the visit (`exam_at_visit`,
    services/exams.py). Decline: the time is freed and the client is
    asked to call. Mail never names the treatment.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # A decline frees the time: practitioners are locked before appointments.
        lock_practitioner_ids(
            Appointment.objects.filter(review__pk=review.pk).values_list(
                "practitioner_id", flat=True
            )
        )
        review = (
            Review.objects.select_for_update(of=("self",), no_key=True)
            .select_related("appointment__treatment", "appointment__client", "physician__role")
            .get(pk=review.pk)
        )
        appointment = review.appointment
        physician = practitioner_of(user)
        if physician is None or physician.pk != review.physician_id:
            raise PermissionDenied("Only the assigned physician decides this review.")
        if review.decision != Review.Decision.PENDING:
            raise ValidationError("This review was already decided.")
        # A client waiting for the decision may already be checked in at the desk.
        if appointment.status not in (
            Appointment.Status.PENDING_REVIEW,
            Appointment.Status.CHECKED_IN,
        ):
            raise ValidationError(
                f"The appointment is {appointment.get_status_display()}; nothing to decide."
            )
        if decision not in (Review.Decision.APPROVED, Review.Decision.DECLINED):
            raise ValidationError({"decision": "Choose approve or decline."})
        if decision == Review.Decision.DECLINED and not note.strip():
            raise ValidationError({"note": "Say why, for the record (the client is not shown it)."})
        treatment = appointment.treatment
        if decision == Review.Decision.APPROVED and treatment.requires_gfe:
            day = timezone.localtime(appointment.start).date()
            if exam is not None:
                performed = exam.performed_on
                if performed <= timezone.localdate() and gfe_expiry(performed) < day:
                    raise ValidationError(
                        {"gfe_performed_on": "An exam of that date expires before the visit."}
                    )
                gfe_record(
                    client=appointment.client,
                    examiner=physician,
                    treatment=treatment,
                    exam=exam,
                    recorded_by=user,
                    appointment=appointment,
                )
            elif exam_for_visit(appointment, treatment=treatment, day=day) is not None:
                pass
            elif exam_at_visit:
                review.exam_at_visit = True
            else:
                raise ValidationError(
                    {
                        "gfe_findings": "This treatment needs a good-faith exam and none is on "
                        "record: record your exam, or approve subject to an exam at the visit."
                    }
                )
        review.decision = decision
        review.note = note.strip()
        review.decided_at = now
        review.save(update_fields=["decision", "note", "decided_at", "exam_at_visit"])
        approved = decision == Review.Decision.APPROVED
        if not approved:
            appointment.status = Appointment.Status.DECLINED
        elif appointment.status == Appointment.Status.PENDING_REVIEW:
            appointment.status = Appointment.Status.CONFIRMED
        appointment.save(update_fields=["status", "updated_at"])
        allocations_follow(appointment)  # a declined visit frees its room and device
        record_event(appointment, AppointmentEvent.Action.REVIEWED, user, f"review {decision}")
        log_access(
            user=user,
            action=MedicalAuditLog.Action.DECIDED,
            what=f"review {decision}",
            appointment=appointment,
        )
        messages.queue(
            appointment,
            messages.Kind.APPROVED if approved else messages.Kind.DECLINED,
        )
        if not approved:  # the freed time goes to the waitlist
            time_freed(
                practitioner_id=appointment.practitioner_id,
                start=appointment.start,
                until=appointment.blocked_until,
                why="declined",
                now=now,
            )
    return review


def review_reassign_problem(*, review: Review, to_physician: Practitioner) -> str | None:
    """Why the review cannot go to this physician, or None (the admin form shows it)."""
    appointment = review.appointment
    if review.decision != Review.Decision.PENDING:
        return "Only a review still waiting can be reassigned."
    if to_physician.pk == review.physician_id:
        return "This physician already has the review."
    day = timezone.localtime(appointment.start).date()
    supervises = any(
        agreement.physician_id == to_physician.pk
        and agreement_supervises(
            agreement,
            practitioner=appointment.practitioner,
            treatment=appointment.treatment,
            day=day,
        )
        for agreement in agreements_for([appointment.practitioner_id])
    )
    if not supervises:
        return (
            f"{to_physician.display_name} does not supervise "
            f"{appointment.practitioner.display_name} for this treatment on that date."
        )
    return None


def review_reassign(*, review: Review, to_physician: Practitioner, user) -> Review:
    """Give a pending review to another physician who supervises that practitioner
    for that treatment on that date (a doctor is away). Logged."""
    with transaction.atomic():
        review = (
            Review.objects.select_for_update(of=("self",), no_key=True)
            .select_related("appointment__practitioner__role", "appointment__treatment")
            .get(pk=review.pk)
        )
        problem = review_reassign_problem(review=review, to_physician=to_physician)
        if problem:
            raise ValidationError({"physician": problem})
        appointment = review.appointment
        previous = review.physician
        review.physician = to_physician
        review.save(update_fields=["physician"])
        appointment.supervising_physician = to_physician
        appointment.save(update_fields=["supervising_physician", "updated_at"])
        log_access(
            user=user,
            action=MedicalAuditLog.Action.REASSIGNED,
            what=f"review from {previous.display_name} to {to_physician.display_name}",
            appointment=appointment,
        )
    return review
