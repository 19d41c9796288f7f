"""Staff forms, shared by the admin and any staff page."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _

from medspa.phones import PhoneField
from practitioners.models import Practitioner, SupervisionAgreement, treatments_outside_role
from treatments.forms import ProcessedImagesFormMixin
from treatments.models import Treatment


class PractitionerForm(ProcessedImagesFormMixin, forms.ModelForm):
    image_fields = {"photo": "photo_thumbnail"}

    class Meta:
        model = Practitioner
        fields = [
            "user",
            "display_name",
            "slug",
            "role",
            "licence_number",
            "licence_expires_on",
            "phone",
            "bio",
            "photo",
            "qualified_treatments",
            "is_active",
            "display_order",
        ]
        # Stored in E.164 like clients' numbers; shown as "+1 212-555-0177".
        field_classes = {"phone": PhoneField}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "qualified_treatments" in self.fields:
            self.fields["qualified_treatments"].queryset = Treatment.objects.prefetch_related(
                "allowed_roles"
            ).order_by("kind", "name")

    def image_stem(self) -> str:
        return self.cleaned_data.get("slug") or "practitioner"

    def clean(self):
        cleaned_data = super().clean()
        role = cleaned_data.get("role")
        treatments = cleaned_data.get("qualified_treatments")
        if role is not None and treatments is not None:
            refused = treatments_outside_role(role, treatments)
            if refused:
                self.add_error(
                    "qualified_treatments",
                    _("A %(role)s may not perform %(names)s (see each treatment's allowed roles).")
                    % {
                        "role": role.name.lower(),
                        "names": ", ".join(treatment.name for treatment in refused),
                    },
                )
        return cleaned_data


class WorkingHoursFormSet(BaseInlineFormSet):
    """Blocks of one practitioner may not overlap, including blocks added in one go."""

    def clean(self) -> None:
        super().clean()
        blocks = [
            form.instance
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.instance.starts_at
            and form.instance.ends_at
        ]
        for index, block in enumerate(blocks):
            for other in blocks[index + 1 :]:
                if block.overlaps(other):
                    raise ValidationError(
                        _("%(a)s overlaps %(b)s. Working hours on one day may not overlap.")
                        % {"a": block, "b": other}
                    )


class SupervisionAgreementForm(forms.ModelForm):
    class Meta:
        model = SupervisionAgreement
        fields = [
            "practitioner",
            "physician",
            "valid_from",
            "valid_until",
            "covers_all_qualified",
            "treatments",
            "chart_review_percent",
            "notes",
        ]

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("covers_all_qualified") and not cleaned_data.get("treatments"):
            self.add_error(
                "treatments",
                _("Choose the treatments it covers, or tick 'covers every medical treatment'."),
            )
        treatments = cleaned_data.get("treatments")
        if treatments is not None:
            day_spa = [t.name for t in treatments if t.kind != Treatment.Kind.MEDICAL]
            if day_spa:
                self.add_error(
                    "treatments",
                    _("Only medical treatments need supervision: %(names)s.")
                    % {"names": ", ".join(day_spa)},
                )
        return cleaned_data

    def _post_clean(self) -> None:
        # A changed agreement must be accepted again: the physician accepted the old terms.
        super()._post_clean()
        terms_changed = set(self.changed_data) - {"notes"}
        if self.instance.pk and terms_changed and self.instance.accepted_at is not None:
            self.instance.accepted_by = None
            self.instance.accepted_at = None
