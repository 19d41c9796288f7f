"""The medical intake and consent: the answers a booking carries, the rules they
must pass (age, consent, contraindications), and how they are stored."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS

from bookings.models import Appointment, Consent, Intake, Review
from medspa.clock import staff_date
from treatments.models import (
    MEDICAL_MINIMUM_AGE,
    Contraindication,
    Treatment,
    TreatmentContraindication,
)

# Intake fields the contract fixes, by the contraindication code they answer.
STANDARD_QUESTIONS = {
    "pregnant-or-breastfeeding": "pregnant_or_breastfeeding",
    "isotretinoin-last-6-months": "isotretinoin_last_6_months",
    "blood-thinners": "blood_thinners",
}


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
    # A signed-in client's answers checked against their last ones (Intake.changes).
    changes: dict[str, dict] = field(default_factory=dict)

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


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def clinical_problems(
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
                    "name": condition.name,
                    "severity": "unanswered",
                    "rule": rule.severity,
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


def record_intake(
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
        changes=dict(intake.changes),
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


# How staff read an intake (the doctor's queue and review, /staff/, the admin, exports):
# every answer and flag under the contraindication's name, never its code.

ANSWER_WORDS = {True: "Yes", False: "No", None: "Not answered"}

# The free-text answers, by field, as staff read them.
FREE_TEXTS = {"medications": "Medications", "allergies": "Allergies", "conditions": "Conditions"}


@dataclass(frozen=True)
class AnswerShown:
    label: str
    answer: str
    # For an answer asked again from the client's last visit: confirmed or changed.
    note: str = ""

    @property
    def changed(self) -> bool:
        return self.note.startswith("Changed")


@dataclass(frozen=True)
class FlagShown:
    label: str
    unanswered: bool = False
    # For an unanswered question: whether a yes would have refused the online booking.
    absolute: bool = False

    def __str__(self) -> str:
        if not self.unanswered:
            return self.label
        return f"Not answered: {self.label}" + (" (absolute)" if self.absolute else "")


def intake_codes(intakes: Iterable[Intake | None]) -> set[str]:
    """Every contraindication code these intakes answer or flag."""
    codes = set(STANDARD_QUESTIONS)
    for intake in intakes:
        if intake is not None:
            codes.update(intake.extra_answers)
            codes.update(flag["code"] for flag in intake.flags)
    return codes


def contraindication_labels(codes: Iterable[str]) -> dict[str, str]:
    """The one place a contraindication code becomes words: its name in the catalogue
    (one query for all the codes), or the code spelled out if it has left the catalogue."""
    codes = set(codes)
    names = dict(Contraindication.objects.filter(code__in=codes).values_list("code", "name"))
    return {code: names.get(code) or code.replace("-", " ").capitalize() for code in codes}


def intake_labels(intakes: Iterable[Intake | None]) -> dict[str, str]:
    return contraindication_labels(intake_codes(intakes))


def answers_shown(intake: Intake, labels: dict[str, str]) -> list[AnswerShown]:
    """The yes/no answers, the contract's three first, each under its label."""
    answers = [(code, getattr(intake, name)) for code, name in STANDARD_QUESTIONS.items()]
    answers += list(intake.extra_answers.items())
    changes = intake.changes or {}
    return [
        AnswerShown(labels[code], ANSWER_WORDS[answer], change_note(changes.get(code)))
        for code, answer in answers
    ]


def texts_shown(intake: Intake) -> list[AnswerShown]:
    """The free-text answers ("-" for none), each with its change since the last visit."""
    changes = intake.changes or {}
    return [
        AnswerShown(label, getattr(intake, name) or "-", change_note(changes.get(name)))
        for name, label in FREE_TEXTS.items()
    ]


def change_note(change: dict | None) -> str:
    """How staff read one answer asked again: "Changed since Tue 3 Mar 2026: was No,
    now Yes", or "Confirmed unchanged since ..."."""
    if not change:
        return ""
    since = staff_date(datetime.date.fromisoformat(change["since"]))
    if change["before"] == change["after"]:
        return f"Confirmed unchanged since {since}"
    before, after = _words(change["before"]), _words(change["after"])
    return f"Changed since {since}: was {before}, now {after}"


def _words(value: bool | str) -> str:
    if isinstance(value, bool):
        return ANSWER_WORDS[value]
    return f"\u201c{value}\u201d" if value else "none"


def flags_shown(intake: Intake | None, labels: dict[str, str]) -> list[FlagShown]:
    """The flags the answers raised at booking, each under its label."""
    if intake is None:
        return []
    return [
        FlagShown(
            label=labels[flag["code"]],
            unanswered=flag["severity"] == "unanswered",
            absolute=flag.get("rule") == TreatmentContraindication.Severity.ABSOLUTE,
        )
        for flag in intake.flags
    ]
