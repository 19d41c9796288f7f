"""Clinical records: who may read them (and the log of each read), good-faith exams,
treatment records and their co-signature. Rules from DOMAIN.md; each writer locks,
checks, writes and logs in one transaction."""

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings.models import Appointment, Client, GoodFaithExam, MedicalAuditLog, TreatmentRecord
from bookings.services.charts import ChartEntry, chart_problems
from practitioners.models import Practitioner, SupervisionAgreement
from practitioners.supervision import agreement_supervises
from treatments.models import Treatment

VIEW_MEDICAL_RECORDS = "bookings.view_medical_records"


def practitioner_of(user: AbstractBaseUser) -> Practitioner | None:
    """The practitioner record linked to this login, if any."""
    if not user.is_authenticated:
        return None
    return Practitioner.objects.select_related("role").filter(user=user).first()


def can_view_medical(user: AbstractBaseUser, appointment: Appointment) -> bool:
    """Only the assigned physician, the performing practitioner, or an explicit permission."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.has_perm(VIEW_MEDICAL_RECORDS):
        return True
    practitioner = practitioner_of(user)
    return practitioner is not None and practitioner.pk in {
        appointment.practitioner_id,
        appointment.supervising_physician_id,
    }


def log_access(
    *, user: AbstractBaseUser, action: str, what: str, appointment: Appointment | None = None
) -> None:
    MedicalAuditLog.objects.create(
        user=user, action=action, what=what[:200], appointment=appointment
    )


def log_reads(
    *,
    user: AbstractBaseUser,
    appointment_ids: Iterable[int | None],
    what: str,
    action: str = MedicalAuditLog.Action.VIEWED,
) -> None:
    """One row per appointment a page or an export showed, in one INSERT."""
    MedicalAuditLog.objects.bulk_create(
        MedicalAuditLog(user=user, action=action, what=what[:200], appointment_id=appointment_id)
        for appointment_id in appointment_ids
    )


def medical_record_viewed(*, user: AbstractBaseUser, appointment: Appointment, what: str) -> None:
    """Refuse the read unless allowed; otherwise log it (reads are logged, not only writes)."""
    if not can_view_medical(user, appointment):
        raise PermissionDenied("You may not view this medical record.")
    log_access(user=user, action=MedicalAuditLog.Action.VIEWED, what=what, appointment=appointment)


def gfe_expiry(performed_on: datetime.date) -> datetime.date:
    """Valid for GFE_VALID_MONTHS (commonly a year), to the same day of the month."""
    months = settings.GFE_VALID_MONTHS
    month_index = performed_on.month - 1 + months
    year, month = performed_on.year + month_index // 12, month_index % 12 + 1
    for day in (performed_on.day, 30, 29, 28):
        try:
            return datetime.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _candidate_exams(whose: Q, first_day: datetime.date, last_day: datetime.date) -> list:
    """Exams of these clients or visits that may clear someone between the two days,
    newest first (_clearing decides)."""
    return list(
        GoodFaithExam.objects.filter(whose, performed_on__lte=last_day, expires_on__gte=first_day)
        .exclude(outcome=GoodFaithExam.Outcome.NOT_CLEARED)
        .select_related("examiner__role")
        .prefetch_related("treatments")
        .order_by("-performed_on")
    )


def _clearing(
    exams: list[GoodFaithExam],
    *,
    client_id: int | None,
    appointment_id: int | None,
    treatment: Treatment,
    day: datetime.date,
) -> GoodFaithExam | None:
    """The newest exam of the client (or recorded for the visit) valid on the day that
    covers the treatment and was done by someone who may clear a client."""
    for exam in exams:
        whose = (client_id is not None and exam.client_id == client_id) or (
            appointment_id is not None and exam.appointment_id == appointment_id
        )
        covered = exam.covers_all_medical or any(
            t.pk == treatment.pk for t in exam.treatments.all()
        )
        valid = exam.performed_on <= day <= exam.expires_on
        if whose and valid and covered and exam.examiner.role.can_perform_gfe:
            return exam
    return None


def valid_gfe(
    *,
    client: Client | None,
    treatment: Treatment,
    day: datetime.date,
    appointment: Appointment | None = None,
) -> GoodFaithExam | None:
    """A good-faith exam on record that covers the treatment on that day, or None:
    the client's, or without a client record only one recorded for `appointment`."""
    if client is None and appointment is None:
        return None
    whose = Q(client=client) if client is not None else Q(pk__in=[])
    if appointment is not None:
        whose |= Q(appointment=appointment)  # an exam of this visit, linked or not yet
    return _clearing(
        _candidate_exams(whose, day, day),
        client_id=client.pk if client is not None else None,
        appointment_id=appointment.pk if appointment is not None else None,
        treatment=treatment,
        day=day,
    )


