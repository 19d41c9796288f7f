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


MEDICAL = gettext_lazy("Medical treatments")


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
    inlines = [ContraindicationRuleInline]
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
        note = gettext_lazy("Clinical rules: only the medical director changes these.")
        return [
            (name, {**options, "description": note} if name == MEDICAL else options)
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
