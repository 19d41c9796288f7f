"""The public booking forms. Field names are fixed by CONTRACT.md."""

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator

from bookings.forms.fields import PractitionerField, StartField, no_control_characters, text_field
from bookings.forms.intake import IntakeQuestions
from bookings.models import Client
from bookings.selectors.account import texts_stopped
from bookings.services.clients import ClientDetails
from bookings.services.intake import ConsentGiven, IntakeAnswers
from bookings.services.saved_intake import SavedIntake
from medspa.phones import PhoneField, phone_display
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
        self,
        *args,
        treatment: Treatment,
        practitioners: list[Practitioner],
        client: Client | None = None,
        saved: SavedIntake | None = None,
        **kwargs,
    ) -> None:
        """`client`: the signed-in client (their details filled in, their email fixed);
        `saved`: their last answers to this treatment's questions, asked again."""
        super().__init__(*args, **kwargs)
        self.treatment = treatment
        self.client = client
        self.saved = saved
        self.recheck = False  # the saved answers shown no longer match: check again
        self.fields["practitioner"].choices = {str(p.pk): p for p in practitioners}
        if treatment.is_medical:
            self._add_intake_fields()
        if not settings.TEXTS_ENABLED:
            del self.fields["sms_opt_in"]
        if client is not None:
            self._fill_from_record(client)

    def _fill_from_record(self, client: Client) -> None:
        fields = self.fields
        # Signing in proved this address; the booking joins the account, so it carries
        # the account's email whatever a POST says (a disabled field ignores its data).
        fields["email"].disabled = True
        fields["email"].initial = client.email
        fields["first_name"].initial = client.first_name
        fields["last_name"].initial = client.last_name
        fields["phone"].initial = phone_display(client.phone) if client.phone else ""
        if "sms_opt_in" in fields:
            # Ticked only for the words the client agreed to on their account, and never
            # after their phone replied STOP (TCPA: consent is the client's own act).
            fields["sms_opt_in"].initial = (
                client.sms_opt_in_at is not None
                and client.sms_consent_wording == settings.SMS_CONSENT_WORDING
                and not texts_stopped(client)
            )

    def _add_intake_fields(self) -> None:
        self.intake = IntakeQuestions(
            self, self.treatment, every_answer_required=False, saved=self.saved
        )
        self.fields["consent"] = forms.BooleanField(
            label="I have read the consent above and agree to it.",
            error_messages={"required": "Please read the consent and tick the box to agree."},
        )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict:
        data = super().clean()
        if self.treatment.is_medical:
            self.intake.clean_saved(data)
        return data

    @property
    def saved_version(self) -> str:
        """Rendered into the page (never from the POST): which saved answers it shows."""
        return str(self.saved.version) if self.saved else ""

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
