"""The waitlist's public forms: joining (CONTRACT.md's field names) and accepting an
offer. Both reuse the booking form's fields, so a client reads and types the same."""

import copy
import datetime

from django import forms
from django.conf import settings

from bookings.forms.desk import StartDateAndTime
from bookings.forms.fields import PractitionerField
from bookings.forms.intake import IntakeQuestions
from bookings.forms.public import BookingForm
from bookings.selectors.booking import qualified_practitioners
from bookings.services.clients import ClientDetails
from bookings.services.intake import ConsentGiven, IntakeAnswers
from bookings.services.waitlist import WindowWanted, waitlist_join_problems
from practitioners.models import Practitioner
from treatments.models import Treatment

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "sms_opt_in")


def _booking_field(name: str, **changes) -> forms.Field:
    field = copy.deepcopy(BookingForm.base_fields[name])
    for attribute, value in changes.items():
        setattr(field, attribute, value)
    return field


class WaitlistJoinForm(forms.Form):
    """Who, which days and which times; the booking form's contact fields."""

    practitioner = PractitionerField(required=False)
    date_from = forms.DateField(
        label="From",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Please give the first day you could come.",
            "invalid": "Please enter the first day as YYYY-MM-DD.",
        },
    )
    date_to = forms.DateField(
        label="To",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Please give the last day you could come.",
            "invalid": "Please enter the last day as YYYY-MM-DD.",
        },
    )
    earliest = forms.TimeField(
        label="Earliest start",
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
        error_messages={
            "required": "Please give the earliest time you could start.",
            "invalid": "Please enter the earliest start as HH:MM.",
        },
    )
    latest = forms.TimeField(
        label="Latest start",
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
        error_messages={
            "required": "Please give the latest time you could start.",
            "invalid": "Please enter the latest start as HH:MM.",
        },
    )
    first_name = _booking_field("first_name")
    last_name = _booking_field("last_name")
    email = _booking_field(
        "email", help_text="We email you here when a time frees up, with a link to book it."
    )
    phone = _booking_field("phone")
    sms_opt_in = _booking_field("sms_opt_in")

    def __init__(
        self, *args, treatment: Treatment, practitioners: list[Practitioner], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.treatment = treatment
        # A select on the page; any id but these (a tampered one) is refused.
        self.fields["practitioner"].choices = {str(p.pk): p for p in practitioners}
        self.fields["practitioner"].widget = forms.Select(
            choices=[
                ("", "Any practitioner"),
                *((str(p.pk), p.display_name) for p in practitioners),
            ]
        )
        self.fields["practitioner"].label = "With"
        if not settings.TEXTS_ENABLED:  # as the booking form
            del self.fields["sms_opt_in"]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict:
        """The service's window rules too, so every message shows at once (the service
        checks them again when it writes)."""
        data = super().clean()
        names = ("date_from", "date_to", "earliest", "latest")
        if all(data.get(name) is not None for name in names) and "practitioner" in data:
            problems = waitlist_join_problems(
                treatment=self.treatment,
                practitioner=data["practitioner"],
                windows=self.windows(),
            )
            for field, messages in problems.items():
                for message in messages:
                    self.add_error(None if field == "__all__" else field, message)
        return data

    def client_details(self) -> ClientDetails:
        return ClientDetails.from_form_data(self.cleaned_data)

    def windows(self) -> list[WindowWanted]:
        data = self.cleaned_data
        return [
            WindowWanted(
                date_from=data["date_from"],
                date_to=data["date_to"],
                earliest=data["earliest"],
                latest=data["latest"],
            )
        ]


class OfferAcceptForm(forms.Form):
    """Accepting an offer: a random key per rendered form (a double click books once),
    and for a medical treatment the booking form's health questions and consent."""

    submission = _booking_field("submission")

    def __init__(self, *args, treatment: Treatment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.treatment = treatment
        if treatment.is_medical:
            self.intake = IntakeQuestions(self, treatment, every_answer_required=False)
            self.fields["consent"] = forms.BooleanField(
                label="I have read the consent above and agree to it.",
                error_messages={"required": "Please read the consent and tick the box to agree."},
            )

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


def default_window(day: datetime.date | None, today: datetime.date) -> dict[str, str]:
    """The join form's first values: the day the client was looking at, or the next week."""
    first = day if day and day >= today else today
    return {
        "date_from": first.isoformat(),
        "date_to": (first + datetime.timedelta(days=6)).isoformat(),
        "earliest": "09:00",
        "latest": "17:00",
    }


class OfferByHandForm(StartDateAndTime, forms.Form):
    """The front desk offers a time to a waitlist entry: who and when (the spa's zone).
    The offer service runs the booking validator; its refusals come back on the form."""

    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none())
    start_date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args, treatment: Treatment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        ids = [p.pk for p in qualified_practitioners(treatment)]
        self.fields["practitioner"].queryset = Practitioner.objects.filter(pk__in=ids).order_by(
            "display_order", "display_name"
        )
