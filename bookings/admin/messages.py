"""The outbox in the admin, read-only, and the opt-outs the front desk records.

A message the worker gave up on is "failed", with its reason: the state filter finds
them and the list shows why. An opt-out is the client's: the desk records one a client
asks for on the phone (with the permission to add); only someone with the permission
to delete takes one back (a number opts back in by texting START)."""

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.template.defaultfilters import truncatechars

from bookings.admin.clients import SearchByPhone
from bookings.admin.clinical import ReadOnlyAdmin
from bookings.models import (
    MailOptOut,
    OutboundEmail,
    OutboundText,
    OutboxMessage,
    TextOptOut,
    normalise_email,
)
from bookings.services.messages import Kind
from bookings.services.text_replies import stop_texts
from bookings.services.texts import TextKind
from medspa.clock import staff_time
from medspa.phones import PhoneField, phone_display


class KindFilter(admin.SimpleListFilter):
    """The kinds we write, from the code: not a DISTINCT over the whole outbox."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        kinds = TextKind if model_admin.model is OutboundText else Kind
        return [(str(kind), str(kind).replace("_", " ")) for kind in kinds]

    def queryset(self, request: HttpRequest, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class OutboxAdmin(ReadOnlyAdmin):
    """What a mail list and a text list share: newest first, failed ones one click
    away (the state filter), each with its reason."""

    list_filter = ["state", KindFilter, "created_at"]
    # Newest first by the primary key's index (rows are numbered as they are written).
    ordering = ["-pk"]
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description="Queued", ordering="created_at")
    def queued(self, message: OutboxMessage) -> str:
        return staff_time(message.created_at)

    @admin.display(description="Sent", ordering="sent_at")
    def sent(self, message: OutboxMessage) -> str:
        return staff_time(message.sent_at) if message.sent_at else "-"

    @admin.display(description="Why (failed or not sent)")
    def reason(self, message: OutboxMessage) -> str:
        return truncatechars(message.last_error, 140) if message.last_error else "-"


@admin.register(OutboundEmail)
class OutboundEmailAdmin(OutboxAdmin):
    list_display = ["queued", "kind", "to", "state", "attempts", "reason", "sent"]
    search_fields = ["to"]
    exclude = ["body", "html_body", "calendar"]


@admin.register(OutboundText)
class OutboundTextAdmin(SearchByPhone, OutboxAdmin):
    list_display = [
        "queued",
        "kind",
        "phone",
        "state",
        "delivery_status",
        "attempts",
        "reason",
        "sent",
    ]
    search_fields = ["to"]
    phone_field = "to"

    @admin.display(description="To", ordering="to")
    def phone(self, text: OutboundText) -> str:
        return phone_display(text.to)


class TextOptOutForm(forms.ModelForm):
    phone = PhoneField(help_text="The number that should get no more texts from the spa.")

    class Meta:
        model = TextOptOut
        fields = ["phone"]


class OptOutAdmin(admin.ModelAdmin):
    """Recorded and taken back, never edited."""

    ordering = ["-at"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(TextOptOut)
class TextOptOutAdmin(SearchByPhone, OptOutAdmin):
    form = TextOptOutForm
    list_display = ["number", "since"]
    search_fields = ["phone"]
    fields = ["phone"]

    def save_model(self, request, obj, form, change) -> None:
        # As a STOP by text: the texts queued for it are dropped, its visits' history
        # says so (and who recorded it).
        stop_texts(obj.phone, by=request.user, how="asked the front desk")
        obj.pk = TextOptOut.objects.get(phone=obj.phone).pk

    @admin.display(description="Phone", ordering="phone")
    def number(self, opt_out: TextOptOut) -> str:
        return phone_display(opt_out.phone)

    @admin.display(description="Opted out", ordering="at")
    def since(self, opt_out: TextOptOut) -> str:
        return staff_time(opt_out.at)


class MailOptOutForm(forms.ModelForm):
    class Meta:
        model = MailOptOut
        fields = ["email"]
        help_texts = {
            "email": "No more “time to book again” mail to it; mail about a booked visit "
            "still goes."
        }

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


@admin.register(MailOptOut)
class MailOptOutAdmin(OptOutAdmin):
    form = MailOptOutForm
    list_display = ["email", "since"]
    search_fields = ["email"]
    fields = ["email"]

    @admin.display(description="Unsubscribed", ordering="at")
    def since(self, opt_out: MailOptOut) -> str:
        return staff_time(opt_out.at)
