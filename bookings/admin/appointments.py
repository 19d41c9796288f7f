"""The front desk's appointments in the admin: the list, booking by phone, moving,
status changes and the day schedule. Every change goes through bookings/services/."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from bookings.admin.clients import SearchByPhone
from bookings.admin.day import DayFilter, DayViews
from bookings.admin.free_times import FreeTimeViews
from bookings.admin.phone_booking import PhoneBookingViews
from bookings.admin.replies import ClientRepliesFields
from bookings.forms.desk import AppointmentAddForm, AppointmentMoveForm, offers_resources
from bookings.models import Appointment, AppointmentEvent, ResourceAllocation
from bookings.services.appointment_changes import appointment_cancel, appointment_reschedule
from bookings.services.locks import hold_schedules_of
from bookings.services.visits import appointment_set_status, doctor_contact, status_change_problem
from medspa.clock import clock, staff_time
from medspa.money import money
from medspa.phones import phone_display

STATUS_ACTIONS = {
    "checked_in": "Check in",
    "completed": "Complete",
    "no_show": "No-show",
    "cancelled": "Cancel",
}


def held_resources(appointment: Appointment) -> str:
    """The rooms and devices it holds; once cancelled or declined, those it held, marked
    released. From the prefetched allocations (AppointmentAdmin.get_queryset)."""
    allocations = appointment.allocations.all()
    holding = [a.resource.name for a in allocations if a.holds_time]
    if holding:
        return ", ".join(holding)
    released = [a.resource.name for a in allocations]
    if released:
        return f"{', '.join(released)} (released: {appointment.get_status_display()})"
    return ""


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    fields = ["at", "user", "action", "detail"]
    readonly_fields = fields
    verbose_name_plural = "History"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(
    PhoneBookingViews,
    FreeTimeViews,
    DayViews,
    ClientRepliesFields,
    SearchByPhone,
    admin.ModelAdmin,
):
    list_display = [
        "local_start",
        "client_name",
        "treatment_and_rooms",
        "practitioner",
        "status_badge",
        "review_status",
    ]
    list_filter = [DayFilter, "status", "practitioner", "treatment__kind"]
    list_select_related = ["treatment", "practitioner", "review"]
    search_fields = [
        "client_first_name",
        "client_last_name",
        "client_email",
        "client_phone",
        "=token",
    ]
    phone_field = "client_phone"
    ordering = ["start"]
    # A busy year holds 100,000 rows: never count them all on every page. No date
    # hierarchy either: its links need a DISTINCT over every row's date (23 ms at
    # 100,000); the day filter and the day schedule's date picker reach any day.
    show_full_result_count = False
    list_per_page = 50
    actions = ["check_in", "complete", "no_show", "cancel"]
    inlines = [AppointmentEventInline]
    change_form_template = "admin/bookings/appointment/change_form.html"
    change_list_template = "admin/bookings/appointment/change_list.html"
    readonly_fields = [
        "client",
        "booked_for",
        "treatment",
        "practitioner",
        "when",
        "rooms_and_devices",
        "status",
        "price_as_booked",
        "source",
        "supervising_doctor",
        "review_status",
        "client_notes",
        "client_reply",
        "text_consent",
        "messages_about",
    ]

    # --- the list -----------------------------------------------------------

    def get_queryset(self, request):
        # Each row's rooms and devices: one query for the page, whatever its length.
        allocations = ResourceAllocation.objects.select_related("resource").order_by("resource_id")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("allocations", queryset=allocations))
        )

    def action_checkbox(self, appointment: Appointment) -> str:
        """The row's checkbox for the bulk actions, as the admin's own (same name, class
        and label) without rendering a form widget's template for every row."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="Select this object for an action - {}">',
            helpers.ACTION_CHECKBOX_NAME,
            appointment.pk,
            appointment,
        )

    @admin.display(description="Start", ordering="start")
    def local_start(self, appointment: Appointment) -> str:
        return staff_time(appointment.start)

    @admin.display(description="Client", ordering="client_last_name")
    def client_name(self, appointment: Appointment) -> str:
        return appointment.client_full_name

    @admin.display(description="Status", ordering="status")
    def status_badge(self, appointment: Appointment) -> str:
        return format_html(
            '<span class="status-badge status-{}">{}</span>',
            appointment.status,
            appointment.get_status_display(),
        )

    @admin.display(description="Review")
    def review_status(self, appointment: Appointment) -> str:
        review = getattr(appointment, "review", None)
        return review.get_decision_display() if review else "-"

    @admin.display(description="Treatment", ordering="treatment__name")
    def treatment_and_rooms(self, appointment: Appointment) -> str:
        """The treatment, and under it the rooms and devices (a column of its own would
        push the status off a desk's screen)."""
        where = held_resources(appointment)
        if not where:
            return appointment.treatment.name
        return format_html(
            '{}<br><small class="list-where">in {}</small>', appointment.treatment.name, where
        )

    @admin.display(description="Rooms and devices")
    def rooms_and_devices(self, appointment: Appointment) -> str:
        return held_resources(appointment) or "-"

    @admin.display(description="When")
    def when(self, appointment: Appointment) -> str:
        start = timezone.localtime(appointment.start)
        end = timezone.localtime(appointment.end)
        return f"{staff_time(start)} to {clock(end)}"

    @admin.display(description="Price as booked")
    def price_as_booked(self, appointment: Appointment) -> str:
        return money(appointment.price)

    @admin.display(description="Supervising physician")
    def supervising_doctor(self, appointment: Appointment) -> str:
        return doctor_contact(appointment) or "-"

    @admin.display(description="Booked for (as typed)")
    def booked_for(self, appointment: Appointment) -> str:
        typed = [
            appointment.client_full_name,
            appointment.client_email,
            phone_display(appointment.client_phone),
        ]
        link = "on record" if appointment.client_id else "email not yet proven"
        return f"{', '.join(part for part in typed if part)} ({link})"

    # --- forms: the same rules as the site ---------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = AppointmentMoveForm if obj is not None else AppointmentAddForm
        kwargs["fields"] = list(kwargs["form"].base_fields)
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and request.method == "GET":
            # A time picked in the finder: the Move fields arrive filled in.
            picked = {k: request.GET[k] for k in AppointmentMoveForm.PICKED if k in request.GET}
            form = type(form.__name__, (form,), {"picked": picked})
        return form

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.phone_booking_fieldsets(request)
        move = ["start_date", "start_time", "new_practitioner", "allow_short_notice"]
        if offers_resources(obj.treatment_id):  # the form has the field (resource_choices)
            move.insert(3, "resource")
        return [(None, {"fields": self.readonly_fields}), ("Move", {"fields": move})]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A refusal from the writer in save_model() is a message, never an error page.

        The forms hold the practitioners' locks from clean() to save_model(), so this
        is a last guard; the admin's own transaction has already rolled back.
        """
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            self.book_by_phone(request, obj, form)
        elif form.has_move():
            moved = appointment_reschedule(
                appointment=obj,
                start=form.start,
                practitioner=form.cleaned_data.get("new_practitioner"),
                by_client=False,
                enforce_notice=not form.cleaned_data.get("allow_short_notice"),
                resources=form.wanted_resources(),
                by=request.user,
            )
            # Where it went, the room picked included (the admin's own message names
            # the appointment as it was).
            rooms = ", ".join(
                moved.allocations.filter(holds_time=True).values_list("resource__name", flat=True)
            )
            where = f"{staff_time(moved.start)} with {moved.practitioner.display_name}"
            messages.success(request, f"Moved to {where}{f', in {rooms}' if rooms else ''}.")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cancel instead: the history and the client's mail stay right

    # --- status actions -----------------------------------------------------------

    def _set_status(self, request: HttpRequest, appointments, status: str) -> None:
        done = 0
        if status == Appointment.Status.CANCELLED:
            # One transaction cancels them all: take every practitioner's lock first, in
            # id order, as a booking does, or the two could deadlock.
            hold_schedules_of(appointments)
        for appointment in appointments:
            try:
                if status == Appointment.Status.CANCELLED:
                    appointment_cancel(appointment=appointment, by_client=False, by=request.user)
                else:
                    appointment_set_status(appointment=appointment, status=status, by=request.user)
            except ValidationError as error:
                messages.error(
                    request, f"{appointment.client_full_name}: {' '.join(error.messages)}"
                )
            else:
                done += 1
        if done:
            messages.success(
                request, f"{STATUS_ACTIONS[status]}: {done} appointment{pluralize(done)}."
            )

    @admin.action(description="Check in", permissions=["change"])
    def check_in(self, request, queryset: QuerySet) -> None:
        self._set_status(request, queryset, "checked_in")

    @admin.action(description="Complete", permissions=["change"])
    def complete(self, request, queryset: QuerySet) -> None:
        self._set_status(request, queryset, "completed")

    @admin.action(description="Mark as no-show", permissions=["change"])
    def no_show(self, request, queryset: QuerySet) -> None:
        self._set_status(request, queryset, "no_show")

    @admin.action(description="Cancel (emails the client)", permissions=["change"])
    def cancel(self, request, queryset: QuerySet) -> None:
        self._set_status(request, queryset, "cancelled")

    # --- extra pages ----------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("day/", wrap(self.day_view), name="bookings_appointment_day"),
            path("free-times/", wrap(self.free_times_view), name="bookings_appointment_free_times"),
            path("export/", wrap(self.export_view), name="bookings_appointment_export"),
            path(
                "<int:appointment_id>/status/",
                wrap(require_POST(self.status_view)),
                name="bookings_appointment_status",
            ),
            *super().get_urls(),
        ]

    def status_view(self, request: HttpRequest, appointment_id: int) -> HttpResponse:
        appointment = get_object_or_404(Appointment, pk=appointment_id)
        if not self.has_change_permission(request, appointment):
            raise PermissionDenied
        status = request.POST.get("status", "")
        if status not in STATUS_ACTIONS:
            messages.error(request, "Unknown action.")
        else:
            self._set_status(request, [appointment], status)
        back = request.POST.get("next", "")
        if back == "day":
            day = timezone.localtime(appointment.start).date()
            by = "&by=resource" if request.POST.get("by") == "resource" else ""
            return HttpResponseRedirect(
                reverse("admin:bookings_appointment_day") + f"?date={day}{by}"
            )
        return HttpResponseRedirect(
            reverse("admin:bookings_appointment_change", args=[appointment.pk])
        )

    @method_decorator(sensitive_post_parameters())  # intake answers asked on the phone
    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        appointment = self.get_object(request, object_id)
        now = timezone.now()
        actions = [
            (
                status,
                label,
                status_change_problem(appointment, status, now) if appointment else None,
            )
            for status, label in STATUS_ACTIONS.items()
        ]
        extra_context = {
            **(extra_context or {}),
            "status_actions": actions,
            "changeable_statuses": Appointment.CHANGEABLE_STATUSES,
        }
        return super().change_view(request, object_id, form_url, extra_context)
