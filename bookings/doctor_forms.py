"""Forms of the doctor portal and the practitioner's chart page."""

from django import forms
from django.utils import timezone

from bookings.clinical import ChartEntry, ExamFindings
from bookings.forms import no_control_characters
from bookings.models import Review, TreatmentRecord


class DecisionForm(forms.Form):
    """CONTRACT: `decision` is approve or decline, with `note`."""

    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("decline", "Decline")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve or decline."},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For the record; required when declining. The client does not see it.",
    )

    def __init__(self, *args, needs_exam: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.needs_exam = needs_exam
        if needs_exam:
            self.fields["gfe_performed_on"] = forms.DateField(
                label="Good-faith exam date",
                required=False,
                initial=timezone.localdate,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.fields["gfe_findings"] = forms.CharField(
                label="Good-faith exam: history, exam and plan",
                required=False,
                max_length=5000,
                validators=[no_control_characters],
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text="Needed to approve: no valid exam covering this treatment is on record.",
            )

    def clean_decision(self) -> str:
        return {"approve": Review.Decision.APPROVED, "decline": Review.Decision.DECLINED}[
            self.cleaned_data["decision"]
        ]

    def exam_findings(self) -> ExamFindings | None:
        if not self.needs_exam or self.cleaned_data.get("decision") != Review.Decision.APPROVED:
            return None
        findings = self.cleaned_data.get("gfe_findings", "")
        if not findings.strip():
            return None
        return ExamFindings(
            performed_on=self.cleaned_data.get("gfe_performed_on") or timezone.localdate(),
            findings=findings,
        )


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
