"""The supervising doctor's portal (/doctor/) and the practitioner's chart page.

Every query is scoped to the logged-in physician, so another doctor's review or
chart id is a 404; every read of a medical record is logged.
"""

import csv
import datetime
import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from bookings import clinical
from bookings.csv_export import csv_cell
from bookings.doctor_forms import ChartForm, DecisionForm
from bookings.models import Appointment, MedicalAuditLog, Review, TreatmentRecord
from bookings.services import age_on, review_decide
from medspa.auth import user_is_verified
from practitioners.models import Practitioner, SupervisionAgreement
from practitioners.supervision import agreement_accept

# A busy doctor has hundreds of requests waiting: a page at a time, soonest first.
QUEUE_PAGE_SIZE = 25


def practitioner_required(*, physician: bool) -> Callable:
    """Signed in (with the second factor when STAFF_MFA is on) and linked to a
    practitioner record (a physician, for the portal); otherwise 403."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated or not user_is_verified(request):
                return redirect_to_login(request.get_full_path())
            me = clinical.practitioner_of(request.user)
            if me is None or not me.is_active or (physician and not me.role.can_supervise):
                raise PermissionDenied("This page is for supervising physicians.")
            request.practitioner = me
            return view(request, *args, **kwargs)

        return never_cache(wrapper)

    return decorator


physician_required = practitioner_required(physician=True)


def _show_errors(form, error: ValidationError) -> None:
    """A service's refusal on the form: by field when it names one, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


def _queue_counts(me: Practitioner) -> dict[str, int]:
    """What waits for the doctor (the tabs' badges). Decided reviews are not counted
    here: a year's worth is tens of thousands, and the number asks nothing of them."""
    return {
        "pending": Review.objects.filter(physician=me, decision=Review.Decision.PENDING).count(),
        "cosign": _to_cosign(me).count(),
    }


def _to_cosign(me: Practitioner):
    return TreatmentRecord.objects.filter(
        appointment__supervising_physician=me,
        needs_cosign=True,
        cosigned_at__isnull=True,
        amended_by__isnull=True,
    )


@physician_required
def queue(request: HttpRequest) -> HttpResponse:
    """Pending reviews soonest first; tabs for decided reviews and charts to co-sign."""
    me = request.practitioner
    tab = request.GET.get("tab", "pending")
    if tab not in {"pending", "decided", "cosign"}:
        tab = "pending"
    counts = _queue_counts(me)
    mine = Review.objects.filter(physician=me)
    pending = mine.filter(decision=Review.Decision.PENDING)
    decided = mine.exclude(decision=Review.Decision.PENDING)
    reviews = records = None
    if tab == "cosign":
        page = Paginator(
            _to_cosign(me)
            .select_related("appointment__client", "appointment__treatment", "author__role")
            .order_by("created_at", "pk"),
            QUEUE_PAGE_SIZE,
        ).get_page(request.GET.get("page"))
        records = page.object_list
    else:
        chosen, order = (
            (pending, ("appointment__start", "pk"))
            if tab == "pending"
            else (decided, ("-decided_at", "-pk"))
        )
        # The page's ids first (two tables, an index), then their rows with all that is
        # shown: one seven-table join over every pending review cost more to plan and sort.
        page = Paginator(chosen.order_by(*order).values_list("pk", flat=True), QUEUE_PAGE_SIZE)
        page = page.get_page(request.GET.get("page"))
        ids = list(page.object_list)
        reviews = (
            Review.objects.filter(pk__in=ids)
            .select_related(
                "appointment__client",
                "appointment__treatment",
                "appointment__practitioner__role",
                "appointment__intake",
            )
            .order_by(*order)
        )
    rows = []
    for review in reviews or []:
        appointment = review.appointment
        intake = getattr(appointment, "intake", None)
        rows.append(
            {
                "review": review,
                "appointment": appointment,
                "age": age_on(intake.date_of_birth, timezone.localtime(appointment.start).date())
                if intake
                else None,
                "flags": intake.flags if intake else [],
            }
        )
    return render(
        request,
        "doctor/queue.html",
        {
            "tab": tab,
            "rows": rows,
            "records": records,
            "counts": counts,
            "me": me,
            "page": page,
        },
    )


