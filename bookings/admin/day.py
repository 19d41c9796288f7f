"""The front desk's day: the list's day filter, the day schedule, the day's CSV and
the dashboard."""

import datetime
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from bookings.availability import Policy, day_bounds
from bookings.forms.fields import parse_day
from bookings.models import (
    Appointment,
    MedicalAuditLog,
    OutboundEmail,
    OutboundText,
    OutboxMessage,
    Review,
)
from bookings.selectors.client_replies import client_markers
from bookings.selectors.day_schedule import day_schedule, resource_day_schedule
from bookings.services.records import log_reads
from bookings.services.visits import status_change_problem
from medspa.clock import export_clock, export_time
from medspa.spreadsheets import csv_download
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
        "failed_messages": failed_lately(user, today),
    }


FAILED_WITHIN_DAYS = 7


def failed_lately(user, today: datetime.date) -> list[tuple[str, int, str]]:
    """(what, how many, the list of them) for the mail and texts queued in the last
    week that the worker gave up on, each with its reason in its list; only the lists
    the user may see."""
    since = day_bounds(
        today - datetime.timedelta(days=FAILED_WITHIN_DAYS), today, Policy.from_settings().zone
    ).start
    found = []
    for model, what in ((OutboundEmail, "Mail"), (OutboundText, "Texts")):
        name = model._meta.model_name
        if not user.has_perm(f"bookings.view_{name}"):
            continue
        count = model.objects.filter(
            state=OutboxMessage.State.FAILED, created_at__gte=since
        ).count()
        query = urlencode({"state__exact": "failed", "created_at__gte": str(since)})
        found.append((what, count, f"{reverse(f'admin:bookings_{name}_changelist')}?{query}"))
    return found


DAY_CSV_COLUMNS = [
    "Start",
    "End",
    "Client",
    "Email",
    "Phone",
    "Treatment",
    "Practitioner",
    "Status",
    "Price",
]


class DayViews:
    """The appointment admin's day schedule and day CSV (its get_urls routes them)."""

    def day_view(self, request: HttpRequest) -> HttpResponse:
        """The day by practitioner, or with ?by=resource by room and device."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        day = parse_day(request.GET.get("date")) or timezone.localdate()
        by_resource = request.GET.get("by") == "resource"
        now = timezone.now()
        if by_resource:
            schedule = resource_day_schedule(day, page=request.GET.get("page"))
            columns = schedule.resources
        else:
            schedule = day_schedule(day, page=request.GET.get("page"))
            columns = schedule.practitioners
        for row in schedule.rows:
            # A row has one cell per column, in the columns' order.
            for column, cell in zip(columns, row.cells, strict=True):
                if cell is not None and cell.appointment is not None:  # Check in, or why not
                    cell.check_in_problem = status_change_problem(
                        cell.appointment, "checked_in", now
                    )
                    # Confirmed by the client or not yet; texts on, or stopped.
                    cell.markers = client_markers(cell.appointment, now)
                    if not by_resource:  # the phone's list names who, too
                        cell.appointment.practitioner = column
        context = {
            **self.admin_site.each_context(request),
            "title": f"Day schedule: {day:%A %d %B %Y}",
            "schedule": schedule,
            "columns": columns,
            "by": "resource" if by_resource else "",
            "day": day,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "today": timezone.localdate(),
            "opts": self.model._meta,
            "can_change": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/bookings/appointment/day.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        day = parse_day(request.GET.get("date")) or timezone.localdate()
        bounds = day_bounds(day, day, Policy.from_settings().zone)
        appointments = (
            Appointment.objects.filter(start__gte=bounds.start, start__lt=bounds.end)
            .select_related("treatment", "practitioner")
            .order_by("start", "practitioner__display_name")
        )
        rows = [
            [
                export_time(a.start),
                export_clock(a.end),
                a.client_full_name,
                a.client_email,
                a.client_phone,
                a.treatment.name,
                a.practitioner.display_name,
                a.get_status_display(),
                a.price,
            ]
            for a in appointments
        ]
        # A medical treatment's name next to a client's is health data: logged.
        log_reads(
            user=request.user,
            appointment_ids=[a.pk for a in appointments if a.treatment.is_medical],
            what=f"day CSV {day}",
            action=MedicalAuditLog.Action.EXPORTED,
        )
        return csv_download(f"appointments-{day}.csv", [DAY_CSV_COLUMNS, *rows])
