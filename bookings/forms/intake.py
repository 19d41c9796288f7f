"""The medical intake's questions, asked the same way online and on the phone: the
contract's fixed questions, then the treatment's own contraindication questions.
No answer is ever pre-selected: a "no" nobody gave would reach the doctor as one.

For a signed-in client with saved answers (services/saved_intake.py), each question
answered before shows that answer and must be answered again: "still no" or "yes
(changed)". A free text given before gets a required choice of its own,
`confirm_<field>`: still the same, none now, or changed (typed below)."""

import dataclasses

from django import forms
from django.core.exceptions import ValidationError

from bookings.forms.fields import YES_NO, no_control_characters
from bookings.services.intake import STANDARD_QUESTIONS, IntakeAnswers
from bookings.services.saved_intake import (
    TEXT_CHANGED,
    TEXT_NONE,
    TEXT_SAME,
    SavedAnswer,
    SavedIntake,
    intake_changes,
    last_answer_hint,
    saved_intake_check,
    text_answer,
)
from treatments.models import Treatment

STANDARD_LABELS = {
    "pregnant_or_breastfeeding": "Are you pregnant or breastfeeding?",
    "isotretinoin_last_6_months": "Have you taken isotretinoin (Accutane) in the last 6 months?",
    "blood_thinners": "Do you take blood thinners (including daily aspirin)?",
}

FREE_TEXT_LABELS = {
    "medications": "Medications you take (optional)",
    "allergies": "Allergies (optional)",
    "conditions": "Skin or health conditions (optional)",
}


def answer_field_name(code: str) -> str:
    """The form field of a treatment's own question: "answer_active_skin_infection"."""
    return "answer_" + code.replace("-", "_")


class IntakeQuestions:
    """Adds a medical treatment's questions to a form, and reads the answers back.

    `every_answer_required`: the front desk must ask every question before saving.
    Online, the treatment's own questions stay optional on the server (the contract
    fixes the required fields) and an unanswered one is flagged for the doctor.
    """

    def __init__(
        self,
        form: forms.Form,
        treatment: Treatment,
        *,
        every_answer_required: bool,
        saved: SavedIntake | None = None,
    ):
        self.form = form
        self.saved = saved
        self.extra: list[tuple[str, str]] = []  # (field name, contraindication code)
        self.confirmed_texts: list[str] = []  # free texts with a confirm_ choice
        fields = form.fields
        fields["date_of_birth"] = forms.DateField(
            label="Date of birth",
            widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
            input_formats=["%Y-%m-%d"],
            error_messages={
                "required": "Please enter the date of birth.",
                "invalid": "Please enter the date of birth as YYYY-MM-DD.",
            },
        )
        if saved and saved.date_of_birth:
            fields["date_of_birth"].initial = saved.date_of_birth
            fields["date_of_birth"].help_text = "From your record: please check it."
        by_code = {code: name for name, code in STANDARD_QUESTIONS.items()}
        for name, label in STANDARD_LABELS.items():
            fields[name] = self._yes_no(label, required=True, saved=self._saved(by_code[name]))
        for rule in treatment.contraindication_rules.all():
            code = rule.contraindication.code
            if code in STANDARD_QUESTIONS:
                continue
            name = answer_field_name(code)
            before = self._saved(code)
            fields[name] = self._yes_no(
                rule.contraindication.question,
                # Answered before: answering again is the client's confirmation.
                required=every_answer_required or before is not None,
                saved=before,
            )
            self.extra.append((name, code))
        for name, label in FREE_TEXT_LABELS.items():
            before = saved.text(name) if saved else None
            if before is not None:
                fields["confirm_" + name] = self._text_choice(label, before)
                self.confirmed_texts.append(name)
                label = label.replace(" (optional)", "") + " now (only if changed)"
            fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=2000,
                validators=[no_control_characters],
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def _saved(self, code: str) -> SavedAnswer | None:
        return self.saved.yes_no(code) if self.saved else None

    @staticmethod
    def _yes_no(label: str, *, required: bool, saved: SavedAnswer | None) -> forms.ChoiceField:
        choices, hint, missing = YES_NO, "", "Please answer yes or no."
        if saved is not None:
            same, other = (
                ("Still yes", "No (changed)") if saved.value else ("Still no", "Yes (changed)")
            )
            choices = (
                [("no", other), ("yes", same)] if saved.value else [("no", same), ("yes", other)]
            )
            hint = last_answer_hint(saved)
            missing = "Please confirm your last answer or change it."
        return forms.ChoiceField(
            label=label,
            choices=choices,
            help_text=hint,
            # Browsers insist on an answer even where the server lets one through.
            widget=forms.RadioSelect(attrs={"required": True}),
            required=required,
            error_messages={"required": missing},
        )

    @staticmethod
    def _text_choice(label: str, saved: SavedAnswer) -> forms.ChoiceField:
        return forms.ChoiceField(
            label=label.replace(" (optional)", ""),
            choices=[
                (TEXT_SAME, "Still the same"),
                (TEXT_NONE, "None now"),
                (TEXT_CHANGED, "Changed: I write it below"),
            ],
            help_text=last_answer_hint(saved),
            widget=forms.RadioSelect(attrs={"required": True}),
            error_messages={"required": "Please confirm your last answer or change it."},
        )

    @staticmethod
    def field_names(treatment: Treatment) -> list[str]:
        """The fields, in order, that a form asking `treatment`'s questions has."""
        extra = [
            answer_field_name(rule.contraindication.code)
            for rule in treatment.contraindication_rules.all()
            if rule.contraindication.code not in STANDARD_QUESTIONS
        ]
        return ["date_of_birth", *STANDARD_LABELS, *extra, *FREE_TEXT_LABELS]

    @property
    def bound_extra_fields(self) -> list[forms.BoundField]:
        """The treatment's own questions, ready for a template."""
        return [self.form[name] for name, _code in self.extra]

    @property
    def text_questions(self) -> list[tuple[forms.BoundField | None, forms.BoundField]]:
        """(choice or None, text box) for each free text, in order, ready for a template:
        the choice exists for a text given before."""
        return [
            (
                self.form["confirm_" + name] if name in self.confirmed_texts else None,
                self.form[name],
            )
            for name in FREE_TEXT_LABELS
        ]

    def clean_saved(self, data: dict) -> None:
        """Refuse a POST that does not match the saved answers shown, then turn each
        confirmed free text into the text to store (errors land on the form)."""
        posted = self.form.data
        claims = {key for key in posted if key.startswith(("answer_", "confirm_"))}
        asked = {key for key in self.form.fields if key.startswith(("answer_", "confirm_"))}
        try:
            saved_intake_check(
                self.saved,
                posted_version=posted.get("saved_intake", ""),
                posted_claims=claims,
                asked=asked,
            )
        except ValidationError as error:
            self.form.recheck = True
            self.form.add_error(None, error)
            return
        for name in self.confirmed_texts:
            choice = data.get("confirm_" + name)
            if not choice or name not in data:
                continue  # already refused: the choice is required
            try:
                data[name] = text_answer(self.saved.text(name), choice, data[name])
            except ValidationError as error:
                self.form.add_error(name, error)

    def answers(self, data: dict) -> IntakeAnswers:
        answers = IntakeAnswers.from_form_data(
            data,
            extra_answers={
                code: (data[name] == "yes") if data.get(name) else None for name, code in self.extra
            },
        )
        changes = intake_changes(self.saved, answers)
        return dataclasses.replace(answers, changes=changes)
