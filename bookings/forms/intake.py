"""The medical intake's questions, asked the same way online and on the phone: the
contract's fixed questions, then the treatment's own contraindication questions.
No answer is ever pre-selected: a "no" nobody gave would reach the doctor as one."""

from django import forms

from bookings.forms.fields import YES_NO, no_control_characters
from bookings.services.intake import STANDARD_QUESTIONS, IntakeAnswers
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

    def __init__(self, form: forms.Form, treatment: Treatment, *, every_answer_required: bool):
        self.form = form
        self.extra: list[tuple[str, str]] = []  # (field name, contraindication code)
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
        for name, label in STANDARD_LABELS.items():
            fields[name] = self._yes_no(label, required=True)
        for rule in treatment.contraindication_rules.all():
            code = rule.contraindication.code
            if code in STANDARD_QUESTIONS:
                continue
            name = answer_field_name(code)
            fields[name] = self._yes_no(
                rule.contraindication.question, required=every_answer_required
            )
            self.extra.append((name, code))
        for name, label in FREE_TEXT_LABELS.items():
            fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=2000,
                validators=[no_control_characters],
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    @staticmethod
    def _yes_no(label: str, *, required: bool) -> forms.ChoiceField:
        return forms.ChoiceField(
            label=label,
            choices=YES_NO,
            # Browsers insist on an answer even where the server lets one through.
            widget=forms.RadioSelect(attrs={"required": True}),
            required=required,
            error_messages={"required": "Please answer yes or no."},
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

    def answers(self, data: dict) -> IntakeAnswers:
        return IntakeAnswers.from_form_data(
            data,
            extra_answers={
                code: (data[name] == "yes") if data.get(name) else None for name, code in self.extra
            },
        )