@sensitive_post_parameters()
@physician_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    """Intake, consent, flags and history; approve or decline with a note."""
    me = request.practitioner
    review = get_object_or_404(
        Review.objects.select_related(
            "appointment__client",
            "appointment__treatment",
            "appointment__practitioner__role",
            "appointment__intake",
            "appointment__consent",
        ),
        pk=review_id,
        physician=me,
    )
    appointment = review.appointment
    day = timezone.localtime(appointment.start).date()
    existing_gfe = clinical.valid_gfe(
        client=appointment.client, treatment=appointment.treatment, day=day
    )
    needs_exam = appointment.treatment.requires_gfe and existing_gfe is None
    form = DecisionForm(request.POST or None, needs_exam=needs_exam)
    if request.method == "POST" and form.is_valid():
        try:
            review_decide(
                review=review,
                user=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                exam=form.exam_findings(),
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            verb = "approved" if form.cleaned_data["decision"] == "approved" else "declined"
            messages.success(request, f"Review {verb}. The client has been emailed.")
            return redirect("doctor:queue")
    clinical.medical_record_viewed(
        user=request.user, appointment=appointment, what="intake, consent and review"
    )
    history = (
        Appointment.objects.filter(client=appointment.client, treatment__kind="medical")
        .exclude(pk=appointment.pk)
        .select_related("treatment", "practitioner", "review")
        .order_by("-start")[:20]
    )
    intake = getattr(appointment, "intake", None)
    return render(
        request,
        "doctor/review_detail.html",
        {
            "review": review,
            "appointment": appointment,
            "intake": intake,
            "consent": getattr(appointment, "consent", None),
            "age": age_on(intake.date_of_birth, day) if intake else None,
            "history": history,
            "existing_gfe": existing_gfe,
            "form": form,
            "counts": _queue_counts(me),
        },
    )


@physician_required
@require_http_methods(["GET", "HEAD", "POST"])
def chart_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    """One treatment record (all its versions); co-sign the latest."""
    me = request.practitioner
    record = get_object_or_404(
        TreatmentRecord.objects.select_related(
            "appointment__client", "appointment__treatment", "author__role", "cosigned_by"
        ),
        pk=record_id,
        appointment__supervising_physician=me,
    )
    if request.method == "POST":
        try:
            clinical.chart_cosign(record=record, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Co-signed.")
            return redirect(reverse("doctor:queue") + "?tab=cosign")
    clinical.medical_record_viewed(
        user=request.user,
        appointment=record.appointment,
        what=f"treatment record v{record.version}",
    )
    versions = record.appointment.treatment_records.select_related("author", "cosigned_by")
    return render(
        request,
        "doctor/chart_detail.html",
        {"record": record, "versions": versions, "counts": _queue_counts(me)},
    )


@physician_required
def supervised(request: HttpRequest) -> HttpResponse:
    """The practitioners this physician supervises, their agreements and what expires soon."""
    me = request.practitioner
    agreements = (
        SupervisionAgreement.objects.filter(physician=me)
        .select_related("practitioner__role", "accepted_by")
        .prefetch_related("treatments")
        .order_by("practitioner__display_name", "-valid_from")
    )
    return render(
        request,
        "doctor/supervised.html",
        {"agreements": agreements, "counts": _queue_counts(me), "today": timezone.localdate()},
    )


@physician_required
@require_POST
def agreement_accept_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = get_object_or_404(
        SupervisionAgreement, pk=agreement_id, physician=request.practitioner
    )
    try:
        agreement_accept(agreement=agreement, user=request.user)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request, f"You accepted the agreement for {agreement.practitioner.display_name}."
        )
    return redirect("doctor:supervised")


@physician_required
def agreement_export(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """Everything an inspector asks about one agreement, as CSV: reviews, charts, co-signatures."""
    agreement = get_object_or_404(
        SupervisionAgreement.objects.select_related("practitioner", "physician", "accepted_by"),
        pk=agreement_id,
        physician=request.practitioner,
    )
    appointments = (
        Appointment.objects.filter(
            practitioner=agreement.practitioner,
            supervising_physician=agreement.physician,
            start__date__gte=agreement.valid_from,
            start__date__lte=agreement.valid_until,
        )
        .select_related("treatment", "client", "review")
        .prefetch_related("treatment_records__cosigned_by")
        .order_by("start")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"agreement-{agreement.pk}-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(["Supervision agreement", agreement.pk])
    writer.writerow(["Practitioner", csv_cell(agreement.practitioner.display_name)])
    writer.writerow(["Physician", csv_cell(agreement.physician.display_name)])
    writer.writerow(["Valid", f"{agreement.valid_from} to {agreement.valid_until}"])
    accepted = (
        f"{agreement.accepted_by} at {timezone.localtime(agreement.accepted_at):%Y-%m-%d %H:%M}"
        if agreement.accepted_at
        else "not accepted"
    )
    writer.writerow(["Accepted by the physician", csv_cell(accepted)])
    writer.writerow(["Charts to co-sign (%)", agreement.chart_review_percent])
    writer.writerow([])
    writer.writerow(
        [
            "Appointment start",
            "Client",
            "Treatment",
            "Status",
            "Review",
            "Reviewed at",
            "Review note",
            "Chart version",
            "Chart written",
            "Product",
            "Lot",
            "Lot expiry",
            "Co-sign needed",
            "Co-signed by",
            "Co-signed at",
        ]
    )
    for appointment in appointments:
        review = getattr(appointment, "review", None)
        records = list(appointment.treatment_records.all()) or [None]
        for record in records:
            writer.writerow(
                [
                    csv_cell(timezone.localtime(appointment.start).strftime("%Y-%m-%d %H:%M")),
                    csv_cell(appointment.client.full_name),
                    csv_cell(appointment.treatment.name),
                    csv_cell(appointment.get_status_display()),
                    csv_cell(review.get_decision_display() if review else ""),
                    csv_cell(
                        timezone.localtime(review.decided_at).strftime("%Y-%m-%d %H:%M")
                        if review and review.decided_at
                        else ""
                    ),
                    csv_cell(review.note if review else ""),
                    csv_cell(record.version if record else ""),
                    csv_cell(
                        timezone.localtime(record.created_at).strftime("%Y-%m-%d %H:%M")
                        if record
                        else ""
                    ),
                    csv_cell(record.product if record else ""),
                    csv_cell(record.lot_number if record else ""),
                    csv_cell(record.lot_expiry if record else ""),
                    csv_cell(("yes" if record.needs_cosign else "no") if record else ""),
                    csv_cell(
                        record.cosigned_by.display_name if record and record.cosigned_by else ""
                    ),
                    csv_cell(
                        timezone.localtime(record.cosigned_at).strftime("%Y-%m-%d %H:%M")
                        if record and record.cosigned_at
                        else ""
                    ),
                ]
            )
    clinical.log_access(
        user=request.user,
        action=MedicalAuditLog.Action.EXPORTED,
        what=f"agreement {agreement.pk} export",
    )
    return response


practitioner_only = practitioner_required(physician=False)


@sensitive_post_parameters()
@practitioner_only
@require_http_methods(["GET", "HEAD", "POST"])
def record_write(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The performing practitioner writes (or amends) the treatment record."""
    appointment = get_object_or_404(
        Appointment.objects.select_related(
            "treatment", "client", "practitioner", "supervising_physician"
        ),
        pk=appointment_id,
        practitioner=request.practitioner,
        treatment__kind="medical",
    )
    latest = clinical.latest_record(appointment)
    form = ChartForm(request.POST or None, initial=ChartForm.initial_from(latest))
    if request.method == "POST" and form.is_valid():
        try:
            clinical.chart_write(appointment=appointment, user=request.user, entry=form.entry())
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "Treatment record saved.")
            return redirect("doctor:record_write", appointment_id=appointment.pk)
    clinical.medical_record_viewed(
        user=request.user, appointment=appointment, what="treatment record (practitioner)"
    )
    return render(
        request,
        "doctor/record_form.html",
        {
            "appointment": appointment,
            "form": form,
            "latest": latest,
            "versions": appointment.treatment_records.select_related("cosigned_by"),
            "is_completed": appointment.status == Appointment.Status.COMPLETED,
            "spa_zone": settings.TIME_ZONE,
        },
    )


@practitioner_only
def staff_home(request: HttpRequest) -> HttpResponse:
    """A practitioner's own medical appointments: today's, and recent ones to chart."""
    me = request.practitioner
    today = timezone.localdate()
    appointments = (
        Appointment.objects.filter(
            practitioner=me,
            treatment__kind="medical",
            start__date__gte=today - datetime.timedelta(days=14),
            start__date__lte=today + datetime.timedelta(days=1),
        )
        .exclude(status__in=Appointment.FREEING_STATUSES)
        .select_related("client", "treatment")
        .annotate(records=Count("treatment_records"))
        .order_by("-start")
    )
    return render(request, "doctor/staff_home.html", {"appointments": appointments, "me": me})


def after_login(request: HttpRequest) -> HttpResponse:
    """Where each kind of staff member starts: doctors their queue, practitioners their
    appointments, the front desk the admin."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    me = clinical.practitioner_of(request.user)
    if me is not None and me.role.can_supervise:
        return redirect("doctor:queue")
    if me is not None:
        return redirect("doctor:staff_home")
    if request.user.is_staff:
        return redirect("admin:index")
    return redirect("treatments:home")