def exam_for_visit(
    appointment: Appointment,
    *,
    treatment: Treatment | None = None,
    day: datetime.date | None = None,
) -> GoodFaithExam | None:
    """The exam that clears this visit (on `day`, default its own). Until the booking's
    email is proven nobody knows whose record it is, so only an exam recorded for this
    very visit counts, never one stored for whoever owns the email."""
    return valid_gfe(
        client=appointment.client if appointment.client_id else None,
        treatment=treatment or appointment.treatment,
        day=day or timezone.localtime(appointment.start).date(),
        appointment=appointment if appointment.pk else None,
    )


def exams_for_visits(appointments: Iterable[Appointment]) -> dict[int, GoodFaithExam | None]:
    """exam_for_visit of many visits (each on its own day) in one query: a
    practitioner's day shows every visit's exam."""
    visits = [a for a in appointments if a.pk]
    if not visits:
        return {}
    days = {a.pk: timezone.localtime(a.start).date() for a in visits}
    clients = {a.client_id for a in visits if a.client_id}
    whose = Q(appointment__in=visits) | Q(client_id__in=clients)
    exams = _candidate_exams(whose, min(days.values()), max(days.values()))
    return {
        a.pk: _clearing(
            exams,
            client_id=a.client_id,
            appointment_id=a.pk,
            treatment=a.treatment,
            day=days[a.pk],
        )
        for a in visits
    }


@dataclass(frozen=True)
class ExamFindings:
    performed_on: datetime.date
    findings: str


def gfe_record(
    *,
    client: Client | None,
    examiner: Practitioner,
    treatment: Treatment,
    exam: ExamFindings,
    recorded_by: AbstractBaseUser,
    appointment: Appointment | None = None,
    outcome: str = GoodFaithExam.Outcome.CLEARED,
    restrictions: str = "",
) -> GoodFaithExam:
    """Record a good-faith exam; only a physician, NP or PA may clear a client."""
    if not examiner.role.can_perform_gfe:
        raise ValidationError(
            {
                "gfe_findings": "Only a physician, nurse practitioner or physician assistant "
                "can perform a good-faith exam."
            }
        )
    today = timezone.localdate()
    if exam.performed_on > today:
        raise ValidationError({"gfe_performed_on": "The exam date cannot be in the future."})
    if not exam.findings.strip():
        raise ValidationError({"gfe_findings": "Write the history, exam and plan."})
    record = GoodFaithExam.objects.create(
        client=client,
        examiner=examiner,
        performed_on=exam.performed_on,
        expires_on=gfe_expiry(exam.performed_on),
        findings=exam.findings.strip(),
        outcome=outcome,
        restrictions=restrictions.strip(),
        appointment=appointment,
        recorded_by=recorded_by,
    )
    record.treatments.set([treatment])
    return record


