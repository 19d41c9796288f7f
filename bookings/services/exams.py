"""The good-faith exam at the visit: a doctor may approve a medical visit "subject to
a good-faith exam at the visit" when none is on record. The client is then examined
when they arrive, by a physician, nurse practitioner or physician assistant, before
the treatment. Not cleared ends the visit without treatment; the client is told."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment, AppointmentEvent, GoodFaithExam, MedicalAuditLog, Review
from bookings.services import messages
from bookings.services.history import record_event
from bookings.services.records import ExamFindings, exam_for_visit, gfe_record, log_access
from practitioners.models import Practitioner


def exam_due(appointment: Appointment) -> bool:
    """Approved subject to an exam at the visit, and no cleared exam covers it yet."""
    subject_to_exam = Review.objects.filter(
        appointment=appointment, decision=Review.Decision.APPROVED, exam_at_visit=True
    ).exists()
    return subject_to_exam and exam_for_visit(appointment) is None


def exam_at_visit_record(
    *,
    appointment: Appointment,
    examiner: Practitioner,
    findings: str,
    outcome: str,
    restrictions: str = "",
    user: AbstractBaseUser,
    now: datetime.datetime | None = None,
) -> GoodFaithExam:
    """Record the exam of the client who came in. Not cleared: the visit is completed
    without treatment and the client is mailed (the mail never names the treatment)."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",), no_key=True)
            .select_related("treatment", "client")
            .get(pk=appointment.pk)
        )
        if appointment.status != Appointment.Status.CHECKED_IN:
            raise ValidationError("The exam happens at the visit: check the client in first.")
        if not exam_due(appointment):
            raise ValidationError("No good-faith exam is waiting for this visit.")
        if outcome == GoodFaithExam.Outcome.RESTRICTED and not restrictions.strip():
            raise ValidationError({"restrictions": "Say what the restrictions are."})
        exam = gfe_record(
            client=appointment.client,
            examiner=examiner,
            treatment=appointment.treatment,
            exam=ExamFindings(performed_on=timezone.localtime(now).date(), findings=findings),
            recorded_by=user,
            appointment=appointment,
            outcome=outcome,
            restrictions=restrictions,
        )
        log_access(
            user=user,
            action=MedicalAuditLog.Action.CHARTED,
            what=f"good-faith exam at the visit: {exam.get_outcome_display()}",
            appointment=appointment,
        )
        if outcome == GoodFaithExam.Outcome.NOT_CLEARED:
            appointment.status = Appointment.Status.COMPLETED
            appointment.save(update_fields=["status", "updated_at"])
            record_event(
                appointment,
                AppointmentEvent.Action.COMPLETED,
                user,
                "from checked in: not cleared at the good-faith exam, no treatment",
            )
            messages.queue(appointment, messages.Kind.NOT_CLEARED)
    return exam
