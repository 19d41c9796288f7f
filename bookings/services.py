"""Every booking rule, once. The public site, the admin, rescheduling and the demo
seeder all book, move and cancel through these functions.

Validators are pure reads that raise ValidationError keyed by form field; writers
lock, validate again under the lock, write, and queue mail to go after commit.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import clinical, notifications
from bookings.availability import TAKEN_MESSAGE, Policy, PractitionerDay, slot_problem
from bookings.models import (
    Appointment,
    AppointmentEvent,
    Client,
    Consent,
    Intake,
    MedicalAuditLog,
    Review,
    normalise_email,
)
from bookings.selectors import practitioner_days, qualified_practitioners
from practitioners.models import Practitioner
from practitioners.supervision import agreement_supervises, agreements_for, supervising_physician
from treatments.models import MEDICAL_MINIMUM_AGE, Treatment, TreatmentContraindication

SLOT_TAKEN = "slot_taken"
# Intake fields the contract fixes, by the contraindication code they answer.
STANDARD_QUESTIONS = {
    "pregnant-or-breastfeeding": "pregnant_or_breastfeeding",
    "isotretinoin-last-6-months": "isotretinoin_last_6_months",
    "blood-thinners": "blood_thinners",
}


@dataclass(frozen=True)
class ClientDetails:
    first_name: str
    last_name: str
    email: str
    phone: str
    notes: str = ""

    @classmethod
    def from_form_data(cls, data: dict) -> "ClientDetails":
        return cls(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            notes=data.get("notes", ""),
        )


@dataclass(frozen=True)
class IntakeAnswers:
    date_of_birth: datetime.date
    pregnant_or_breastfeeding: bool
    isotretinoin_last_6_months: bool
    blood_thinners: bool
    medications: str = ""
    allergies: str = ""
    conditions: str = ""
    # Further contraindication questions by code: True yes, False no, None unanswered.
    extra_answers: dict[str, bool | None] = field(default_factory=dict)

    @classmethod
    def from_form_data(
        cls, data: dict, extra_answers: dict[str, bool | None] | None = None
    ) -> "IntakeAnswers":
        """From a form's cleaned data, where yes/no questions are "yes" or "no"."""
        return cls(
            date_of_birth=data["date_of_birth"],
            pregnant_or_breastfeeding=data.get("pregnant_or_breastfeeding") == "yes",
            isotretinoin_last_6_months=data.get("isotretinoin_last_6_months") == "yes",
            blood_thinners=data.get("blood_thinners") == "yes",
            medications=data.get("medications", ""),
            allergies=data.get("allergies", ""),
            conditions=data.get("conditions", ""),
            extra_answers=extra_answers or {},
        )

    def answer(self, code: str) -> bool | None:
        if code in STANDARD_QUESTIONS:
            return getattr(self, STANDARD_QUESTIONS[code])
        return self.extra_answers.get(code)


@dataclass(frozen=True)
class ConsentGiven:
    given: bool
    ip_address: str | None = None
    user_agent: str = ""


@dataclass(frozen=True)
class BookingPlan:
    """What appointment_validate found bookable: who, when, under whom, with which flags."""

    practitioner: Practitioner
    supervising_physician: Practitioner | None
    start: datetime.datetime
    end: datetime.datetime
    blocked_until: datetime.datetime
    flags: list[dict[str, str]]


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _clinical_problems(
    treatment: Treatment,
    *,
    day: datetime.date,
    intake: IntakeAnswers | None,
    consent: ConsentGiven | None,
) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    """Age, consent and contraindication rules of a medical treatment: (errors, flags)."""
    errors: dict[str, list[str]] = {}
    flags: list[dict[str, str]] = []
    if not treatment.is_medical:
        return errors, flags
    if intake is None:
        errors["date_of_birth"] = ["Please fill in the medical questions."]
        return errors, flags
    minimum_age = max(MEDICAL_MINIMUM_AGE, treatment.minimum_age)
    if intake.date_of_birth >= day or intake.date_of_birth.year < 1900:
        errors["date_of_birth"] = ["Please check your date of birth."]
    elif age_on(intake.date_of_birth, day) < minimum_age:
        errors["date_of_birth"] = [
            f"This treatment is for clients aged {minimum_age} or over on the day."
        ]
    if treatment.requires_consent and not (consent and consent.given):
        errors["consent"] = ["Please read the consent and tick the box to agree."]
    refused = []
    for rule in treatment.contraindication_rules.all():
        condition = rule.contraindication
        answer = intake.answer(condition.code)
        if answer is None:
            # Unanswered (a client that skipped an optional question): the doctor asks.
            flags.append(
                {
                    "code": condition.code,
                    "name": f"{condition.name} ({rule.get_severity_display().split(':')[0]})",
                    "severity": "unanswered",
                }
            )
        elif answer and rule.severity == TreatmentContraindication.Severity.ABSOLUTE:
            refused.append(condition.name.lower())
        elif answer:
            flags.append({"code": condition.code, "name": condition.name, "severity": "relative"})
    if refused:
        errors[NON_FIELD_ERRORS] = [
            "Thank you for telling us. Because of your answers (" + ", ".join(refused) + "), "
            "we can't book this treatment online. Please call us: our medical team will be "
            "glad to talk through what is safe for you."
        ]
    return errors, flags


