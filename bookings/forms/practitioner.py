"""The practitioner's forms: the chart, and the good-faith exam at the visit."""

from django import forms
from django.core.exceptions import ValidationError

from bookings.forms.fields import no_control_characters
from bookings.models import GoodFaithExam, TreatmentRecord
from bookings.services.charts import CHART_FIELDS, KIND_FIELDS, ChartEntry, misplaced_chart_fields


class ChartForm(forms.Form):
    """The chart of one treatment: what was done and any reaction, plus the fields of its
    kind of record only (an injectable's lot, a laser's settings: CHART_FIELDS)."""

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

    def __init__(self, *args, charting: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.charting = charting
        for name in KIND_FIELDS:
            if name not in CHART_FIELDS[charting]:
                del self.fields[name]

    def clean(self) -> dict:
        # A field of another kind of record is refused, not dropped unseen.
        posted = [name for name in KIND_FIELDS if str(self.data.get(name, "")).strip()]
        misplaced = misplaced_chart_fields(self.charting, posted)
        if misplaced:
            raise ValidationError(misplaced)
        return super().clean()

    @staticmethod
    def initial_from(record: TreatmentRecord | None) -> dict:
        if record is None:
            return {}
        return {name: getattr(record, name) for name in ChartEntry.__dataclass_fields__}

    def entry(self) -> ChartEntry:
        values = {name: self.cleaned_data[name] for name in self.fields}
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
