"""The practitioner's forms: the chart, and the good-faith exam at the visit."""

from django import forms

from bookings.forms.fields import no_control_characters
from bookings.models import GoodFaithExam, TreatmentRecord
from bookings.services.records import ChartEntry


class ChartForm(forms.Form):
    what_was_done = forms.CharField(
        label="What was done",
        max_length=5000,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    product = forms.CharField(label="Product", required=False, max_length=120)
    lot_number = forms.CharField(label="Lot number", required=False, max_length=60)
    lot_expiry = forms.DateField(
        label="Lot expiry", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    units_per_area = forms.CharField(
        label="Units per area",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One area per line, e.g. 'Glabella: 20'.",
    )
    device = forms.CharField(label="Device", required=False, max_length=120)
    device_settings = forms.CharField(
        label="Settings", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    adverse_reactions = forms.CharField(
        label="Adverse reactions",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Leave empty if none.",
    )

    @staticmethod
    def initial_from(record: TreatmentRecord | None) -> dict:
        if record is None:
            return {}
        return {name: getattr(record, name) for name in ChartEntry.__dataclass_fields__}

    def entry(self) -> ChartEntry:
        values = {name: self.cleaned_data.get(name) for name in ChartEntry.__dataclass_fields__}
        values = {k: (v if v is not None or k == "lot_expiry" else "") for k, v in values.items()}
        return ChartEntry(**values)


class ExamForm(forms.Form):
    """The good-faith exam at the visit (services/exams.py)."""

    findings = forms.CharField(
        label="History, exam and plan",
        max_length=5000,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=GoodFaithExam.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome."},
    )
    restrictions = forms.CharField(
        label="Restrictions",
        required=False,
        max_length=2000,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='For "cleared with restrictions": what the treatment must respect.',
    )
