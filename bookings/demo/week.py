"""A week of the demo spa's life around today, so that a first look finds the admin's
dashboard, the day schedule, the doctor's queue (every tab) and the co-sign list at
work: appointments from three days back to three days ahead in every status.

Every row goes through the services, each step as of the moment it would have
happened (`now=`): booked online four days before (or by phone), the email proven an
hour later, the doctor's decision (with a good-faith exam where the treatment needs
one) a day after booking, the client's cancellation two days after, check-in ten
minutes before the start, completion at the end, the chart and its co-signature
after. Whatever the services refuse is never written. A step that would lie in the
future of the real clock is not taken: today's visits are as far along as the clock
is (over: completed; started or starting within the check-in window: checked in;
later: booked).

Seeded once: when a demo client already has an appointment, nothing is added.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.availability import Policy, Slot
from bookings.models import Appointment, Client, Review
from bookings.selectors.booking import available_slots
from bookings.services.appointment_changes import appointment_cancel
from bookings.services.appointments import appointment_book
from bookings.services.clients import ClientDetails, appointment_prove_email
from bookings.services.intake import ConsentGiven, IntakeAnswers
from bookings.services.records import (
    ChartEntry,
    ExamFindings,
    chart_cosign,
    chart_write,
)
from bookings.services.reminders import client_confirms
from bookings.services.reviews import review_decide
from bookings.services.text_replies import stop_texts
from bookings.services.visits import appointment_set_status
from practitioners.models import Practitioner
from treatments.models import Resource, Treatment

Status = Appointment.Status


@dataclass(frozen=True)
class DemoClient:
    first_name: str
    last_name: str
    phone: str  # E.164, in the 555-0100 to 0199 range kept for fiction
    born: datetime.date

    @property
    def email(self) -> str:
        return f"{self.first_name}.{self.last_name}@example.com".lower()


CLIENTS = (
    DemoClient("Olivia", "Hart", "+12125550101", datetime.date(1986, 5, 12)),
    DemoClient("Noah", "Bennett", "+12125550102", datetime.date(1979, 11, 3)),
    DemoClient("Ava", "Lindqvist", "+12125550103", datetime.date(1992, 2, 27)),
    DemoClient("Lucas", "Moreau", "+12125550104", datetime.date(1988, 8, 19)),
    DemoClient("Grace", "Okonkwo", "+12125550105", datetime.date(1975, 4, 6)),
    DemoClient("Ethan", "Park", "+12125550106", datetime.date(1995, 12, 1)),
    DemoClient("Chloe", "Ramirez", "+12125550107", datetime.date(1983, 7, 23)),
    DemoClient("Samuel", "Weiss", "+12125550108", datetime.date(1969, 9, 14)),
    DemoClient("Isla", "Fitzgerald", "+12125550109", datetime.date(1990, 1, 30)),
    DemoClient("Maya", "Desai", "+12125550110", datetime.date(1998, 6, 8)),
)


class Story(StrEnum):
    """What becomes of a planned visit."""

    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"  # by the client online, two days after booking
    DECLINED = "declined"  # by the doctor, a day after booking
    CONFIRMED = "confirmed"
    PENDING_REVIEW = "pending_review"
    EXAM_AT_VISIT = "exam_at_visit"  # approved subject to a good-faith exam at the visit
    CHECKED_IN = "checked_in"  # the latest visit the clock lets the desk check in
    TODAY = "today"  # as far along as the clock is


@dataclass(frozen=True)
class PlannedVisit:
    day: int  # from today; a day the practitioner is off moves further from today
    at: datetime.time  # wanted start: the first free time from here is taken
    practitioner: str | None  # None: whoever is free
    treatment: str
    client: int  # index in CLIENTS
    story: Story
    by_phone: bool = False  # booked by the front desk for a client on record
    blood_thinners: bool = False  # a flag for the doctor's queue
    # The day schedule's markers: agreed to text reminders; confirmed by the reminder's
    # link; replied STOP to a text (every visit booked with that phone shows it).
    texts: bool = False
    confirms: bool = False
    stops_texts: bool = False


def _visit(
    day: int, at: str, practitioner: str | None, treatment: str, client: int, story: Story, **kw
):
    return PlannedVisit(
        day, datetime.time.fromisoformat(at), practitioner, treatment, client, story, **kw
    )


PLAN = (
    _visit(-3, "10:00", "maya-chen", "signature-hydrating-facial", 0, Story.COMPLETED),
    _visit(-3, "11:00", "jordan-brooks", "botox-wrinkle-relaxer", 1, Story.COMPLETED),
    _visit(-3, "14:00", "priya-raman", "laser-hair-removal", 2, Story.COMPLETED),
    _visit(-3, "15:00", "sofia-alvarez", "sea-salt-glow", 3, Story.NO_SHOW),
    _visit(-2, "09:30", "elena-petrova", "juvederm-cheek-filler", 4, Story.COMPLETED),
    _visit(-2, "10:30", "maya-chen", "swedish-relaxation-massage", 5, Story.COMPLETED),
    _visit(-2, "13:00", "marcus-bell", "ipl-photofacial", 6, Story.COMPLETED),
    _visit(-2, "11:00", "sofia-alvarez", "hydrafacial", 2, Story.COMPLETED),
    _visit(-2, "15:00", "sofia-alvarez", "clinical-acne-treatment", 7, Story.CANCELLED),
    _visit(-1, "09:00", "jordan-brooks", "restylane-lip-filler", 8, Story.COMPLETED),
    _visit(-1, "11:00", "priya-raman", "ipl-photofacial", 9, Story.COMPLETED),
    _visit(-1, "12:00", "maya-chen", "express-glow-facial", 0, Story.NO_SHOW, by_phone=True),
    _visit(-1, "14:00", "sofia-alvarez", "calming-facial-sensitive-skin", 1, Story.COMPLETED),
    _visit(-1, "16:00", "elena-petrova", "botox-wrinkle-relaxer", 2, Story.DECLINED),
    _visit(0, "09:00", "maya-chen", "signature-hydrating-facial", 3, Story.TODAY),
    _visit(0, "10:00", "jordan-brooks", "botox-wrinkle-relaxer", 4, Story.TODAY),
    _visit(
        0,
        "11:30",
        "sofia-alvarez",
        "superficial-glow-peel",
        5,
        Story.TODAY,
        texts=True,
        confirms=True,
    ),
    _visit(0, "13:00", "priya-raman", "laser-hair-removal", 6, Story.TODAY, texts=True),
    _visit(0, "14:30", "elena-petrova", "medium-chemical-peel", 7, Story.TODAY, confirms=True),
    _visit(
        0,
        "16:00",
        "maya-chen",
        "detoxifying-seaweed-wrap",
        8,
        Story.TODAY,
        texts=True,
        stops_texts=True,
    ),
    _visit(0, "17:30", "sofia-alvarez", "express-glow-facial", 9, Story.TODAY, by_phone=True),
    _visit(0, "12:00", None, "express-glow-facial", 1, Story.CHECKED_IN),
    _visit(1, "10:00", "jordan-brooks", "juvederm-cheek-filler", 0, Story.PENDING_REVIEW),
    _visit(
        1, "11:00", "maya-chen", "swedish-relaxation-massage", 2, Story.CONFIRMED, confirms=True
    ),
    _visit(1, "13:00", "marcus-bell", "botox-wrinkle-relaxer", 3, Story.PENDING_REVIEW),
    _visit(1, "15:00", "sofia-alvarez", "signature-hydrating-facial", 4, Story.CANCELLED),
    _visit(2, "09:30", "priya-raman", "clinical-acne-treatment", 5, Story.CONFIRMED, texts=True),
    _visit(2, "10:00", "maya-chen", "hydrafacial", 3, Story.CONFIRMED, texts=True, confirms=True),
    _visit(
        2,
        "11:00",
        "elena-petrova",
        "restylane-lip-filler",
        6,
        Story.PENDING_REVIEW,
        blood_thinners=True,
    ),
    _visit(
        2, "14:00", "maya-chen", "calming-facial-sensitive-skin", 7, Story.CONFIRMED, by_phone=True
    ),
    _visit(2, "16:00", "jordan-brooks", "botox-wrinkle-relaxer", 8, Story.DECLINED),
    _visit(3, "10:00", "marcus-bell", "laser-hair-removal", 9, Story.EXAM_AT_VISIT),
    _visit(3, "12:00", "sofia-alvarez", "sea-salt-glow", 0, Story.CONFIRMED),
    _visit(3, "14:00", "priya-raman", "ipl-photofacial", 1, Story.PENDING_REVIEW),
)

# How far a visit may move from its planned day to find its practitioner at work.
SEARCH_DAYS = 4
CHECK_IN_BEFORE = datetime.timedelta(minutes=10)
NO_SHOW_AFTER = datetime.timedelta(minutes=20)
# Charts of visits at least this old are co-signed; newer ones wait on the doctor's list.
COSIGNED_AFTER_DAYS = 2


def already_seeded() -> bool:
    return Appointment.objects.filter(client_email__in=[c.email for c in CLIENTS]).exists()


def seed_week(*, now: datetime.datetime, desk: AbstractBaseUser | None) -> int:
    """Book and move along the week's visits; return how many appointments were made."""
    if already_seeded():
        return 0
    today = timezone.localdate(now)
    practitioners = {p.slug: p for p in Practitioner.objects.select_related("user")}
    treatments = {t.slug: t for t in Treatment.objects.all()}
    made = 0
    for plan in sorted(PLAN, key=lambda p: (p.day, p.at)):
        practitioner = practitioners.get(plan.practitioner) if plan.practitioner else None
        treatment = treatments.get(plan.treatment)
        if treatment is None or (plan.practitioner and practitioner is None):
            continue  # edited out of the demo spa
        try:
            with transaction.atomic():
                booked = _book(plan, practitioner, treatment, today=today, now=now, desk=desk)
                if booked is None:
                    continue  # nobody free on any day near the planned one
                _live_through(booked, plan, now=now, desk=desk)
        except (ValidationError, PermissionDenied):
            # A step the services refuse (a spa.yaml edited since): the whole visit is
            # left out, never kept half-way through its story.
            continue
        made += 1
    return made


