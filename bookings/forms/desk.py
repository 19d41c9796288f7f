"""The front desk's forms in the admin: the same validator as the public site
(clean() calls appointment_validate), the same writers (save_model() calls them).
clean() first takes the locks the writer takes; the admin runs clean() and
save_model() in one transaction, so what was valid in clean() is still free when
save_model() writes it."""

import datetime
from collections.abc import Iterable
from dataclasses import replace

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone

from bookings.availability import Policy, to_instant
from bookings.forms.fields import add_service_errors, no_control_characters, single_line
from bookings.forms.intake import IntakeQuestions
from bookings.models import Appointment, Client, Review, normalise_email
from bookings.services.appointments import RESOURCE_TAKEN, SLOT_TAKEN, appointment_validate
from bookings.services.clients import ClientDetails, client_with_email
from bookings.services.intake import ConsentGiven, IntakeAnswers, stored_intake
from bookings.services.locks import hold_for_booking
from bookings.services.reviews import review_reassign_problem
from medspa.phones import PhoneField
from practitioners.models import Practitioner
from treatments.models import Resource, ResourceNeed, Treatment


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
    """Book by phone, with the website's questions. The price, status, token and
    source are never typed in. The questions follow the treatment posted, or the one
    picked in the free-time finder (the form's initial data)."""

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
    # Set by "Returning client" above the form; for someone new the details typed
    # below make their record.
    client_record = forms.ModelChoiceField(
        queryset=Client.objects.all(), required=False, widget=forms.HiddenInput
    )
    first_name = forms.CharField(
        required=False, max_length=80, validators=[no_control_characters, single_line]
    )
    last_name = forms.CharField(
        required=False, max_length=80, validators=[no_control_characters, single_line]
    )
    email = forms.EmailField(
        required=False, help_text="Optional. Without one, no mail is sent: tell them the time."
    )
    phone = PhoneField(required=False)
    # Never ticked in advance: the client agrees to the words read to them (stored).
    sms_opt_in = forms.BooleanField(
        label="Client agrees to text reminders (read them the wording)",
        required=False,
        help_text=f"Read aloud: “{settings.SMS_CONSENT_WORDING}”",
    )
    notes = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[no_control_characters],
    )

    class Meta:
        model = Appointment
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not settings.TEXTS_ENABLED:
            del self.fields["sms_opt_in"]
        self.chosen_treatment = treatment_asked_for(self.data or self.initial)
        self.intake = None
        if self.chosen_treatment is not None and self.chosen_treatment.is_medical:
            self.intake = IntakeQuestions(self, self.chosen_treatment, every_answer_required=True)
            self.fields["consent_by_phone"] = forms.BooleanField(
                label="Consent read to the client and given",
                required=self.chosen_treatment.requires_consent,
                error_messages={"required": "Read the consent to the client and tick this."},
            )

    def client_details(self) -> ClientDetails:
        record = self.cleaned_data.get("client_record")
        if record is not None:
            on_record = ClientDetails.of_record(record, notes=self.cleaned_data.get("notes", ""))
            return replace(on_record, sms_opt_in=bool(self.cleaned_data.get("sms_opt_in")))
        return ClientDetails.from_form_data(self.cleaned_data)

    def intake_answers(self) -> IntakeAnswers | None:
        if self.intake is None or not self.cleaned_data.get("date_of_birth"):
            return None
        return self.intake.answers(self.cleaned_data)

    def consent(self) -> ConsentGiven:
        return ConsentGiven(given=bool(self.cleaned_data.get("consent_by_phone")))

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        record = data.get("client_record")
        if record is None:
            for name in ("first_name", "last_name", "phone"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Type this, or find a returning client above.")
            on_record = client_with_email(data.get("email", ""))
            if on_record is not None:
                self.add_error(
                    "email",
                    f"{on_record.full_name} is on record with this email: find them under "
                    "“Returning client” above, or check the address.",
                )
        elif data.get("sms_opt_in") and not record.phone:
            self.add_error("sms_opt_in", "No phone on record for this client: no texts.")
        treatment = data.get("treatment")
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
            add_service_errors(self, busy_not_taken(error), renamed={"start": "start_time"})
        return data


def treatment_asked_for(data) -> Treatment | None:
    """The active treatment a form's data (or initial data) names, if any."""
    value = data.get("treatment")
    value = getattr(value, "pk", value)
    try:
        return Treatment.objects.active().filter(pk=int(value)).first() if value else None
    except (TypeError, ValueError):
        return None


def busy_not_taken(error: ValidationError) -> ValidationError:
    """At the desk a time is typed or picked from the finder, not raced for online: a
    busy time is busy, not "just taken", and a busy room is not a busy practitioner."""
    if not hasattr(error, "error_dict"):
        return error
    at_the_desk = {SLOT_TAKEN: BUSY_AT_THE_DESK, RESOURCE_TAKEN: NO_RESOURCE_AT_THE_DESK}
    return ValidationError(
        {
            field: [
                ValidationError(at_the_desk[item.code], code="busy")
                if item.code in at_the_desk
                else item
                for item in items
            ]
            for field, items in error.error_dict.items()
        }
    )


BUSY_AT_THE_DESK = (
    "That time is already booked for this practitioner. Use “Find a free time” to see "
    "the times that are free."
)
NO_RESOURCE_AT_THE_DESK = (
    "No room or device this treatment needs is free at that time. Use “Find a free time” "
    "to see the times that are free."
)
AUTOMATIC_RESOURCE = "Any free one (the lowest-numbered)"


def resource_choices(treatment: Treatment, held: Iterable[int] = ()) -> list:
    """The rooms and devices in use that the treatment's needs list, grouped by need
    (2 queries); empty for a treatment that needs none. `held`: marked as held now."""
    needs = ResourceNeed.objects.filter(treatment=treatment).prefetch_related(
        Prefetch("resources", queryset=Resource.objects.in_service().order_by("pk"))
    )
    held = set(held)

    def label(resource: Resource) -> str:
        return f"{resource.name} (held now)" if resource.pk in held else resource.name

    return [
        (need.label, [(r.pk, label(r)) for r in need.resources.all()])
        for need in needs
        if need.resources.all()
    ]


def offers_resources(treatment_id: int) -> bool:
    """Whether resource_choices has anything to offer for the treatment (1 query)."""
    return ResourceNeed.objects.filter(
        treatment_id=treatment_id, resources__is_active=True
    ).exists()


class ResourceChoice(forms.TypedChoiceField):
    """One room or device, or none: then booking picks the lowest-numbered free one."""

    def __init__(self, **kwargs) -> None:
        super().__init__(coerce=int, empty_value=None, required=False, **kwargs)

    def offer(self, choices: list) -> None:
        self.choices = [("", AUTOMATIC_RESOURCE), *choices]


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
    resource = ResourceChoice(
        label="Room or device",
        help_text="Keep the time and practitioner and choose another room to swap rooms.",
    )
    allow_short_notice = forms.BooleanField(label="Allow short notice", required=False)

    # What the free-time finder's link fills in (the admin sets `picked` from it).
    PICKED = ("start_date", "start_time", "new_practitioner", "resource", "allow_short_notice")
    picked: dict[str, str] = {}

    class Meta:
        model = Appointment
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.held: set[int] = set()
        choices = []
        if self.instance.pk:
            local = timezone.localtime(self.instance.start)
            self.fields["start_date"].initial = local.date()
            self.fields["start_time"].initial = local.time()
            self.held = set(
                self.instance.allocations.filter(holds_time=True).values_list(
                    "resource_id", flat=True
                )
            )
            choices = resource_choices(self.instance.treatment, self.held)
        if choices:
            self.fields["resource"].offer(choices)
        else:
            del self.fields["resource"]
        for name, value in self.picked.items():
            if name in self.fields:
                self.fields[name].initial = value

    def wanted_resources(self) -> frozenset[int]:
        """The room or device the desk chose, for appointment_reschedule's `resources`."""
        resource = self.cleaned_data.get("resource")
        return frozenset() if resource is None else frozenset({resource})

    def has_move(self) -> bool:
        """A new time, another practitioner, or a room or device it does not hold."""
        return (
            self.start != self.instance.start
            or bool(self.cleaned_data.get("new_practitioner"))
            or not self.wanted_resources() <= self.held
        )

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
                wanted_resources=self.wanted_resources(),
            )
        except ValidationError as error:
            add_service_errors(self, busy_not_taken(error), renamed={"start": "start_time"})
        return data


