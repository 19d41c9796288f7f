"""Clients in the admin, with their appointments (never their medical answers)."""

from django.contrib import admin
from django.db.models import Count

from bookings.models import Appointment, Client


class ClientAppointmentInline(admin.TabularInline):
    """The client's appointments; never their medical answers."""

    model = Appointment
    extra = 0
    can_delete = False
    fields = ["start", "treatment", "practitioner", "status"]
    readonly_fields = fields
    ordering = ["-start"]
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "phone", "appointment_count"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    fields = ["first_name", "last_name", "email", "phone", "date_of_birth"]
    inlines = [ClientAppointmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(appointment_total=Count("appointments"))

    @admin.display(description="Appointments", ordering="appointment_total")
    def appointment_total(self, client: Client) -> int:
        return client.appointment_total

    appointment_count = appointment_total

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # clinical records keep their client (DOMAIN.md: retention)

    def save_model(self, request, obj, form, change) -> None:
        obj.email = obj.email.strip().lower()
        super().save_model(request, obj, form, change)