def _booked_at(day: datetime.date, now: datetime.datetime) -> datetime.datetime:
    """Four days before the visit's day, and never later than three days ago (so the
    doctor's decision and a cancellation are in the past too)."""
    four_days_before = timezone.make_aware(
        datetime.datetime.combine(day - datetime.timedelta(days=4), datetime.time(10))
    )
    return min(four_days_before, now - datetime.timedelta(days=3))


def _start(slot: Slot) -> datetime.datetime:
    return slot.start


def _fits(story: Story, slot: Slot, now: datetime.datetime) -> bool:
    """Whether the clock lets this time tell the story."""
    if story == Story.COMPLETED:
        return slot.end <= now
    if story == Story.NO_SHOW:
        return slot.start + NO_SHOW_AFTER <= now
    if story == Story.CHECKED_IN:
        check_in_opens = datetime.timedelta(minutes=settings.CHECK_IN_OPENS_MINUTES)
        return slot.start - check_in_opens <= now
    if story in (Story.CONFIRMED, Story.PENDING_REVIEW, Story.EXAM_AT_VISIT):
        return slot.start > now
    return True


def _book(
    plan: PlannedVisit,
    practitioner: Practitioner | None,
    treatment: Treatment,
    *,
    today: datetime.date,
    now: datetime.datetime,
    desk: AbstractBaseUser | None,
) -> Appointment | None:
    """The first free time that fits, from the planned day on (moving away from today:
    back for what has happened, ahead for what has not)."""
    backwards = plan.day < 0 or plan.story in (
        Story.COMPLETED,
        Story.NO_SHOW,
        Story.CHECKED_IN,
    )
    policy = Policy.from_settings(treatment)
    for step in range(SEARCH_DAYS):
        day = today + datetime.timedelta(days=plan.day + (-step if backwards else step))
        booked_at = _booked_at(day, now)
        slots = [
            slot
            for slot in available_slots(
                treatment,
                first_day=day,
                days=1,
                now=booked_at,
                policy=policy,
                practitioner_id=practitioner.pk if practitioner else None,
            )
            if _fits(plan.story, slot, now)
        ]
        if not slots:
            continue
        wanted = timezone.make_aware(datetime.datetime.combine(day, plan.at))
        later = [slot for slot in slots if slot.start >= wanted]
        # The first free time from the wanted one, else the day's last; checked in: the
        # latest visit the desk could have checked in by now.
        last = plan.story == Story.CHECKED_IN or not later
        slot = max(slots, key=_start) if last else min(later, key=_start)
        who = practitioner or Practitioner.objects.select_related("user").get(
            pk=slot.practitioner_id
        )
        return _make(plan, who, treatment, slot.start, booked_at, desk)
    return None


