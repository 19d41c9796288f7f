"""Phone numbers: stored in E.164 (+12125550100), so a number is found however it
was typed; read with Google's libphonenumber rules (the `phonenumbers` package)."""

import re

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

INVALID_PHONE = (
    "Please enter a phone number we can call, such as (212) 555-0100, "
    "or with its country code, such as +44 20 7946 0958."
)


def phone_to_e164(text: str) -> str | None:
    """The number in E.164, read in the spa's region unless it starts with +; None
    for anything that is not a valid number there."""
    try:
        number = phonenumbers.parse(text, settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str) -> str:
    """How staff read a stored number: "+1 917-555-0103"; a number stored before
    numbers were normalised is shown as it was typed."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_search_terms(term: str) -> tuple[str | None, str | None]:
    """What a search for `term` should match in a stored number: (the whole number in
    E.164 when the term is one, such as "(917) 555-0103" or "9175550103"; the digits
    a number must hold when there are enough of them to mean something, "5550103")."""
    digits = re.sub(r"\D", "", term)
    if len(digits) < 4 or not re.fullmatch(r"[\d\s().+\-]+", term.strip()):
        return None, None
    return phone_to_e164(term), digits


class PhoneField(forms.CharField):
    """A phone number as typed, cleaned to E.164."""

    default_error_messages = {"invalid": INVALID_PHONE}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value) -> str:
        value = super().clean(value)
        if value in self.empty_values:
            return ""
        e164 = phone_to_e164(value)
        if e164 is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return e164
