"""The outbox in the admin, read-only."""

from django.contrib import admin

from bookings.admin.clinical import ReadOnlyAdmin
from bookings.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "to", "state", "attempts", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["to"]
    exclude = ["body", "html_body", "calendar"]
