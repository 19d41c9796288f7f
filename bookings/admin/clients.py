"""Clients in the admin, with their appointments (never their medical answers)."""

from django.contrib import admin
from django.db.models import Count

from bookings.forms.desk import ClientForm
from bookings.models import Appointment, Client
from bookings.selectors.clients import phone_matches
from medspa.phones import phone_display


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


class SearchByPhone:
    """An admin's search also finds a phone number however it is typed: "(917)
    555-0103", "9175550103" and "555-0103" all find +19175550103."""

    phone_field = "phone"

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        by_phone = phone_matches(self.phone_field, search_term)
        if by_phone is not None:
            found |= queryset.filter(by_phone)
        return found, may_have_duplicates


@admin.register(Client)
class ClientAdmin(SearchByPhone, admin.ModelAdmin):
    form = ClientForm
    list_display = ["last_name", "first_name", "email", "phone_number", "appointment_count"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    fields = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
        "sms_opt_in_at",
        "closed_at",
    ]
    # The client's own choices on their account page: the desk sees them, never makes them.
    readonly_fields = ["sms_opt_in_at", "closed_at"]
    list_filter = [("closed_at", admin.EmptyFieldListFilter)]
    inlines = [ClientAppointmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(appointment_total=Count("appointments"))

    @admin.display(description="Appointments", ordering="appointment_total")
    def appointment_total(self, client: Client) -> int:
        return client.appointment_total

    appointment_count = appointment_total

    @admin.display(description="Phone", ordering="phone")
    def phone_number(self, client: Client) -> str:
        return phone_display(client.phone)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # clinical records keep their client (DOMAIN.md: retention)