def _make(
    plan: PlannedVisit,
    practitioner: Practitioner,
    treatment: Treatment,
    start: datetime.datetime,
    booked_at: datetime.datetime,
    desk: AbstractBaseUser | None,
) -> Appointment:
    person = CLIENTS[plan.client]
    on_record = Client.objects.filter(email=person.email).first() if plan.by_phone else None
    appointment = appointment_book(
        treatment=treatment,
        practitioner=practitioner,
        start=start,
        client=ClientDetails(
            person.first_name, person.last_name, person.email, person.phone, sms_opt_in=plan.texts
        ),
        intake=_intake(treatment, person, plan) if treatment.is_medical else None,
        consent=ConsentGiven(given=True, user_agent="demo") if treatment.is_medical else None,
        client_record=on_record,
        source=Appointment.Source.FRONT_DESK if on_record else Appointment.Source.ONLINE,
        now=booked_at,
        by=desk if on_record else None,
    )
    if on_record is None:  # the client opened the link in the confirmation mail
        appointment = appointment_prove_email(
            appointment=appointment, now=booked_at + datetime.timedelta(hours=1)
        )
    return appointment


def _intake(treatment: Treatment, person: DemoClient, plan: PlannedVisit) -> IntakeAnswers:
    return IntakeAnswers(
        date_of_birth=person.born,
        pregnant_or_breastfeeding=False,
        isotretinoin_last_6_months=False,
        blood_thinners=plan.blood_thinners,
        medications="Aspirin 81 mg daily" if plan.blood_thinners else "",
        # Every further question of the treatment answered: no flag for a blank.
        extra_answers={
            rule.contraindication.code: False
            for rule in treatment.contraindication_rules.select_related("contraindication")
        },
    )


