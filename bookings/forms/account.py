"""The client account's forms: asking for a link, contact details, preferences."""

from django import forms
from django.conf import settings

from bookings.forms.fields import text_field
from bookings.models import normalise_email
from medspa.phones import PhoneField


class EmailForm(forms.Form):
    """Sign-in and "find my booking" (field `email`, CONTRACT.md)."""

    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": "Please enter an email address, like name@example.com."},
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class DetailsForm(forms.Form):
    """Name and phone. The email is the account itself: changed by signing in with
    another address, never here."""

    first_name = text_field(
        "First name", 80, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = text_field(
        "Last name", 80, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    phone = PhoneField(label="Phone")


class PreferencesForm(forms.Form):
    """What we may send. Mail about a booked visit always goes; these are the extras."""

    # Never ticked by us: consent to texts must be the client's own act (TCPA).
    texts = forms.BooleanField(label=settings.SMS_CONSENT_WORDING, required=False)
    book_again_mail = forms.BooleanField(
        label='Email me when it is time to book my next visit ("time to book again").',
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not settings.TEXTS_ENABLED:
            del self.fields["texts"]


class CloseAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand: my account closes, and my clinical records are kept as the law "
        "requires.",
        error_messages={"required": "Please tick the box to confirm."},
    )
