"""Intake saved between visits: a signed-in client's last answers, asked again.

Issue 21: the next medical booking shows the client's last answers and asks them to
confirm or change each one. Nothing is carried over silently: an answer is only ever
stored because the client gave it again on this form (a health answer that changed
and was not re-checked would reach the doctor as still true). What changed reaches
the doctor as a change, in Intake.changes.

Only a client signed in as themselves sees their answers, and only answers given for
visits on their own record (joined once the email was proven, services/clients.py):
a booking someone else made with their address never shows here.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from bookings.models import Client, Intake
from bookings.services.intake import ANSWER_WORDS, FREE_TEXTS, STANDARD_QUESTIONS, IntakeAnswers
from medspa.clock import client_date, spa_local
from treatments.models import Treatment

# What a client says about a free-text answer they gave last time.
TEXT_SAME, TEXT_NONE, TEXT_CHANGED = "same", "none", "changed"

OUT_OF_DATE = (
    "Your saved answers have changed since this page was opened (perhaps another "
    "booking). Please check each answer again."
)
NOT_ASKED = (
    "This form does not match the questions for this treatment. Please check each "
    "answer again and send the form once more."
)


@dataclass(frozen=True)
class SavedAnswer:
    """One answer as last given: a yes/no (bool) or a text, and the visit it was for."""

    value: bool | str
    since: datetime.date

    @property
    def words(self) -> str:
        return ANSWER_WORDS[self.value] if isinstance(self.value, bool) else self.value


@dataclass(frozen=True)
class SavedIntake:
    """A signed-in client's last answers. `version` names the newest intake they came
    from: a form shown with one version is only accepted with the same version."""

    version: int
    date_of_birth: datetime.date | None
    # By contraindication code (yes/no) or FREE_TEXTS field (text).
    answers: dict[str, SavedAnswer] = field(default_factory=dict)

    def yes_no(self, code: str) -> SavedAnswer | None:
        return self.answers.get(code) if code not in FREE_TEXTS else None

    def text(self, name: str) -> SavedAnswer | None:
        return self.answers.get(name)


def saved_intake_for(client: Client | None, *, submission: str = "") -> SavedIntake | None:
    """The client's last answers, or None (nobody signed in, or no intake on their
    record). One query: the record's intakes, newest first. The yes/no questions every
    intake asks and the free texts come from the newest; a treatment's own question
    from the newest intake that answered it. `since` is that visit's day.

    `submission`: the booking form's own key. The answers that very form already
    booked are left out, so a form posted twice (a double click) is checked against
    what it was shown and gets the same booking (appointment_book), not a refusal."""
    if client is None:
        return None
    intakes = Intake.objects.filter(appointment__client=client)
    if submission:
        intakes = intakes.exclude(appointment__submission_key=submission)
    rows = intakes.order_by("-created_at", "-pk").values(
        "pk",
        "date_of_birth",
        "extra_answers",
        "appointment__start",
        *STANDARD_QUESTIONS.values(),
        *FREE_TEXTS,
    )
    answers: dict[str, SavedAnswer] = {}
    newest = None
    for row in rows:
        since = spa_local(row["appointment__start"]).date()
        if newest is None:
            newest = row
            for code, name in STANDARD_QUESTIONS.items():
                answers[code] = SavedAnswer(row[name], since)
            for name in FREE_TEXTS:
                # An empty answer ("none") is asked afresh: there is nothing to confirm.
                if row[name].strip():
                    answers[name] = SavedAnswer(row[name].strip(), since)
        for code, answer in (row["extra_answers"] or {}).items():
            if isinstance(answer, bool) and code not in answers:
                answers[code] = SavedAnswer(answer, since)
    if newest is None:
        return None
    return SavedIntake(
        version=newest["pk"],
        date_of_birth=client.date_of_birth or newest["date_of_birth"],
        answers=answers,
    )


def saved_for_treatment(saved: SavedIntake | None, treatment: Treatment) -> SavedIntake | None:
    """Only the saved answers this treatment asks again: the contract's questions, its
    own contraindication questions, and the free texts."""
    if saved is None or not treatment.is_medical:
        return None
    asked = set(STANDARD_QUESTIONS) | set(FREE_TEXTS)
    asked |= {rule.contraindication.code for rule in treatment.contraindication_rules.all()}
    kept = {code: answer for code, answer in saved.answers.items() if code in asked}
    return SavedIntake(version=saved.version, date_of_birth=saved.date_of_birth, answers=kept)


def saved_intake_check(
    saved: SavedIntake | None, *, posted_version: str, posted_claims: set[str], asked: set[str]
) -> None:
    """Refuse a form that does not match what the client was shown (ValidationError).

    `posted_version`: the version the page was rendered with ("" for none);
    `posted_claims`: every question the POST answers or confirms; `asked`: those this
    form asks. A claim the form does not ask (a question of another treatment, or
    "unchanged" for an answer never given) is refused rather than ignored, and so is
    a version that is not the client's newest: the answers were checked against
    something else.
    """
    expected = str(saved.version) if saved else ""
    if posted_version.strip() != expected:
        raise ValidationError(OUT_OF_DATE, code="saved_out_of_date")
    if posted_claims - asked:
        raise ValidationError(NOT_ASKED, code="not_asked")


def text_answer(before: SavedAnswer, choice: str, typed: str) -> str:
    """The text this booking stores for a free-text answer given last time: the same
    one, none, or the new one typed. Raises ValidationError when the choice and what
    was typed disagree (nothing typed is ever dropped)."""
    typed = typed.strip()
    if choice == TEXT_SAME:
        if typed and typed != before.value:
            raise ValidationError(
                "You chose \u201cstill the same\u201d but wrote something new: choose "
                "\u201cchanged\u201d to send what you wrote, or clear it."
            )
        return str(before.value)
    if choice == TEXT_NONE:
        if typed:
            raise ValidationError(
                "You chose \u201cnone now\u201d but wrote something: choose \u201cchanged\u201d "
                "to send what you wrote, or clear it."
            )
        return ""
    if not typed:
        raise ValidationError("Please write what is true now, or choose another option.")
    return typed


def intake_changes(saved: SavedIntake | None, answers: IntakeAnswers) -> dict[str, dict]:
    """Each saved answer this booking asked again, before and after: what the doctor
    reads as "changed since" or "confirmed unchanged" (stored in Intake.changes)."""
    if saved is None:
        return {}
    found = {}
    for code, before in saved.answers.items():
        after = getattr(answers, code) if code in FREE_TEXTS else answers.answer(code)
        if isinstance(after, str):
            after = after.strip()
        if after is None:
            continue  # not asked this time: nothing was confirmed
        found[code] = {"before": before.value, "after": after, "since": before.since.isoformat()}
    return found


def last_answer_hint(answer: SavedAnswer) -> str:
    """What the client reads beside a question they answered before."""
    return f"Your answer for your visit on {client_date(answer.since)}: {answer.words or 'none'}"
