"""Forms shared by the admin (and any staff page) for the catalogue."""

import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import slugify
from django.utils.translation import gettext as _

from treatments.images import ProcessedImage, process_upload
from treatments.models import Treatment


class ProcessedImagesFormMixin:
    """Re-encode uploaded pictures and store a display copy and a thumbnail.

    `image_fields` maps each upload field to its thumbnail field. The uploaded bytes
    are never stored: only what treatments.images.process_upload re-encoded.
    """

    image_fields: dict[str, str] = {}

    def image_stem(self) -> str:
        return "image"

    def clean(self):
        cleaned_data = super().clean()
        self._processed_images: dict[str, ProcessedImage] = {}
        for field_name in self.image_fields:
            upload = cleaned_data.get(field_name)
            if not isinstance(upload, UploadedFile):
                continue  # unchanged, or cleared
            stem = f"{slugify(self.image_stem())[:60] or 'image'}-{secrets.token_hex(4)}"
            try:
                self._processed_images[field_name] = process_upload(upload, stem)
            except ValidationError as error:
                self.add_error(field_name, error)
        return cleaned_data

    def _apply_processed_images(self, instance) -> None:
        for field_name, thumbnail_field in self.image_fields.items():
            if field_name in self._processed_images:
                processed = self._processed_images[field_name]
                setattr(instance, field_name, processed.display)
                setattr(instance, thumbnail_field, processed.thumbnail)
            elif not getattr(instance, field_name):
                setattr(instance, thumbnail_field, "")

    def save(self, commit: bool = True):
        instance = super().save(commit=False)
        self._apply_processed_images(instance)
        if commit:
            instance.save()
            self._save_m2m()
        else:
            self.save_m2m = self._save_m2m
        return instance


class TreatmentForm(ProcessedImagesFormMixin, forms.ModelForm):
    image_fields = {"image": "image_thumbnail"}

    class Meta:
        model = Treatment
        fields = [
            "category",
            "kind",
            "name",
            "slug",
            "is_active",
            "display_order",
            "summary",
            "description",
            "what_to_expect",
            "suitability",
            "image",
            "image_alt",
            "duration_minutes",
            "buffer_minutes",
            "price",
            "minimum_age",
            "allowed_roles",
            "requires_gfe",
            "requires_consent",
            "consent_text",
            "charting",
            "aftercare",
            "rebook_after_days",
        ]

    def image_stem(self) -> str:
        return self.cleaned_data.get("slug") or "treatment"

    def clean(self):
        cleaned_data = super().clean()
        kind = cleaned_data.get("kind")
        roles = cleaned_data.get("allowed_roles")
        if kind == Treatment.Kind.MEDICAL:
            if roles is not None and not roles.exists():
                self.add_error(
                    "allowed_roles",
                    _("Choose which roles may perform this medical treatment."),
                )
        elif kind == Treatment.Kind.DAY_SPA and roles is not None and roles.exists():
            self.add_error(
                "allowed_roles",
                _("Day-spa treatments may be done by any role: leave this empty."),
            )
        if self.instance.pk and roles is not None and kind:
            self._check_qualified_practitioners_keep_role(kind, roles)
        return cleaned_data

    def _check_qualified_practitioners_keep_role(self, kind: str, roles) -> None:
        """Changing who may perform it must not strand practitioners qualified for it."""
        if kind != Treatment.Kind.MEDICAL:
            return
        allowed_role_ids = {role.pk for role in roles}
        stranded = [
            practitioner.display_name
            for practitioner in self.instance.qualified_practitioners.select_related("role")
            if practitioner.role_id not in allowed_role_ids
        ]
        if stranded:
            self.add_error(
                "allowed_roles",
                _(
                    "These practitioners are qualified for it and their role would no longer "
                    "be allowed: %(names)s. Remove their qualification first."
                )
                % {"names": ", ".join(sorted(stranded))},
            )
