import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.clock import staff_time
from practitioners.forms import PractitionerForm, SupervisionAgreementForm, WorkingHoursFormSet
from practitioners.models import (
    EXPIRY_WARNING_DAYS,
    Practitioner,
    SupervisionAgreement,
    TimeOff,
    WorkingHours,
    expires_soon,
)
from practitioners.supervision import agreement_accept


def expiry_badge(expires_on: datetime.date) -> str:
    """The date, with a warning when it is past or within the warning window."""
    today = timezone.localdate()
    if expires_on < today:
        return format_html('<strong class="expiry expired">{} (expired)</strong>', expires_on)
    if expires_soon(expires_on, today):
        days = (expires_on - today).days
        return format_html(
            '<strong class="expiry expiring">{} (expires in {} days)</strong>', expires_on, days
        )
    return format_html("{}", expires_on)


class ExpiryFilter(admin.SimpleListFilter):
    """Expired / expiring within the warning window / valid, on a date field."""

    title = gettext_lazy("expiry")
    parameter_name = "expiry"
    date_field = ""

    def lookups(self, request, model_admin):
        return [
            ("expired", _("Expired")),
            ("soon", _("Expires within %(days)s days") % {"days": EXPIRY_WARNING_DAYS}),
            ("valid", _("Valid beyond %(days)s days") % {"days": EXPIRY_WARNING_DAYS}),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        horizon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
        if self.value() == "expired":
            return queryset.filter(**{f"{self.date_field}__lt": today})
        if self.value() == "soon":
            return queryset.filter(**{f"{self.date_field}__range": (today, horizon)})
        if self.value() == "valid":
            return queryset.filter(**{f"{self.date_field}__gt": horizon})
        return queryset


class LicenceExpiryFilter(ExpiryFilter):
    title = gettext_lazy("licence")
    parameter_name = "licence"
    date_field = "licence_expires_on"


class AgreementExpiryFilter(ExpiryFilter):
    title = gettext_lazy("agreement ends")
    parameter_name = "ends"
    date_field = "valid_until"


def warn_about_expiry(request: HttpRequest) -> None:
    """A banner on the staff lists: licences and agreements that lapse soon stop bookings."""
    today = timezone.localdate()
    horizon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    licences = Practitioner.objects.active().filter(licence_expires_on__lte=horizon)
    for practitioner in licences.order_by("licence_expires_on"):
        state = _("expired") if practitioner.licence_expires_on < today else _("expires")
        messages.warning(
            request,
            _("%(name)s's licence %(state)s on %(date)s.")
            % {
                "name": practitioner.display_name,
                "state": state,
                "date": practitioner.licence_expires_on,
            },
        )
    agreements = SupervisionAgreement.objects.filter(
        valid_until__range=(today, horizon)
    ).select_related("practitioner", "physician")
    for agreement in agreements.order_by("valid_until"):
        messages.warning(
            request,
            _("The supervision agreement %(agreement)s ends on %(date)s.")
            % {"agreement": agreement, "date": agreement.valid_until},
        )


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0
    ordering = ["-starts_at"]


class SupervisedByInline(admin.TabularInline):
    model = SupervisionAgreement
    fk_name = "practitioner"
    form = SupervisionAgreementForm
    extra = 0
    fields = [
        "physician",
        "valid_from",
        "valid_until",
        "covers_all_qualified",
        "treatments",
        "chart_review_percent",
        "accepted",
    ]
    readonly_fields = ["accepted"]
    verbose_name = gettext_lazy("supervision agreement")
    verbose_name_plural = gettext_lazy("supervised by")

    @admin.display(description=gettext_lazy("accepted by the physician"))
    def accepted(self, agreement: SupervisionAgreement) -> str:
        if agreement.accepted_at is None:
            return _("Not yet: supervises nothing until the physician accepts.")
        return _("Yes, %(when)s") % {"when": staff_time(agreement.accepted_at)}


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    form = PractitionerForm
    list_display = ["display_name", "role", "licence_number", "licence", "is_active"]
    list_filter = ["role", "is_active", LicenceExpiryFilter]
    list_select_related = ["role"]
    search_fields = ["display_name", "licence_number", "user__username", "user__email"]
    prepopulated_fields = {"slug": ["display_name"]}
    filter_horizontal = ["qualified_treatments"]
    autocomplete_fields = ["user"]
    inlines = [WorkingHoursInline, TimeOffInline, SupervisedByInline]

    @admin.display(description=gettext_lazy("licence expires"), ordering="licence_expires_on")
    def licence(self, practitioner: Practitioner) -> str:
        return expiry_badge(practitioner.licence_expires_on)

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            warn_about_expiry(request)
        return super().changelist_view(request, extra_context)


@admin.register(SupervisionAgreement)
class SupervisionAgreementAdmin(admin.ModelAdmin):
    form = SupervisionAgreementForm
    list_display = [
        "practitioner",
        "physician",
        "valid_from",
        "ends",
        "chart_review_percent",
        "acceptance",
    ]
    list_filter = [AgreementExpiryFilter, "physician"]
    list_select_related = ["practitioner__role", "physician__role"]
    search_fields = ["practitioner__display_name", "physician__display_name"]
    autocomplete_fields = ["practitioner", "physician"]
    filter_horizontal = ["treatments"]
    readonly_fields = ["accepted_by", "accepted_at"]
    actions = ["accept_agreements"]

    @admin.display(description=gettext_lazy("valid until"), ordering="valid_until")
    def ends(self, agreement: SupervisionAgreement) -> str:
        return expiry_badge(agreement.valid_until)

    @admin.display(description=gettext_lazy("accepted"), boolean=True)
    def acceptance(self, agreement: SupervisionAgreement) -> bool:
        return agreement.is_accepted

    @admin.action(description=gettext_lazy("Accept as the supervising physician (your own)"))
    def accept_agreements(self, request: HttpRequest, queryset: QuerySet) -> None:
        for agreement in queryset:
            try:
                agreement_accept(agreement=agreement, user=request.user)
            except PermissionDenied:
                messages.error(
                    request,
                    _("Only %(physician)s can accept %(agreement)s.")
                    % {"physician": agreement.physician.display_name, "agreement": agreement},
                )
            except ValidationError as error:
                messages.warning(request, f"{agreement}: {' '.join(error.messages)}")
            else:
                messages.success(request, _("Accepted: %(agreement)s.") % {"agreement": agreement})

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            warn_about_expiry(request)
        return super().changelist_view(request, extra_context)


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "starts_at", "ends_at", "reason"]
    list_filter = ["practitioner"]
    list_select_related = ["practitioner__role"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["practitioner"]
    search_fields = ["practitioner__display_name", "reason"]