def _live_through(
    appointment: Appointment,
    plan: PlannedVisit,
    *,
    now: datetime.datetime,
    desk: AbstractBaseUser | None,
) -> None:
    """Take the visit through its story, each step at its own moment."""
    booked_at = _booked_at(timezone.localtime(appointment.start).date(), now)
    story = plan.story
    if appointment.is_medical and story != Story.PENDING_REVIEW:
        _decide(appointment, story, decided_at=booked_at + datetime.timedelta(days=1))
    if story == Story.CANCELLED:
        appointment_cancel(
            appointment=appointment, by_client=True, now=booked_at + datetime.timedelta(days=2)
        )
        return
    _reply(appointment, plan, now)
    if story == Story.TODAY:
        story = _as_far_as_the_clock(appointment, now)
    if story in (Story.CHECKED_IN, Story.COMPLETED):
        check_in = max(
            appointment.start - datetime.timedelta(minutes=settings.CHECK_IN_OPENS_MINUTES),
            min(appointment.start - CHECK_IN_BEFORE, now),
        )
        appointment_set_status(
            appointment=appointment, status=Status.CHECKED_IN, now=check_in, by=desk
        )
    if story == Story.COMPLETED:
        appointment_set_status(
            appointment=appointment, status=Status.COMPLETED, now=appointment.end, by=desk
        )
        _chart(appointment, now)
    if story == Story.NO_SHOW:
        appointment_set_status(
            appointment=appointment,
            status=Status.NO_SHOW,
            now=appointment.start + NO_SHOW_AFTER,
            by=desk,
        )


