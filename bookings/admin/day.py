"""The front desk's day: the list's day filter, the dashboard and the day's CSV."""

import datetime

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone

from bookings.availability import Policy, day_bounds
from bookings.models import Appointment, Review
from practitioners.models import EXPIRY_WARNING_DAYS, Practitioner, SupervisionAgreement


class DayFilter(admin.SimpleListFilter):
    """Which days the list shows: from today on unless asked otherwise (the front desk
    runs the day; years of history stay one click away, and a search looks at all)."""

    title = "day"
    parameter_name = "day"
    default = "upcoming"

    def __init__(self, request, params, model, model_admin):
        self.searching = bool(request.GET.get(SEARCH_VAR))
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [
            ("upcoming", "From today on"),
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("week", "This week"),
            ("all", "All, past included"),
        ]

    def value(self) -> str:
        return super().value() or ("all" if self.searching else self.default)

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        today = timezone.localdate()
        policy = Policy.from_settings()
        if self.value() == "upcoming":
            return queryset.filter(start__gte=day_bounds(today, today, policy.zone).start)
        if self.value() == "today":
            bounds = day_bounds(today, today, policy.zone)
        elif self.value() == "tomorrow":
            tomorrow = today + datetime.timedelta(days=1)
            bounds = day_bounds(tomorrow, tomorrow, policy.zone)
        elif self.value() == "week":
            monday = today - datetime.timedelta(days=today.weekday())
            bounds = day_bounds(monday, monday + datetime.timedelta(days=6), policy.zone)
        else:
            return queryset
        return queryset.filter(start__gte=bounds.start, start__lt=bounds.end)


def dashboard(request: HttpRequest) -> dict:
    """Today's appointments by status, pending reviews per doctor, what expires soon."""
    user = request.user
    if not user.has_perm("bookings.view_appointment"):
        return {}
    today = timezone.localdate()
    bounds = day_bounds(today, today, Policy.from_settings().zone)
    by_status = dict(
        Appointment.objects.filter(start__gte=bounds.start, start__lt=bounds.end)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    horizon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    return {
        "today": today,
        "today_by_status": [
            (value, label, by_status.get(value, 0)) for value, label in Appointment.Status.choices
        ],
        "today_total": sum(by_status.values()),
        "pending_reviews": Review.objects.filter(decision=Review.Decision.PENDING)
        .values("physician__display_name")
        .annotate(n=Count("pk"))
        .order_by("physician__display_name"),
        "expiring_licences": Practitioner.objects.active()
        .filter(licence_expires_on__lte=horizon)
        .order_by("licence_expires_on"),
        "expiring_agreements": SupervisionAgreement.objects.filter(
            valid_until__range=(today, horizon)
        )
        .select_related("practitioner", "physician")
        .order_by("valid_until"),
    }
