"""Booking an appointment: every booking rule, once. The public site, the admin
and the demo seeder all book through appointment_book; moving goes through the
same appointment_validate (bookings/services/appointment_changes.py).

appointment_validate is a pure read that raises ValidationError keyed by form
field; the writers lock, validate again under the lock, write, and queue mail in
the same transaction."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from bookings.availability import (
    TAKEN_MESSAGE,
    Need,
    Policy,
    PractitionerDay,
    pick_resources,
    slot_problem,
)
from bookings.models import Appointment, AppointmentEvent, Client, normalise_email
from bookings.selectors.booking import practitioner_days, qualified_practitioners, resource_needs
from bookings.services import messages
from bookings.services.allocations import allocations_follow
from bookings.services.clients import ClientDetails
from bookings.services.history import record_event
from bookings.services.intake import ConsentGiven, IntakeAnswers, clinical_problems, record_intake
from bookings.services.locks import lock_schedules, treatment_as_stored
from bookings.services.reminders import confirm_window
from medspa.clock import staff_time
from medspa.phones import INVALID_PHONE, phone_to_e164
from practitioners.models import Practitioner
from practitioners.supervision import supervising_physician
from treatments.models import Treatment

SLOT_TAKEN = "slot_taken"
# No room or device free for one of the treatment's needs: online it reads as a taken
# slot (the same words); the front desk is told what is busy.
RESOURCE_TAKEN = "resource_taken"
WANTED_RESOURCE_BUSY = "wanted_resource_busy"


@dataclass(frozen=True)
class BookingPlan:
    """What appointment_validate found bookable: who, when, under whom, with which flags."""

    practitioner: Practitioner
    supervising_physician: Practitioner | None
    start: datetime.datetime
    end: datetime.datetime
    blocked_until: datetime.datetime
    flags: list[dict[str, str]]
    # The rooms and devices it holds, one per need: (id, name), lowest-numbered free.
    resources: tuple[tuple[int, str], ...] = ()

    @property
    def resource_ids(self) -> list[int]:
        return [id_ for id_, _ in self.resources]

    @property
    def resource_names(self) -> list[str]:
        return [name for _, name in self.resources]


def _schedules(
    treatment: Treatment,
    practitioners: list[Practitioner],
    day: datetime.date,
    policy: Policy,
    ignore_appointment_id: int | None,
    ignore_offer_id: int | None,
    now: datetime.datetime,
) -> tuple[list[PractitionerDay], list[Need]]:
    window = {
        "first_day": day,
        "last_day": day,
        "policy": policy,
        "ignore_appointment_id": ignore_appointment_id,
        "ignore_offer_id": ignore_offer_id,
        "now": now,
    }
    return (
        practitioner_days(treatment, practitioners, **window),
        resource_needs(treatment, **window),
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
    wanted_resources: frozenset[int] = frozenset(),
    ignore_offer_id: int | None = None,
    clinical: bool = True,
) -> BookingPlan:
    """Check every booking rule; return the plan, or raise ValidationError keyed by field.

    Rules: treatment bookable; practitioner active, qualified, role allowed, licence
    valid; start on the grid, inside one working block with the cleanup buffer, not
    in time off, not overlapping, not past, within the notice (unless the front desk
    waives it) and advance windows; medical treatments: a supervising physician on
    record that day, the client's age, consent, and the contraindications (absolute
    ones refuse, relative ones become flags); one free room or device for each of the
    treatment's needs, over the same time. No practitioner means any free one.
    `wanted_resources`: the front desk's choice of room or device, for its need (one the
    treatment does not use, or not in use, is refused; one that is busy is named).
    A live waitlist hold is busy time for everyone but its own offer (`ignore_offer_id`,
    the booking that accepts it). `clinical=False`: the time rules only (a waitlist
    offer, made before the client answers; accepting it checks the rest).
    """
    now = now or timezone.now()
    policy = policy or Policy.from_settings(treatment)
    if timezone.is_naive(start):
        raise ValidationError({"start": "Please choose one of the times offered."})
    if not treatment.is_active:
        raise ValidationError(
            {NON_FIELD_ERRORS: "This treatment is no longer offered online. Please call us."}
        )
    day = start.astimezone(policy.zone).date()
    errors, flags = (
        clinical_problems(treatment, day=day, intake=intake, consent=consent)
        if clinical
        else ({}, [])
    )

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
    effective_policy = policy if enforce_notice else policy.without_notice()
    if start <= now:
        # Checked first too: nothing is loaded for a past date (year 1 included).
        errors["start"] = ["That time has already passed. Please choose another time."]
        candidates = []
    elif day > policy.last_bookable_day(now):
        # Checked first: nothing is loaded for a date that far out (year 9999 included).
        errors["start"] = [
            f"We take online bookings up to {policy.max_advance_days} "
            f"day{pluralize(policy.max_advance_days)} ahead. "
            "Please choose an earlier date."
        ]
        candidates = []
    chosen = None
    picked = ()
    duration = datetime.timedelta(minutes=treatment.duration_minutes)
    buffer = datetime.timedelta(minutes=treatment.buffer_minutes)
    if candidates:
        schedules, needs = _schedules(
            treatment,
            candidates,
            day,
            policy,
            ignore_appointment.pk if ignore_appointment else None,
            ignore_offer_id,
            now,
        )
        reasons = []
        for schedule in schedules:
            reason = slot_problem(
                schedule,
                start=start,
                duration=duration,
                buffer=buffer,
                now=now,
                policy=effective_policy,
            )
            if reason is None:
                chosen = next(p for p in candidates if p.pk == schedule.practitioner_id)
                break
            reasons.append(reason)
        if chosen is None:
            errors["start"] = [_explain(reasons)]
        elif wanted_resources - {r.resource_id for need in needs for r in need.resources}:
            errors["resource"] = [
                "That room or device is not one this treatment uses, or it is not in use."
            ]
        else:
            until = start + duration + buffer
            picked = pick_resources(needs, start, until, wanted=wanted_resources)
            if picked is None:
                errors["start"] = [_no_resource(needs, start, until, wanted_resources)]
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
        blocked_until=end + buffer,
        flags=flags,
        resources=tuple((resource.resource_id, resource.name) for resource in picked),
    )


def taken() -> ValidationError:
    """Someone else got the time first: the one refusal every writer gives for it."""
    return ValidationError(TAKEN_MESSAGE, code=SLOT_TAKEN)


def _no_resource(
    needs: list[Need],
    start: datetime.datetime,
    until: datetime.datetime,
    wanted: frozenset[int],
) -> ValidationError:
    """No free room or device for a need. When the front desk's own choice is what is
    busy (another would do), it is named."""
    if wanted and pick_resources(needs, start, until) is not None:
        names = sorted(
            {r.name for need in needs for r in need.resources if r.resource_id in wanted}
        )
        return ValidationError(
            f"{' and '.join(names)} is not free at that time. Choose another room or device, "
            "or leave the choice empty to take any free one.",
            code=WANTED_RESOURCE_BUSY,
        )
    return ValidationError(TAKEN_MESSAGE, code=RESOURCE_TAKEN)


def _explain(reasons: list[str]) -> ValidationError:
    """One message for the client from each candidate practitioner's reason."""
    if any(reason == TAKEN_MESSAGE for reason in reasons):
        return taken()
    if reasons and all(reason == reasons[0] for reason in reasons):
        return ValidationError(reasons[0], code="unavailable")
    return ValidationError(
        "Nobody is free at that time. Please choose one of the times offered.",
        code="unavailable",
    )


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
    client_record: Client | None = None,
    source: str = Appointment.Source.ONLINE,
    now: datetime.datetime | None = None,
    enforce_notice: bool = True,
    submission_key: str | None = None,
    by=None,
    ignore_offer_id: int | None = None,
) -> Appointment:
    """Book an appointment, or raise ValidationError (code `slot_taken` when beaten to it).

    Day-spa bookings are confirmed at once; medical ones wait for the supervising
    physician's review. The same form (same `submission_key`) posted twice returns the
    first appointment. `ignore_offer_id`: the waitlist offer this booking accepts, whose
    hold does not block it (offer_accept in services/waitlist_offers.py).
    Mail is queued in the same transaction and sent after commit.
    """
    now = now or timezone.now()
    phone = phone_to_e164(client.phone)
    if phone is None:  # the forms check it first; this is every other caller's check
        raise ValidationError({"phone": INVALID_PHONE})
    with transaction.atomic():
        lock_schedules(treatment, practitioner)
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
                ignore_offer_id=ignore_offer_id,
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
            with transaction.atomic():
                appointment = Appointment(
                    # Only a client the front desk picked from the records; an email
                    # typed online joins a record once it is proven (services/clients.py).
                    client=client_record,
                    email_proven_at=now if client_record is not None else None,
                    client_first_name=client.first_name.strip(),
                    client_last_name=client.last_name.strip(),
                    client_email=normalise_email(client.email),
                    client_phone=phone,
                    client_date_of_birth=intake.date_of_birth if intake else None,
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
                    # Booked inside the reminder's window: the client chose this time
                    # just now, so nobody asks them to confirm it.
                    client_confirmed_at=now if plan.start - now <= confirm_window() else None,
                    sms_opt_in_at=now if client.sms_opt_in else None,
                    sms_consent_wording=settings.SMS_CONSENT_WORDING if client.sms_opt_in else "",
                )
                appointment.save(force_insert=True)
                allocations_follow(appointment, plan.resource_ids)
        except IntegrityError:
            # Posted twice for "any practitioner": the first booking took another one.
            again = _same_form_again(submission_key)
            if again is not None:
                return again
            # A no-overlap constraint (practitioner, room or device): someone else got
            # there first.
            raise ValidationError({"start": taken()}) from None
        record_event(
            appointment,
            AppointmentEvent.Action.CREATED,
            by,
            f"{appointment.get_source_display()}, {staff_time(plan.start)} with "
            f"{plan.practitioner.display_name}",
        )
        if not enforce_notice and plan.start < now + Policy.from_settings(treatment).min_notice:
            record_event(appointment, AppointmentEvent.Action.NOTICE_WAIVED, by)
        if treatment.is_medical:
            record_intake(appointment, intake, consent, plan.flags, now)
            messages.queue(appointment, messages.Kind.REQUEST_RECEIVED)
        else:
            messages.queue(appointment, messages.Kind.CONFIRMED)
    return appointment