def _reply(appointment: Appointment, plan: PlannedVisit, now: datetime.datetime) -> None:
    """The client's answer to the reminders: the confirm link (as the mail two days
    before went, or now when that is still ahead), or STOP to a text."""
    if plan.confirms:
        at = min(now, appointment.start - datetime.timedelta(hours=40))
        client_confirms(appointment, at, "opened the reminder's confirm link")
    if plan.stops_texts:
        stop_texts(appointment.client_phone)


def _as_far_as_the_clock(appointment: Appointment, now: datetime.datetime) -> Story:
    if appointment.end <= now:
        return Story.COMPLETED
    opens = appointment.start - datetime.timedelta(minutes=settings.CHECK_IN_OPENS_MINUTES)
    return Story.CHECKED_IN if opens <= now else Story.CONFIRMED


def _decide(appointment: Appointment, story: Story, *, decided_at: datetime.datetime) -> None:
    review = Review.objects.select_related("physician__user").get(appointment=appointment)
    declined = story == Story.DECLINED
    at_visit = story == Story.EXAM_AT_VISIT
    exam = None
    if appointment.treatment.requires_gfe and not declined and not at_visit:
        exam = ExamFindings(
            performed_on=timezone.localtime(decided_at).date(),
            findings="Video visit. History reviewed, no contraindication found; skin "
            "examined; plan agreed with the client.",
        )
    review_decide(
        review=review,
        user=review.physician.user,
        decision=Review.Decision.DECLINED if declined else Review.Decision.APPROVED,
        note="Recent cold sore reported by phone: rebook once healed." if declined else "",
        exam=exam,
        exam_at_visit=at_visit,
        now=decided_at,
    )


def _chart(appointment: Appointment, now: datetime.datetime) -> None:
    """The practitioner's chart of a medical visit; the older ones already co-signed."""
    if not appointment.is_medical or appointment.practitioner.user is None:
        return
    treatment = appointment.treatment
    entry = ChartEntry(what_was_done=f"{treatment.name} as planned; no immediate reaction.")
    if treatment.charting == Treatment.Charting.INJECTABLE:
        entry = ChartEntry(
            what_was_done=entry.what_was_done,
            product=treatment.name.split()[0],
            lot_number=f"L{appointment.pk:05d}",
            lot_expiry=timezone.localdate(now) + datetime.timedelta(days=240),
            units_per_area="Glabella 20 U" if "Botox" in treatment.name else "1.0 mL",
        )
    elif treatment.charting == Treatment.Charting.ENERGY_DEVICE:
        # The device the booking held, when the treatment needs one.
        held = appointment.allocations.filter(resource__kind=Resource.Kind.DEVICE)
        device = held.values_list("resource__name", flat=True).first()
        entry = ChartEntry(
            what_was_done=entry.what_was_done,
            device=device or "Clinic laser platform",
            device_settings="Test spot first; 15 mm spot, 18 J/cm2, 3 ms pulse.",
        )
    record = chart_write(appointment=appointment, user=appointment.practitioner.user, entry=entry)
    old_enough = appointment.end <= now - datetime.timedelta(days=COSIGNED_AFTER_DAYS)
    physician = appointment.supervising_physician
    if record.needs_cosign and old_enough and physician and physician.user:
        chart_cosign(record=record, user=physician.user)