def _schedules(
    treatment: Treatment,
    practitioners: list[Practitioner],
    day: datetime.date,
    policy: Policy,
    ignore_appointment_id: int | None,
) -> list[PractitionerDay]:
    return practitioner_days(
        treatment,
        practitioners,
        first_day=day,
        last_day=day,
        policy=policy,
        ignore_appointment_id=ignore_appointment_id,
    )


def appointment_validate(
    *,
    treatment: Treatment,
    practitioner: Practitioner | None,
    start: datetime.datetime,
    intake: IntakeAnswers | None = None,
    consent: ConsentGiven | None = None,
    now: datetime.datetime | None = None,
    policy: Policy | None = None,
    ignore_appointment: Appointment | None = None,
    enforce_notice: bool = True,
) -> BookingPlan:
    """Check every booking rule; return the plan, or raise ValidationError keyed by field.

    Rules: treatment bookable; practitioner active, qualified, role allowed, licence
    valid; start on the grid, inside one working block with the cleanup buffer, not
    in time off, not overlapping, not past, within the notice (unless the front desk
    waives it) and advance windows; medical treatments: a supervising physician on
    record that day, the client's age, consent, and the contraindications (absolute
    ones refuse, relative ones become flags). No practitioner means any free one.
    """
    now = now or timezone.now()
    policy = policy or Policy.from_settings()
    if timezone.is_naive(start):
        raise ValidationError({"start": "Please choose one of the times offered."})
    if not treatment.is_active:
        raise ValidationError(
            {NON_FIELD_ERRORS: "This treatment is no longer offered online. Please call us."}
        )
    day = start.astimezone(policy.zone).date()
    errors, flags = _clinical_problems(treatment, day=day, intake=intake, consent=consent)

    candidates = qualified_practitioners(treatment)
    if not candidates:
        errors["start"] = [
            "Nobody offers this treatment online right now. Please call us to book it."
        ]
    elif practitioner is not None:
        candidates = [p for p in candidates if p.pk == practitioner.pk]
        if not candidates:
            errors["practitioner"] = [
                "That practitioner does not perform this treatment. Please choose another."
            ]
    effective_policy = policy if enforce_notice else _without_notice(policy)
    if start <= now:
        # Checked first too: nothing is loaded for a past date (year 1 included).
        errors["start"] = ["That time has already passed. Please choose another time."]
        candidates = []
    elif day > policy.last_bookable_day(now):
        # Checked first: nothing is loaded for a date that far out (year 9999 included).
        errors["start"] = [
            f"We take online bookings up to {policy.max_advance_days} days ahead. "
            "Please choose an earlier date."
        ]
        candidates = []
    chosen = None
    if candidates:
        schedules = _schedules(
            treatment,
            candidates,
            day,
            policy,
            ignore_appointment.pk if ignore_appointment else None,
        )
        reasons = []
        for schedule in schedules:
            reason = slot_problem(
                schedule,
                start=start,
                duration=datetime.timedelta(minutes=treatment.duration_minutes),
                buffer=datetime.timedelta(minutes=treatment.buffer_minutes),
                now=now,
                policy=effective_policy,
            )
            if reason is None:
                chosen = next(p for p in candidates if p.pk == schedule.practitioner_id)
                break
            reasons.append(reason)
        if chosen is None:
            errors["start"] = [_explain(reasons)]
    if errors:
        raise ValidationError(errors)

    physician = None
    if treatment.is_medical:
        physician = supervising_physician(practitioner=chosen, treatment=treatment, day=day)
        if physician is None:  # allowed_days already checked this; kept as a guard
            raise ValidationError(
                {"practitioner": "No supervising physician is on record for that day."}
            )
    end = start + datetime.timedelta(minutes=treatment.duration_minutes)
    return BookingPlan(
        practitioner=chosen,
        supervising_physician=physician,
        start=start,
        end=end,
        blocked_until=end + datetime.timedelta(minutes=treatment.buffer_minutes),
        flags=flags,
    )


