"""The front desk's waitlist: entries per treatment and wanted day, their windows and
offers, removing an entry, and offering a time by hand (the same offer service and
validator as the worker's offers)."""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from bookings.forms.fields import add_service_errors
from bookings.forms.waitlist import OfferByHandForm
from bookings.models import WaitlistEntry, WaitlistOffer, WaitlistWindow
from bookings.services.waitlist import waitlist_leave
from bookings.services.waitlist_offers import offer_by_hand
from medspa.clock import client_date, clock, staff_time


class WantedDayFilter(admin.SimpleListFilter):
    """Entries whose windows include a day, from today two weeks on."""

    title = "wanted day"
    parameter_name = "day"

    def lookups(self, request, model_admin):
        today = timezone.localdate()
        days = [today + datetime.timedelta(days=n) for n in range(14)]
        return [(day.isoformat(), client_date(day)) for day in days]

    def queryset(self, request, queryset):
        try:
            day = datetime.date.fromisoformat(self.value() or "")
        except ValueError:
            return queryset
        return queryset.filter(windows__date_from__lte=day, windows__date_to__gte=day).distinct()


class WindowInline(admin.TabularInline):
    """As the client gave them (the entry's expiry follows from them): read only."""

    model = WaitlistWindow
    extra = 0
    can_delete = False
    fields = ["date_from", "date_to", "earliest", "latest"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OfferInline(admin.TabularInline):
    """Offers are made by the service (the worker or "Offer a time"), never typed in."""

    model = WaitlistOffer
    extra = 0
    can_delete = False
    view_on_site = False  # the client's own link
    fields = ["when", "practitioner", "state", "held_until", "appointment", "offered_by"]
    readonly_fields = fields

    @admin.display(description="when")
    def when(self, offer: WaitlistOffer) -> str:
        return staff_time(offer.start)

    @admin.display(description="held until")
    def held_until(self, offer: WaitlistOffer) -> str:
        return staff_time(offer.hold_until)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ["full_name", "treatment", "who", "windows_text", "state", "joined"]
    list_filter = ["state", "treatment", WantedDayFilter]
    search_fields = ["first_name", "last_name", "email"]
    list_select_related = ["treatment", "practitioner"]
    ordering = ["created_at", "pk"]
    inlines = [WindowInline, OfferInline]
    actions = ["remove"]
    # What the client gave stays as given: the desk removes an entry or offers a time.
    readonly_fields = [
        "treatment",
        "practitioner",
        "first_name",
        "last_name",
        "email",
        "phone",
        "state",
        "created_at",
        "expires_at",
        "offer_link",
    ]
    fields = [
        "treatment",
        "practitioner",
        ("first_name", "last_name"),
        ("email", "phone"),
        "state",
        ("created_at", "expires_at"),
        "offer_link",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("windows")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # clients join online; the desk offers times to entries

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Deleting would cascade a held offer away without freeing its time: the
        # "Remove from the waitlist" action (waitlist_leave) does it right.
        return False

    @admin.display(description="with")
    def who(self, entry: WaitlistEntry) -> str:
        return entry.practitioner.display_name if entry.practitioner else "any"

    @admin.display(description="days and times")
    def windows_text(self, entry: WaitlistEntry) -> str:
        return "; ".join(
            (
                client_date(w.date_from)
                if w.date_from == w.date_to
                else f"{client_date(w.date_from)} to {client_date(w.date_to)}"
            )
            + f", starting {clock(w.earliest)} to {clock(w.latest)}"
            for w in entry.windows.all()
        )

    @admin.display(description="joined", ordering="created_at")
    def joined(self, entry: WaitlistEntry) -> str:
        return staff_time(entry.created_at)

    @admin.display(description="offer a time")
    def offer_link(self, entry: WaitlistEntry) -> str:
        if entry.pk is None or entry.state != WaitlistEntry.State.WAITING:
            return "Only a waiting entry can be offered a time."
        url = reverse("admin:bookings_waitlistentry_offer", args=[entry.pk])
        return format_html('<a class="button" href="{}">Offer a time by hand</a>', url)

    @admin.action(description="Remove from the waitlist", permissions=["change"])
    def remove(self, request: HttpRequest, queryset: QuerySet) -> None:
        for entry in queryset:
            waitlist_leave(entry=entry)
        messages.success(request, f"{len(queryset)} removed from the waitlist.")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:entry_id>/offer/",
                wrap(self.offer_view),
                name="bookings_waitlistentry_offer",
            ),
            *super().get_urls(),
        ]

    def offer_view(self, request: HttpRequest, entry_id: int) -> HttpResponse:
        entry = get_object_or_404(WaitlistEntry.objects.select_related("treatment"), pk=entry_id)
        if not self.has_change_permission(request, entry):
            raise PermissionDenied
        form = OfferByHandForm(request.POST or None, treatment=entry.treatment)
        if request.method == "POST" and form.is_valid():
            try:
                offer = offer_by_hand(
                    entry=entry,
                    practitioner=form.cleaned_data["practitioner"],
                    start=form.start,
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error, renamed={"start": "start_time"})
            else:
                messages.success(
                    request,
                    f"Offered {staff_time(offer.start)} to {entry.full_name}; "
                    f"held until {staff_time(offer.hold_until)}.",
                )
                return HttpResponseRedirect(
                    reverse("admin:bookings_waitlistentry_change", args=[entry.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "entry": entry,
            "form": form,
            "title": f"Offer a time to {entry.full_name}",
        }
        return TemplateResponse(request, "admin/bookings/waitlistentry/offer.html", context)
