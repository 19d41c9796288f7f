from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from treatments.forms import TreatmentForm
from treatments.models import (
    Category,
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


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    form = TreatmentForm
    list_display = [
        "name",
        "category",
        "kind",
        "duration_minutes",
        "buffer_minutes",
        "price",
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
    readonly_fields = ["thumbnail"]
    fieldsets = [
        (None, {"fields": ["category", "kind", "name", "slug", "is_active", "display_order"]}),
        (
            gettext_lazy("For the client"),
            {"fields": ["summary", "description", "what_to_expect", "image", "image_alt"]},
        ),
        (
            gettext_lazy("Time and price"),
            {"fields": ["duration_minutes", "buffer_minutes", "price", "minimum_age"]},
        ),
        (
            gettext_lazy("Medical treatments"),
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

    @admin.display(description=gettext_lazy("image"))
    def thumbnail(self, treatment: Treatment) -> str:
        if not treatment.image_thumbnail:
            return "-"
        return format_html(
            '<img src="{}" alt="" width="96" height="72" class="admin-thumb">',
            treatment.image_thumbnail.url,
        )
