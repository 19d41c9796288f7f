"""The doctor portal's review form."""

from django import forms
from django.utils import timezone

from bookings.forms.fields import no_control_characters
from bookings.models import Review
from bookings.services.records import ExamFindings


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
            self.fields["exam_at_visit"] = forms.BooleanField(
                label="Approve subject to a good-faith exam at the visit",
                required=False,
                help_text="A physician, NP or PA examines the client when they arrive, "
                "before the treatment (recorded at /staff/). Or record your own exam below.",
            )
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
                help_text="No valid exam covering this treatment is on record: write yours, "
                "or approve subject to an exam at the visit.",
            )

    def clean_decision(self) -> str:
        return {"approve": Review.Decision.APPROVED, "decline": Review.Decision.DECLINED}[
            self.cleaned_data["decision"]
        ]

    def exam_at_visit(self) -> bool:
        return bool(self.cleaned_data.get("exam_at_visit")) and not self.exam_findings()

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
