"""The public booking forms. Field names are fixed by CONTRACT.md."""

from django import forms
from django.core.validators import RegexValidator

from bookings.forms.fields import (
    YES_NO,
    PractitionerField,
    StartField,
    no_control_characters,
    phone_shape,
    text_field,
)
from bookings.services.clients import ClientDetails
from bookings.services.intake import ConsentGiven, IntakeAnswers
from practitioners.models import Practitioner
from treatments.models import Treatment


class BookingForm(forms.Form):
    """Time, practitioner and contact details; a medical treatment adds the intake."""

    start = StartField()
    # A random value per rendered form: posting the same form twice books once.
    submission = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]*$", "Please reload the page and try again.")],
    )
    practitioner = PractitionerField(required=False)
    first_name = text_field(
        "First name", 80, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = text_field(
        "Last name", 80, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Your confirmation and the link to change your booking go here.",
    )
    phone = forms.CharField(
        label="Phone",
        max_length=30,
        validators=[phone_shape],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    notes = forms.CharField(
        label="Anything we should know? (optional)",
        required=False,
        max_length=1000,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args, treatment: Treatment, practitioners: list[Practitioner], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.treatment = treatment
        self.fields["practitioner"].choices = {str(p.pk): p for p in practitioners}
        if treatment.is_medical:
            self._add_intake_fields()

    def _add_intake_fields(self) -> None:
        self.fields["date_of_birth"] = forms.DateField(
            label="Date of birth",
            widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
            input_formats=["%Y-%m-%d"],
            error_messages={
                "required": "Please enter your date of birth.",
                "invalid": "Please enter your date of birth as YYYY-MM-DD.",
            },
        )
        questions = {
            "pregnant_or_breastfeeding": "Are you pregnant or breastfeeding?",
            "isotretinoin_last_6_months": (
                "Have you taken isotretinoin (Accutane) in the last 6 months?"
            ),
            "blood_thinners": "Do you take blood thinners (including daily aspirin)?",
        }
        for name, label in questions.items():
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": "Please answer yes or no."},
            )
        standard = {"pregnant-or-breastfeeding", "isotretinoin-last-6-months", "blood-thinners"}
        self.extra_questions = []
        for rule in self.treatment.contraindication_rules.all():
            code = rule.contraindication.code
            if code in standard:
                continue
            name = "answer_" + code.replace("-", "_")
            # Optional on the server (the contract's fields are the fixed ones); an
            # unanswered question is flagged for the doctor instead.
            self.fields[name] = forms.ChoiceField(
                label=rule.contraindication.question,
                choices=YES_NO,
                # Browsers insist on an answer; a client that sends none gets a flag.
                widget=forms.RadioSelect(attrs={"required": True}),
                required=False,
            )
            self.extra_questions.append((name, code))
        for name, label in [
            ("medications", "Medications you take (optional)"),
            ("allergies", "Allergies (optional)"),
            ("conditions", "Skin or health conditions (optional)"),
        ]:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=2000,
                validators=[no_control_characters],
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["consent"] = forms.BooleanField(
            label="I have read the consent above and agree to it.",
            error_messages={"required": "Please read the consent and tick the box to agree."},
        )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def client_details(self) -> ClientDetails:
        return ClientDetails.from_form_data(self.cleaned_data)

    def intake_answers(self) -> IntakeAnswers | None:
        if not self.treatment.is_medical:
            return None
        data = self.cleaned_data
        return IntakeAnswers.from_form_data(
            data,
            extra_answers={
                code: (data[name] == "yes") if data.get(name) else None
                for name, code in self.extra_questions
            },
        )

    def consent_given(self, ip_address: str | None, user_agent: str) -> ConsentGiven | None:
        if not self.treatment.is_medical:
            return None
        return ConsentGiven(
            given=bool(self.cleaned_data.get("consent")),
            ip_address=ip_address,
            user_agent=user_agent,
        )


class RescheduleForm(forms.Form):
    """A new time and, optionally, who. No practitioner keeps the one the visit has:
    the contract's reschedule posts `start` alone, and a client (often a medical one)
    is never moved to someone else unless they chose it."""

    ANY = "any"  # the page's "any available practitioner", in its links

    start = StartField()
    practitioner = PractitionerField(required=False)

    def __init__(self, *args, practitioners: list[Practitioner], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = {str(p.pk): p for p in practitioners}

    @classmethod
    def practitioner_shown(
        cls, value: str | None, practitioners: list[Practitioner], current_id: int
    ) -> Practitioner | None:
        """Whose free times the page shows: the one asked for, None for "any", else the
        visit's own practitioner while they still perform the treatment (else "any")."""
        if value == cls.ANY:
            return None
        by_id = {str(p.pk): p for p in practitioners}
        return by_id.get((value or "").strip()) or by_id.get(str(current_id))
