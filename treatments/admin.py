from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.money import money
from treatments.clinical_rules import (
    CLINICAL_FIELDS,
    clinical_rules_of,
    may_change_clinical_rules,
    record_clinical_rule_changes,
)
from treatments.forms import TreatmentForm
from treatments.models import (
    Category,
    ClinicalRuleChange,
    Contraindication,
    Resource,
    ResourceNeed,
    ResourceOutOfService,
    Role,
    Treatment,
    TreatmentContraindication,
)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "can_supervise", "can_perform_gfe", "display_order"]
    list_editable = ["display_order"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "display_order"]
    list_editable = ["display_order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Contraindication)
class ContraindicationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "question"]
    search_fields = ["name", "code", "question"]
    prepopulated_fields = {"code": ["name"]}


class ContraindicationRuleFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("contraindication")
        ]
        if kept and self.instance.kind != Treatment.Kind.MEDICAL:
            raise ValidationError(
                _("Only medical treatments have contraindications; day-spa ones need no intake.")
            )


class ContraindicationRuleInline(admin.TabularInline):
    model = TreatmentContraindication
    formset = ContraindicationRuleFormSet
    extra = 0
    autocomplete_fields = ["contraindication"]
    verbose_name = gettext_lazy("contraindication")
    verbose_name_plural = gettext_lazy("contraindications (medical treatments)")

    # Clinical rules: the medical director's alone, whatever the model permissions say.
    def has_add_permission(self, request, obj=None) -> bool:
        return may_change_clinical_rules(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return may_change_clinical_rules(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return may_change_clinical_rules(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("treatments.view_treatment") or may_change_clinical_rules(
            request.user
        )


class ResourceChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, resource: Resource) -> str:
        label = f"{resource.name} ({resource.get_kind_display().lower()})"
        return label if resource.is_active else _("%(label)s, not in use") % {"label": label}


class ResourceNeedInline(admin.TabularInline):
    """What the treatment needs besides a practitioner: each need met by any one of
    its rooms or devices. New bookings and moves follow a change; appointments already
    booked keep what they hold."""

    model = ResourceNeed
    extra = 0
    fields = ["label", "resources"]
    verbose_name = gettext_lazy("room or device needed")
    verbose_name_plural = gettext_lazy("rooms and devices needed (booking holds one of each)")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "resources":
            return ResourceChoices(
                # In use first; rooms ("room" > "device"), then devices; by number.
                queryset=Resource.objects.order_by("-is_active", "-kind", "pk"),
                widget=forms.CheckboxSelectMultiple,
                label=db_field.verbose_name,
                help_text=db_field.help_text,
                error_messages={"required": _("Tick at least one room or device.")},
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


MEDICAL = gettext_lazy("Medical treatments")
AFTER_THE_VISIT = gettext_lazy("After the visit")


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    form = TreatmentForm
    list_display = [
        "name",
        "category",
        "kind",
        "duration_minutes",
        "buffer_minutes",
        "price_shown",
        "is_active",
        "display_order",
        "thumbnail",
    ]
    list_filter = ["kind", "is_active", "category", "requires_gfe"]
    list_editable = ["is_active", "display_order"]
    list_select_related = ["category"]
    search_fields = ["name", "slug", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["allowed_roles"]
    inlines = [ContraindicationRuleInline, ResourceNeedInline]
    fieldsets = [
        (None, {"fields": ["category", "kind", "name", "slug", "is_active", "display_order"]}),
        (
            gettext_lazy("For the client"),
            {
                "fields": [
                    "summary",
                    "description",
                    "what_to_expect",
                    "suitability",
                    "image",
                    "image_alt",
                ]
            },
        ),
        (
            gettext_lazy("Time and price"),
            {"fields": ["duration_minutes", "buffer_minutes", "price", "minimum_age"]},
        ),
        (
            MEDICAL,
            {
                "fields": [
                    "allowed_roles",
                    "requires_gfe",
                    "requires_consent",
                    "consent_text",
                    "charting",
                ]
            },
        ),
        # Aftercare is a clinical text (CLINICAL_FIELDS) for every treatment, day-spa
        # ones included; when to suggest booking again is the front office's.
        (AFTER_THE_VISIT, {"fields": ["aftercare", "rebook_after_days"]}),
    ]

    def has_change_permission(self, request, obj=None) -> bool:
        """The medical director may open a treatment to change its clinical rules; the
        list's inline edits (obj None) stay with those who may change treatments."""
        allowed = super().has_change_permission(request, obj)
        return allowed or (obj is not None and may_change_clinical_rules(request.user))

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        readonly = ["thumbnail"]
        if not may_change_clinical_rules(request.user):
            readonly += CLINICAL_FIELDS
        if not super().has_change_permission(request, obj):
            fields = [name for _, options in self.fieldsets for name in options["fields"]]
            readonly += [name for name in fields if name not in CLINICAL_FIELDS]
        return readonly

    def get_fieldsets(self, request, obj=None):
        if may_change_clinical_rules(request.user):
            return self.fieldsets
        notes = {
            MEDICAL: gettext_lazy("Clinical rules: only the medical director changes these."),
            AFTER_THE_VISIT: gettext_lazy("Only the medical director changes the aftercare."),
        }
        return [
            (name, {**options, "description": notes[name]} if name in notes else options)
            for name, options in self.fieldsets
        ]

    def get_prepopulated_fields(self, request, obj=None) -> dict:
        editable = "slug" not in self.get_readonly_fields(request, obj)
        return super().get_prepopulated_fields(request, obj) if editable else {}

    def save_model(self, request, obj, form, change) -> None:
        if not change and not may_change_clinical_rules(request.user):
            obj.kind = Treatment.Kind.DAY_SPA  # the medical director makes it medical
        form.clinical_rules_before = clinical_rules_of(obj if change else None)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        record_clinical_rule_changes(form.instance, form.clinical_rules_before, request.user)

    @admin.display(description=gettext_lazy("price"), ordering="price")
    def price_shown(self, treatment: Treatment) -> str:
        return money(treatment.price)

    @admin.display(description=gettext_lazy("image"))
    def thumbnail(self, treatment: Treatment) -> str:
        if not treatment.image_thumbnail:
            return "-"
        return format_html(
            '<img src="{}" alt="" width="96" height="72" class="admin-thumb">',
            treatment.image_thumbnail.url,
        )


@admin.register(ClinicalRuleChange)
class ClinicalRuleChangeAdmin(admin.ModelAdmin):
    """The history of every treatment's clinical rules: read-only."""

    list_display = ["changed_at", "treatment", "rule", "old_value", "new_value", "changed_by"]
    list_filter = ["treatment"]
    list_select_related = ["treatment", "changed_by"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OutOfServiceInline(admin.TabularInline):
    """Maintenance, calibration, a device on loan: no booking gets it for the period.
    Times are the spa's, as everywhere in the admin; the model checks the end comes
    after the start."""

    model = ResourceOutOfService
    extra = 0
    fields = ["starts_at", "ends_at", "reason"]
    ordering = ["-starts_at"]
    verbose_name_plural = gettext_lazy("out of service (no booking gets it then)")


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    """Rooms and devices. The front desk may view them and keep their out-of-service
    periods (the inline's own permissions); changing the room or device itself takes
    the change permission on it."""

    list_display = ["name", "kind", "is_active", "needed_for", "notes"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "notes"]
    inlines = [OutOfServiceInline]
    fields = ["name", "kind", "is_active", "notes"]

    def get_queryset(self, request):
        # The list's treatments in one query for the page, whatever its length.
        return super().get_queryset(request).prefetch_related("needs__treatment")

    @admin.display(description=gettext_lazy("needed for"))
    def needed_for(self, resource: Resource) -> str:
        names = sorted({need.treatment.name for need in resource.needs.all()})
        return ", ".join(names) or "-"

    def _may_keep_out_of_service(self, request) -> bool:
        return any(
            request.user.has_perm(f"treatments.{action}_resourceoutofservice")
            for action in ("add", "change", "delete")
        )

    def has_change_permission(self, request, obj=None) -> bool:
        """Those who keep out-of-service periods may save a room's page for them (its
        own fields stay read-only); the list's bulk edits (obj None) are not theirs."""
        if super().has_change_permission(request, obj):
            return True
        return (
            obj is not None
            and request.user.has_perm("treatments.view_resource")
            and self._may_keep_out_of_service(request)
        )

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        if obj is None or super().has_change_permission(request, obj):
            return []
        return list(self.fields)
