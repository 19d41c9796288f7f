"""The public booking forms. Field names are fixed by CONTRACT.md."""

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator

from bookings.forms.fields import PractitionerField, StartField, no_control_characters, text_field
from bookings.forms.intake import IntakeQuestions
from bookings.services.clients import ClientDetails
from bookings.services.intake import ConsentGiven, IntakeAnswers
from medspa.phones import PhoneField
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
    phone = PhoneField(label="Phone")
    notes = forms.CharField(
        label="Anything we should know? (optional)",
        required=False,
        max_length=1000,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Never ticked in advance: consent to texts must be the client's own act (TCPA).
    sms_opt_in = forms.BooleanField(
        label=settings.SMS_CONSENT_WORDING,
        required=False,
        initial=False,
    )

    def __init__(
        self, *args, treatment: Treatment, practitioners: list[Practitioner], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.treatment = treatment
        self.fields["practitioner"].choices = {str(p.pk): p for p in practitioners}
        if treatment.is_medical:
            self._add_intake_fields()
        if not settings.TEXTS_ENABLED:
            del self.fields["sms_opt_in"]

    def _add_intake_fields(self) -> None:
        self.intake = IntakeQuestions(self, self.treatment, every_answer_required=False)
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
        return self.intake.answers(self.cleaned_data)

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
