"""The front desk's forms in the admin: the same validator as the public site
(clean() calls appointment_validate), the same writers (save_model() calls them).
clean() first takes the locks the writer takes; the admin runs clean() and
save_model() in one transaction, so what was valid in clean() is still free when
save_model() writes it."""

import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.availability import Policy, to_instant
from bookings.forms.fields import (
    YES_NO,
    add_service_errors,
    no_control_characters,
    phone_shape,
    single_line,
)
from bookings.models import Appointment, Client, Review
from bookings.services.appointments import appointment_validate
from bookings.services.clients import ClientDetails
from bookings.services.intake import ConsentGiven, IntakeAnswers, stored_intake
from bookings.services.locks import hold_for_booking
from bookings.services.reviews import review_reassign_problem
from practitioners.models import Practitioner
from treatments.models import Treatment


class StartDateAndTime:
    """A start typed as a date and a wall-clock time in the spa's zone."""

    @property
    def start(self) -> datetime.datetime | None:
        data = self.cleaned_data
        if data.get("start_date") and data.get("start_time"):
            zone = Policy.from_settings().zone
            return to_instant(data["start_date"], data["start_time"], zone)
        return None


class AppointmentAddForm(StartDateAndTime, forms.ModelForm):
    """Book by phone. The price, status, token and source are never typed in."""

    treatment = forms.ModelChoiceField(queryset=Treatment.objects.active().order_by("kind", "name"))
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.active().select_related("role"),
        required=False,
        empty_label="Any free qualified practitioner",
    )
    start_date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time"}))
    allow_short_notice = forms.BooleanField(
        label="Allow short notice",
        required=False,
        help_text="Book inside the online notice window (recorded in the history). "
        "Nothing overrides overlaps, qualifications or supervision.",
    )
    client_record = forms.ModelChoiceField(
        queryset=Client.objects.all(),
        required=False,
        label="Client on record",
        widget=AutocompleteSelect(Appointment._meta.get_field("client"), admin.site),
        help_text="A client picked from the records: the visit joins their record at once. "
        "For someone new, type their details below instead.",
    )
    first_name = forms.CharField(
        required=False, max_length=80, validators=[no_control_characters, single_line]
    )
    last_name = forms.CharField(
        required=False, max_length=80, validators=[no_control_characters, single_line]
    )
    email = forms.EmailField(required=False)
    phone = forms.CharField(required=False, max_length=30, validators=[phone_shape])
    notes = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[no_control_characters],
    )
    # Medical treatments: the intake, asked on the phone.
    date_of_birth = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    pregnant_or_breastfeeding = forms.ChoiceField(choices=YES_NO, required=False)
    isotretinoin_last_6_months = forms.ChoiceField(choices=YES_NO, required=False)
    blood_thinners = forms.ChoiceField(choices=YES_NO, required=False)
    medications = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    allergies = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    conditions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    consent_by_phone = forms.BooleanField(
        label="Consent read to the client and given",
        required=False,
    )

    class Meta:
        model = Appointment
        fields: list[str] = []

    def client_details(self) -> ClientDetails:
        record = self.cleaned_data.get("client_record")
        if record is not None:
            return ClientDetails.of_record(record, notes=self.cleaned_data.get("notes", ""))
        return ClientDetails.from_form_data(self.cleaned_data)

    def intake_answers(self) -> IntakeAnswers | None:
        data = self.cleaned_data
        treatment = data.get("treatment")
        if treatment is None or not treatment.is_medical or not data.get("date_of_birth"):
            return None
        return IntakeAnswers.from_form_data(data)

    def consent(self) -> ConsentGiven:
        return ConsentGiven(given=bool(self.cleaned_data.get("consent_by_phone")))

    def clean(self):
        data = super().clean()
        if data.get("client_record") is None:
            for name in ("first_name", "last_name", "email", "phone"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Type this, or pick a client on record above.")
        treatment = data.get("treatment")
        if treatment is not None and treatment.is_medical:
            for name in (
                "date_of_birth",
                "pregnant_or_breastfeeding",
                "isotretinoin_last_6_months",
                "blood_thinners",
            ):
                if not data.get(name):
                    self.add_error(name, "Ask this for a medical treatment.")
        if treatment is None or self.start is None or self.errors:
            return data
        # Held until save_model() books in the same transaction (the admin's).
        hold_for_booking(treatment, data.get("practitioner"))
        try:
            appointment_validate(
                treatment=treatment,
                practitioner=data.get("practitioner"),
                start=self.start,
                intake=self.intake_answers(),
                consent=self.consent(),
                enforce_notice=not data.get("allow_short_notice"),
            )
        except ValidationError as error:
            add_service_errors(self, error, renamed={"start": "start_time"})
        return data


class AppointmentMoveForm(StartDateAndTime, forms.ModelForm):
    """Move an appointment: a new time and, optionally, another practitioner."""

    start_date = forms.DateField(label="New date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="New time", widget=forms.TimeInput(attrs={"type": "time"}))
    new_practitioner = forms.ModelChoiceField(
        label="Practitioner",
        queryset=Practitioner.objects.active().select_related("role"),
        required=False,
        empty_label="Keep the same practitioner",
    )
    allow_short_notice = forms.BooleanField(label="Allow short notice", required=False)

    class Meta:
        model = Appointment
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            local = timezone.localtime(self.instance.start)
            self.fields["start_date"].initial = local.date()
            self.fields["start_time"].initial = local.time()

    def has_move(self) -> bool:
        return self.start != self.instance.start or bool(self.cleaned_data.get("new_practitioner"))

    def clean(self):
        data = super().clean()
        appointment = self.instance
        if self.start is None or self.errors or not self.has_move():
            return data
        if appointment.status not in Appointment.CHANGEABLE_STATUSES:
            raise ValidationError(
                f"A {appointment.get_status_display()} appointment cannot be moved."
            )
        target = data.get("new_practitioner") or appointment.practitioner
        hold_for_booking(appointment.treatment, target, moving=appointment)
        try:
            appointment_validate(
                treatment=appointment.treatment,
                practitioner=data.get("new_practitioner") or appointment.practitioner,
                start=self.start,
                intake=stored_intake(appointment),
                consent=ConsentGiven(given=True),
                ignore_appointment=appointment,
                enforce_notice=not data.get("allow_short_notice"),
            )
        except ValidationError as error:
            add_service_errors(self, error, renamed={"start": "start_time"})
        return data


class ReassignReviewForm(forms.ModelForm):
    """Only the physician can change here, and only to one who supervises that day."""

    class Meta:
        model = Review
        fields = ["physician"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "physician" in self.fields:  # absent when a decided review opens read-only
            self.fields["physician"].queryset = Practitioner.objects.physicians().active()
            self.fields["physician"].label = "Reassign to"

    def clean_physician(self) -> Practitioner:
        physician = self.cleaned_data["physician"]
        current = Review.objects.select_related(
            "appointment__practitioner", "appointment__treatment"
        ).get(pk=self.instance.pk)
        problem = review_reassign_problem(review=current, to_physician=physician)
        if problem:
            raise forms.ValidationError(problem)
        return physician
