"""Fields, validators and parsers every booking form shares."""

import datetime

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone

from practitioners.models import Practitioner

YES_NO = [("no", "No"), ("yes", "Yes")]


# No control characters anywhere a value could travel into a mail header or a log.
no_control_characters = RegexValidator(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
    "Please remove special characters from this field.",
)


single_line = RegexValidator(r"^[^\r\n]*$", "Please keep this on one line.")


def parse_start(value: str) -> datetime.datetime:
    """An ISO 8601 instant with its offset, as the availability JSON gives it, in UTC.

    Anything else (no offset, an offset no zone uses, a year no calendar reaches)
    is "please choose one of the times offered", never an error page.
    """
    refusal = ValidationError("Please choose one of the times offered.")
    try:
        start = datetime.datetime.fromisoformat(value.strip())
        if timezone.is_naive(start) or abs(start.utcoffset()) > MAX_UTC_OFFSET:
            raise refusal
        start = start.astimezone(datetime.UTC)
    except (ValueError, AttributeError, OverflowError, TypeError):
        raise refusal from None
    if not EARLIEST_START <= start <= LATEST_START:
        raise refusal
    return start


MAX_UTC_OFFSET = datetime.timedelta(hours=14)  # the widest offset any zone uses


EARLIEST_START = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


LATEST_START = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


class StartField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault(
            "error_messages", {"required": "Please choose a time for your appointment."}
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return parse_start(value)


class PractitionerField(forms.Field):
    """A hidden practitioner id, one of `choices` (the treatment's qualified
    practitioners, already loaded): checked without asking the database again."""

    widget = forms.HiddenInput
    default_error_messages = {"invalid_choice": "Please choose one of the practitioners listed."}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.choices: dict[str, Practitioner] = {}

    def prepare_value(self, value):
        return value.pk if isinstance(value, Practitioner) else value

    def to_python(self, value) -> Practitioner | None:
        value = str(value).strip() if value is not None else ""
        if value in self.empty_values:
            return None
        practitioner = self.choices.get(value)
        if practitioner is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return practitioner


def text_field(label: str, max_length: int, *, required: bool = True, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        validators=[no_control_characters, single_line],
        **kwargs,
    )


def parse_day(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def add_service_errors(
    form: forms.Form, error: ValidationError, *, renamed: dict[str, str] | None = None
) -> None:
    """A service's refusal on the form: on the field it names (`renamed` maps the
    service's name to the form's), else at the top. Each error keeps its code, so a
    view can still tell "just taken" from the rest."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        field = (renamed or {}).get(field, field)
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        for item in errors:
            form.add_error(target, item)