def _explain(reasons: list[str]) -> ValidationError:
    """One message for the client from each candidate practitioner's reason."""
    if any(reason == TAKEN_MESSAGE for reason in reasons):
        return ValidationError(TAKEN_MESSAGE, code=SLOT_TAKEN)
    if reasons and all(reason == reasons[0] for reason in reasons):
        return ValidationError(reasons[0], code="unavailable")
    return ValidationError(
        "Nobody is free at that time. Please choose one of the times offered.",
        code="unavailable",
    )


def _without_notice(policy: Policy) -> Policy:
    return Policy(
        zone=policy.zone,
        slot_minutes=policy.slot_minutes,
        min_notice=datetime.timedelta(0),
        max_advance_days=policy.max_advance_days,
    )


def _lock_practitioners(
    treatment: Treatment, practitioner: Practitioner | None, *, also: Iterable[int] = ()
) -> None:
    """Serialise bookings per practitioner so a race loser gets a clean refusal.

    On Postgres: row locks, in id order so two bookings never deadlock; every write
    that changes busy time takes them before it locks an appointment row. FOR NO KEY
    UPDATE: rows that reference the practitioners can still be inserted meanwhile.
    `also`: more practitioners (the one an appointment is moved away from). On SQLite
    the whole transaction already holds the write lock (IMMEDIATE mode in settings).
    """
    ids = (
        [practitioner.pk]
        if practitioner is not None
        else list(treatment.qualified_practitioners.values_list("pk", flat=True))
    )
    _lock_practitioner_ids([*ids, *also])


def _lock_practitioner_ids(ids: Iterable[int]) -> None:
    # list() runs the query: the locks are held from here to the end of the transaction.
    list(
        Practitioner.objects.filter(pk__in=set(ids))
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk", flat=True)
    )


def treatment_as_stored(treatment_id: int) -> Treatment:
    """The treatment with its booking rules, read afresh (call it under the locks)."""
    return Treatment.objects.prefetch_related(
        "allowed_roles", "contraindication_rules__contraindication"
    ).get(pk=treatment_id)


def hold_schedules_of(appointments: Iterable[Appointment]) -> None:
    """Lock the practitioners of several appointments at once, in id order, before a
    transaction that changes them one after another (the admin's bulk cancel)."""
    _lock_practitioner_ids(appointment.practitioner_id for appointment in appointments)


def hold_for_booking(
    treatment: Treatment,
    practitioner: Practitioner | None,
    *,
    moving: Appointment | None = None,
) -> None:
    """Lock what booking (or moving) an appointment will lock, until the caller's
    transaction ends: a form that validates now and writes later in the same
    transaction (the admin's add and move forms) cannot then lose the time to a
    booking in between, which would be an error page instead of a message."""
    _lock_practitioners(treatment, practitioner, also=[moving.practitioner_id] if moving else [])


def client_find_or_create(*, details: ClientDetails, date_of_birth: datetime.date | None) -> Client:
    """The client with this email (normalised), created on first booking.

    An existing client's name and phone are not overwritten from an anonymous form:
    anyone can type any email address. A missing date of birth is filled in.
    """
    found, _created = Client.objects.get_or_create(
        email=normalise_email(details.email),
        defaults={
            "first_name": details.first_name.strip(),
            "last_name": details.last_name.strip(),
            "phone": details.phone.strip(),
            "date_of_birth": date_of_birth,
        },
    )
    if found.date_of_birth is None and date_of_birth is not None:
        found.date_of_birth = date_of_birth
        found.save(update_fields=["date_of_birth", "updated_at"])
    return found


