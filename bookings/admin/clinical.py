"""Medical records in the admin: read-only, shown only to users with the explicit
"view medical records" permission; every view is logged."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join

from bookings.forms.desk import ReassignReviewForm
from bookings.models import Consent, GoodFaithExam, Intake, MedicalAuditLog, Review, TreatmentRecord
from bookings.services.intake import answers_shown, flags_shown, intake_labels
from bookings.services.records import VIEW_MEDICAL_RECORDS, log_access, log_reads
from bookings.services.reviews import review_reassign
from medspa.clock import staff_time


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the services only: nobody adds, edits or deletes them here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class MedicalRecordAdmin(ReadOnlyAdmin):
    """Health data: visible only with `bookings.view_medical_records`; each view is logged."""

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(VIEW_MEDICAL_RECORDS)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, object_id)
        if obj is not None and response.status_code == 200:
            appointment = getattr(obj, "appointment", None)
            log_access(
                user=request.user,
                action=MedicalAuditLog.Action.VIEWED,
                what=f"admin: {obj._meta.verbose_name} {obj.pk}",
                appointment=appointment,
            )
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            log_reads(
                user=request.user,
                appointment_ids=[obj.appointment_id for obj in changelist.result_list],
                what=f"admin: {self.model._meta.verbose_name_plural} list",
            )
        return response


@admin.register(Intake)
class IntakeAdmin(MedicalRecordAdmin):
    list_display = ["appointment", "created_at"]
    list_select_related = ["appointment__client", "appointment__treatment"]
    search_fields = ["appointment__client_last_name", "appointment__client_email"]
    # The answers and flags as the doctor reads them, not their stored codes.
    fields = [
        "appointment",
        "date_of_birth",
        "answers",
        "medications",
        "allergies",
        "conditions",
        "flag_list",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="Answers")
    def answers(self, intake: Intake) -> str:
        shown = answers_shown(intake, intake_labels([intake]))
        return format_html_join("", "<div>{}: {}</div>", ((a.label, a.answer) for a in shown))

    @admin.display(description="Flags")
    def flag_list(self, intake: Intake) -> str:
        flags = flags_shown(intake, intake_labels([intake]))
        return format_html_join("", "<div>{}</div>", ((str(flag),) for flag in flags)) or "None"


@admin.register(Consent)
class ConsentAdmin(MedicalRecordAdmin):
    list_display = ["appointment", "consented_at", "ip_address"]
    list_select_related = ["appointment__client", "appointment__treatment"]


@admin.register(TreatmentRecord)
class TreatmentRecordAdmin(MedicalRecordAdmin):
    list_display = ["appointment", "version", "author", "needs_cosign", "cosigned_by", "created_at"]
    list_filter = ["needs_cosign"]
    list_select_related = ["appointment__client", "appointment__treatment", "author", "cosigned_by"]
    search_fields = ["lot_number", "product", "appointment__client_last_name"]


@admin.register(GoodFaithExam)
class GoodFaithExamAdmin(MedicalRecordAdmin):
    list_display = ["client", "examiner", "performed_on", "expires_on", "covers_all_medical"]
    list_select_related = ["client", "examiner"]
    search_fields = ["client__last_name", "client__email"]
    date_hierarchy = "performed_on"


@admin.register(MedicalAuditLog)
class MedicalAuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "what", "appointment"]
    list_filter = ["action"]
    list_select_related = ["user", "appointment"]
    search_fields = ["user__username", "what"]
    date_hierarchy = "at"


class PhysicianFilter(admin.RelatedFieldListFilter):
    """ "By physician" offers the physicians, not every practitioner."""

    def field_choices(self, field, request, model_admin):
        return field.get_choices(
            include_blank=False,
            ordering=self.field_admin_ordering(field, request, model_admin),
            limit_choices_to={"role__can_supervise": True},
        )


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """The front desk sees who reviews what and reassigns when a doctor is away;
    never the answers (those are on the intake, behind its own permission)."""

    form = ReassignReviewForm
    list_display = [
        "appointment_start",
        "client",
        "treatment",
        "practitioner",
        "physician",
        "decision",
    ]
    list_filter = ["decision", ("physician", PhysicianFilter)]
    list_select_related = [
        "appointment__client",
        "appointment__treatment",
        "appointment__practitioner",
        "physician",
    ]
    search_fields = ["appointment__client_last_name", "appointment__client_email"]
    readonly_fields = ["appointment", "decision", "decided_at"]
    fields = ["appointment", "decision", "decided_at", "physician"]

    @admin.display(description="Appointment", ordering="appointment__start")
    def appointment_start(self, review: Review) -> str:
        return staff_time(review.appointment.start)

    @admin.display(description="Client")
    def client(self, review: Review) -> str:
        return review.appointment.client_full_name

    @admin.display(description="Treatment")
    def treatment(self, review: Review) -> str:
        return review.appointment.treatment.name

    @admin.display(description="Practitioner")
    def practitioner(self, review: Review) -> str:
        return review.appointment.practitioner.display_name

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.decision == Review.Decision.PENDING)

    def save_model(self, request, obj, form, change) -> None:
        review_reassign(review=obj, to_physician=form.cleaned_data["physician"], user=request.user)