class ClientForm(forms.ModelForm):
    """A client's record: the phone cleaned to E.164, the email to lower case."""

    phone = PhoneField()

    class Meta:
        model = Client
        fields = ["first_name", "last_name", "email", "phone", "date_of_birth"]

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class FreeTimeFinderForm(forms.Form):
    """What the front desk looks for: a treatment (or the appointment being moved),
    a day, and a practitioner or anyone qualified."""

    treatment = forms.ModelChoiceField(queryset=Treatment.objects.active().order_by("kind", "name"))
    date = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.active().select_related("role"),
        required=False,
        empty_label="Anyone qualified",
    )
    short_notice = forms.BooleanField(
        label="Include times inside the online notice", required=False
    )
    # Moving: only the times this room or device is free (its need's choice).
    resource = ResourceChoice(label="Room or device")
    # A returning client picked before the time: carried on to the booking form.
    client = forms.ModelChoiceField(
        queryset=Client.objects.all(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, moving: Appointment | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        if moving is not None:
            del self.fields["treatment"], self.fields["client"]
            choices = resource_choices(moving.treatment)
        if choices:
            self.fields["resource"].offer(choices)
        else:
            del self.fields["resource"]

    def clean_date(self) -> datetime.date:
        day = self.cleaned_data["date"]
        today = timezone.localdate()
        last = Policy.from_settings().last_bookable_day(timezone.now())
        if not today <= day <= last:
            raise ValidationError(
                f"Choose a day from today to {last:%a %-d %b %Y}.", code="out_of_range"
            )
        return day


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