def agreement_for(appointment: Appointment) -> SupervisionAgreement | None:
    """The agreement under which the appointment's physician supervised it."""
    day = timezone.localtime(appointment.start).date()
    agreements = (
        SupervisionAgreement.objects.accepted()
        .filter(practitioner=appointment.practitioner, physician=appointment.supervising_physician)
        .select_related("physician__role")
        .prefetch_related("treatments")
        .order_by("valid_from", "pk")
    )
    for agreement in agreements:
        if agreement_supervises(
            agreement,
            practitioner=appointment.practitioner,
            treatment=appointment.treatment,
            day=day,
        ):
            return agreement
    return None


def needs_cosignature(appointment: Appointment) -> bool:
    """Whether the physician co-signs this chart: the agreement's share, picked reproducibly.

    The same appointment always gives the same answer (a hash, not a coin toss), so
    the share can be audited. A physician's own procedures need no co-signature.
    """
    if appointment.practitioner_id == appointment.supervising_physician_id:
        return False
    agreement = agreement_for(appointment)
    percent = agreement.chart_review_percent if agreement else 100
    digest = hashlib.sha256(f"chart-sample:{appointment.pk}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def latest_record(appointment: Appointment) -> TreatmentRecord | None:
    return appointment.treatment_records.order_by("-version").first()


def chart_write(
    *, appointment: Appointment, user: AbstractBaseUser, entry: ChartEntry
) -> TreatmentRecord:
    """Write the treatment record, or an amendment (a new version) of an existing one.

    Only the performing practitioner, after the appointment is completed. Raises
    PermissionDenied or ValidationError (keyed by field).
    """
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",), no_key=True)
            .select_related("treatment", "practitioner", "supervising_physician")
            .get(pk=appointment.pk)
        )
        author = practitioner_of(user)
        if author is None or author.pk != appointment.practitioner_id:
            raise PermissionDenied("Only the practitioner who performed it writes the record.")
        if not appointment.is_medical:
            raise ValidationError("Day-spa appointments have no treatment record.")
        if appointment.status != Appointment.Status.COMPLETED:
            raise ValidationError("Write the record once the appointment is marked completed.")
        if appointment.treatment.requires_gfe and exam_for_visit(appointment) is None:
            raise ValidationError(
                "This treatment needs a cleared good-faith exam on record before its chart."
            )
        day = timezone.localtime(appointment.start).date()
        errors = chart_problems(entry, treatment=appointment.treatment, day=day)
        if errors:
            raise ValidationError(errors)
        previous = latest_record(appointment)
        record = TreatmentRecord.objects.create(
            appointment=appointment,
            version=previous.version + 1 if previous else 1,
            amends=previous,
            author=author,
            needs_cosign=previous.needs_cosign if previous else needs_cosignature(appointment),
            **asdict(entry),
        )
        log_access(
            user=user,
            action=MedicalAuditLog.Action.CHARTED,
            what=f"treatment record v{record.version}",
            appointment=appointment,
        )
    return record


def chart_cosign(*, record: TreatmentRecord, user: AbstractBaseUser) -> TreatmentRecord:
    """The supervising physician co-signs the latest version; signed records never change."""
    with transaction.atomic():
        record = (
            TreatmentRecord.objects.select_for_update(of=("self",), no_key=True)
            .select_related("appointment")
            .get(pk=record.pk)
        )
        physician = practitioner_of(user)
        if physician is None or physician.pk != record.appointment.supervising_physician_id:
            raise PermissionDenied("Only the supervising physician co-signs this record.")
        if record.is_cosigned:
            raise ValidationError("This record is already co-signed.")
        if not record.needs_cosign:
            raise ValidationError("This record is not in the share the agreement asks to co-sign.")
        newest = latest_record(record.appointment)
        if newest is not None and newest.pk != record.pk:
            raise ValidationError("A newer version of this record exists: co-sign that one.")
        record.cosigned_by = physician
        record.cosigned_at = timezone.now()
        record.save(update_fields=["cosigned_by", "cosigned_at"])
        log_access(
            user=user,
            action=MedicalAuditLog.Action.COSIGNED,
            what=f"treatment record v{record.version}",
            appointment=record.appointment,
        )
    return record