def _same_form_again(submission_key: str | None) -> Appointment | None:
    """The appointment this very form already created (a double click, a retry).

    Keyed by a random value rendered into the form, never by what a stranger could
    type (an email address), so nobody reaches another client's booking this way.
    """
    if not submission_key:
        return None
    return Appointment.objects.filter(submission_key=submission_key).first()


def appointment_book(
    *,
    treatment: Treatment,
    practitioner: Practitioner | None,
    start: datetime.datetime,
    client: ClientDetails,
    intake: IntakeAnswers | None = None,
    consent: ConsentGiven | None = None,
    source: str = Appointment.Source.ONLINE,
    now: datetime.datetime | None = None,
    enforce_notice: bool = True,
    submission_key: str | None = None,
    by=None,
) -> Appointment:
    """Book an appointment, or raise ValidationError (code `slot_taken` when beaten to it).

    Day-spa bookings are confirmed at once; medical ones wait for the supervising
    physician's review. The same form (same `submission_key`) posted twice returns the
    first appointment.
    Mail is queued in the same transaction and sent after commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock_practitioners(treatment, practitioner)
        # The price, duration and rules as they are now, not as the caller loaded them.
        treatment = treatment_as_stored(treatment.pk)
        try:
            plan = appointment_validate(
                treatment=treatment,
                practitioner=practitioner,
                start=start,
                intake=intake,
                consent=consent,
                now=now,
                enforce_notice=enforce_notice,
            )
        except ValidationError:
            # Posted twice: the first booking holds the very time the form asks for.
            again = _same_form_again(submission_key)
            if again is not None:
                return again
            raise
        status = (
            Appointment.Status.PENDING_REVIEW
            if treatment.is_medical
            else Appointment.Status.CONFIRMED
        )
        try:
            # One savepoint for both: a refused insert leaves no client row behind.
            with transaction.atomic():
                booked_client = client_find_or_create(
                    details=client, date_of_birth=intake.date_of_birth if intake else None
                )
                appointment = Appointment(
                    client=booked_client,
                    treatment=treatment,
                    practitioner=plan.practitioner,
                    supervising_physician=plan.supervising_physician,
                    start=plan.start,
                    end=plan.end,
                    blocked_until=plan.blocked_until,
                    price=Decimal(treatment.price),
                    status=status,
                    source=source,
                    client_notes=client.notes.strip(),
                    submission_key=submission_key or None,
                )
                appointment.save(force_insert=True)
        except IntegrityError:
            # Posted twice for "any practitioner": the first booking took another one.
            again = _same_form_again(submission_key)
            if again is not None:
                return again
            # The database's no-overlap constraint: someone else got there first.
            raise ValidationError(
                {"start": ValidationError(TAKEN_MESSAGE, code=SLOT_TAKEN)}
            ) from None
        record_event(
            appointment,
            AppointmentEvent.Action.CREATED,
            by,
            f"{appointment.get_source_display()}, {_local(plan.start)} with "
            f"{plan.practitioner.display_name}",
        )
        if not enforce_notice and plan.start < now + Policy.from_settings().min_notice:
            record_event(appointment, AppointmentEvent.Action.NOTICE_WAIVED, by)
        if treatment.is_medical:
            _record_clinical(appointment, intake, consent, plan.flags, now)
            notifications.queue(appointment, notifications.Kind.REQUEST_RECEIVED)
        else:
            notifications.queue(appointment, notifications.Kind.CONFIRMED)
    return appointment


def _record_clinical(
    appointment: Appointment,
    intake: IntakeAnswers,
    consent: ConsentGiven | None,
    flags: list[dict[str, str]],
    now: datetime.datetime,
) -> None:
    Intake.objects.create(
        appointment=appointment,
        date_of_birth=intake.date_of_birth,
        pregnant_or_breastfeeding=intake.pregnant_or_breastfeeding,
        isotretinoin_last_6_months=intake.isotretinoin_last_6_months,
        blood_thinners=intake.blood_thinners,
        medications=intake.medications.strip(),
        allergies=intake.allergies.strip(),
        conditions=intake.conditions.strip(),
        extra_answers=dict(intake.extra_answers),
        flags=flags,
    )
    if consent is not None and consent.given:
        Consent.objects.create(
            appointment=appointment,
            text=appointment.treatment.consent_text or DEFAULT_CONSENT,
            consented_at=now,
            ip_address=consent.ip_address,
            user_agent=consent.user_agent[:300],
        )
    Review.objects.create(appointment=appointment, physician=appointment.supervising_physician)


DEFAULT_CONSENT = (
    "I confirm that my answers are true and complete. I understand the treatment, its "
    "expected results, risks and alternatives will be explained to me before it starts, "
    "and that a supervising physician reviews my answers before my appointment."
)


def record_event(appointment: Appointment, action: str, by=None, detail: str = "") -> None:
    """The appointment's history: who (None: the client online) did what, and when."""
    user = by if by is not None and by.is_authenticated else None
    AppointmentEvent.objects.create(
        appointment=appointment, user=user, action=action, detail=detail[:300]
    )


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%a %d %b %Y %H:%M")


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
        raise ValidationError(
            f"Changes online close {settings.CANCELLATION_NOTICE_HOURS} hours before the "
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
        _lock_practitioner_ids(
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
        Review.objects.filter(appointment=appointment, decision=Review.Decision.PENDING).delete()
        record_event(
            appointment,
            AppointmentEvent.Action.CANCELLED,
            by,
            "by the client online" if by_client else "at the spa",
        )
        notifications.queue(appointment, notifications.Kind.CANCELLED)
    return appointment


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime.datetime,
    practitioner: Practitioner | None = None,
    by_client: bool,
    now: datetime.datetime | None = None,
    enforce_notice: bool = True,
    by=None,
) -> Appointment:
    """Move to a new time under the same rules as booking; the old time is freed.

    The same practitioner unless another is given. A medical appointment whose
    supervising physician changes with the new date goes back to review.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = Appointment.objects.select_related("treatment").get(pk=appointment.pk)
        target = practitioner or current.practitioner
        _lock_practitioners(current.treatment, target, also=[current.practitioner_id])
        current = (
            Appointment.objects.select_for_update(of=("self",), no_key=True)
            .select_related("treatment")
            .get(pk=appointment.pk)
        )
        if by_client:
            _refuse_online_change(current, now)
        elif current.status not in Appointment.CHANGEABLE_STATUSES:
            raise ValidationError(f"A {current.get_status_display()} appointment cannot be moved.")
        if start == current.start and target.pk == current.practitioner_id:
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
        )
        physician_changed = plan.supervising_physician != current.supervising_physician
        moved_from = f"{_local(current.start)} with {current.practitioner.display_name}"
        current.practitioner = plan.practitioner
        current.supervising_physician = plan.supervising_physician
        current.start, current.end, current.blocked_until = plan.start, plan.end, plan.blocked_until
        current.reminder_sent_at = None
        if treatment.is_medical and physician_changed:
            current.status = Appointment.Status.PENDING_REVIEW
            Review.objects.update_or_create(
                appointment=current,
                defaults={
                    "physician": plan.supervising_physician,
                    "decision": Review.Decision.PENDING,
                    "decided_at": None,
                    "note": "",
                },
            )
        try:
            with transaction.atomic():
                current.save()
        except IntegrityError:
            raise ValidationError(
                {"start": ValidationError(TAKEN_MESSAGE, code=SLOT_TAKEN)}
            ) from None
        record_event(
            current,
            AppointmentEvent.Action.MOVED,
            by,
            f"from {moved_from} to {_local(plan.start)} with {plan.practitioner.display_name}",
        )
        if not enforce_notice and plan.start < now + Policy.from_settings().min_notice:
            record_event(current, AppointmentEvent.Action.NOTICE_WAIVED, by)
        notifications.queue(current, notifications.Kind.RESCHEDULED)
    return current


def stored_intake(appointment: Appointment) -> IntakeAnswers | None:
    intake = Intake.objects.filter(appointment=appointment).first()
    if intake is None:
        return None
    return IntakeAnswers(
        date_of_birth=intake.date_of_birth,
        pregnant_or_breastfeeding=intake.pregnant_or_breastfeeding,
        isotretinoin_last_6_months=intake.isotretinoin_last_6_months,
        blood_thinners=intake.blood_thinners,
        extra_answers=dict(intake.extra_answers),
    )


# Status changes at the spa (front desk) ---------------------------------------

# Where each status may go next; anything else is refused.
TRANSITIONS: dict[str, set[str]] = {
    Appointment.Status.PENDING_REVIEW: {Appointment.Status.CANCELLED},
    Appointment.Status.CONFIRMED: {
        Appointment.Status.CHECKED_IN,
        Appointment.Status.NO_SHOW,
        Appointment.Status.CANCELLED,
    },
    Appointment.Status.CHECKED_IN: {Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW},
    Appointment.Status.COMPLETED: set(),
    Appointment.Status.CANCELLED: set(),
    Appointment.Status.NO_SHOW: set(),
    Appointment.Status.DECLINED: set(),
}


def appointment_set_status(
    *, appointment: Appointment, status: str, now: datetime.datetime | None = None, by=None
) -> Appointment:
    """Check in, complete or mark a no-show, only from the states where it makes sense.

    Check-in happens on the day, completion after the start; cancelling goes through
    appointment_cancel (which mails the client).
    """
    now = now or timezone.now()
    if status == Appointment.Status.CANCELLED:
        return appointment_cancel(appointment=appointment, by_client=False, now=now, by=by)
    with transaction.atomic():
        current = Appointment.objects.select_for_update(no_key=True).get(pk=appointment.pk)
        if status not in TRANSITIONS.get(current.status, set()):
            raise ValidationError(
                f"A {current.get_status_display()} appointment cannot become "
                f"{Appointment.Status(status).label}."
            )
        on_the_day = timezone.localtime(current.start).date() == timezone.localtime(now).date()
        if (
            status in (Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED)
            and not on_the_day
        ):
            raise ValidationError("Clients are checked in and completed on the day itself.")
        if status == Appointment.Status.NO_SHOW and now < current.start:
            raise ValidationError("A client is a no-show only once the start time has passed.")
        previous = current.get_status_display()
        current.status = status
        current.save(update_fields=["status", "updated_at"])
        record_event(
            current,
            AppointmentEvent.Action.STATUS,
            by,
            f"{previous} to {current.get_status_display()}",
        )
    return current


# The supervising physician's review --------------------------------------------


def review_decide(
    *,
    review: Review,
    user,
    decision: str,
    note: str = "",
    exam: clinical.ExamFindings | None = None,
    now: datetime.datetime | None = None,
) -> Review:
    """Approve or decline a medical appointment; only the assigned physician, only once.

    Approve: the appointment is confirmed and the client mailed; a treatment that
    needs a good-faith exam is approved only with a valid one on record, or with the
    exam the physician records here. Decline: the time is freed and the client is
    asked to call. Mail never names the treatment.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # A decline frees the time: practitioners are locked before appointments.
        _lock_practitioner_ids(
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
        physician = clinical.practitioner_of(user)
        if physician is None or physician.pk != review.physician_id:
            raise PermissionDenied("Only the assigned physician decides this review.")
        if review.decision != Review.Decision.PENDING:
            raise ValidationError("This review was already decided.")
        if appointment.status != Appointment.Status.PENDING_REVIEW:
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
                clinical.gfe_record(
                    client=appointment.client,
                    examiner=physician,
                    treatment=treatment,
                    exam=exam,
                    recorded_by=user,
                    appointment=appointment,
                )
            elif (
                clinical.valid_gfe(client=appointment.client, treatment=treatment, day=day) is None
            ):
                raise ValidationError(
                    {
                        "gfe_findings": "This treatment needs a good-faith exam and none is on "
                        "record: record your exam (history, exam, plan) to approve."
                    }
                )
        review.decision = decision
        review.note = note.strip()
        review.decided_at = now
        review.save(update_fields=["decision", "note", "decided_at"])
        approved = decision == Review.Decision.APPROVED
        appointment.status = (
            Appointment.Status.CONFIRMED if approved else Appointment.Status.DECLINED
        )
        appointment.save(update_fields=["status", "updated_at"])
        record_event(appointment, AppointmentEvent.Action.REVIEWED, user, f"review {decision}")
        clinical.log_access(
            user=user,
            action=MedicalAuditLog.Action.DECIDED,
            what=f"review {decision}",
            appointment=appointment,
        )
        notifications.queue(
            appointment,
            notifications.Kind.APPROVED if approved else notifications.Kind.DECLINED,
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
        clinical.log_access(
            user=user,
            action=MedicalAuditLog.Action.REASSIGNED,
            what=f"review from {previous.display_name} to {to_physician.display_name}",
            appointment=appointment,
        )
    return review
