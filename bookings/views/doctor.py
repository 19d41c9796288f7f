"""The supervising doctor's portal (/doctor/).

Every query is scoped to the logged-in physician, so another doctor's review or
chart id is a 404; every read of a medical record is logged."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from bookings.forms.doctor import DecisionForm
from bookings.forms.fields import add_service_errors
from bookings.models import Appointment, MedicalAuditLog, Review, TreatmentRecord
from bookings.services.clients import identity_mismatches
from bookings.services.intake import age_on, answers_shown, flags_shown, intake_labels, texts_shown
from bookings.services.records import (
    chart_cosign,
    exam_for_visit,
    log_reads,
    medical_record_viewed,
)
from bookings.services.reviews import review_decide
from bookings.views.staff_access import physician_required
from medspa.clock import export_time
from medspa.spreadsheets import csv_download
from practitioners.models import Practitioner, SupervisionAgreement
from practitioners.supervision import agreement_accept

# A busy doctor has hundreds of requests waiting: a page at a time, soonest first.
QUEUE_PAGE_SIZE = 25


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
            .select_related("appointment__treatment", "author__role")
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
                "appointment__treatment",
                "appointment__practitioner__role",
                "appointment__intake",
            )
            .order_by(*order)
        )
    reviews = list(reviews or [])
    intakes = [getattr(review.appointment, "intake", None) for review in reviews]
    labels = intake_labels(intakes) if reviews else {}
    rows = [
        {
            "review": review,
            "appointment": review.appointment,
            "age": age_on(intake.date_of_birth, timezone.localtime(review.appointment.start).date())
            if intake
            else None,
            "flags": flags_shown(intake, labels),
        }
        for review, intake in zip(reviews, intakes, strict=True)
    ]
    shown = [row["appointment"].pk for row in rows] + [r.appointment_id for r in records or []]
    log_reads(user=request.user, appointment_ids=shown, what=f"review queue ({tab})")
    return render(
        request,
        "bookings/doctor/queue.html",
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
    existing_gfe = exam_for_visit(appointment, day=day)
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
                exam_at_visit=form.exam_at_visit(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            verb = "approved" if form.cleaned_data["decision"] == "approved" else "declined"
            messages.success(request, f"Review {verb}. The client has been emailed.")
            return redirect("doctor:queue")
    medical_record_viewed(
        user=request.user, appointment=appointment, what="intake, consent and review"
    )
    # Another visit's history only for a client whose email is proven: until then
    # anyone may have typed it.
    history = (
        Appointment.objects.filter(client_id=appointment.client_id, treatment__kind="medical")
        .exclude(pk=appointment.pk)
        .select_related("treatment", "practitioner", "review")
        .order_by("-start")[:20]
        if appointment.client_id
        else []
    )
    intake = getattr(appointment, "intake", None)
    labels = intake_labels([intake])
    return render(
        request,
        "bookings/doctor/review_detail.html",
        {
            "review": review,
            "appointment": appointment,
            "intake": intake,
            "flags": flags_shown(intake, labels),
            "answers": answers_shown(intake, labels) if intake else [],
            "texts": texts_shown(intake) if intake else [],
            "consent": getattr(appointment, "consent", None),
            "age": age_on(intake.date_of_birth, day) if intake else None,
            "history": history,
            "mismatches": identity_mismatches(appointment),
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
            chart_cosign(record=record, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Co-signed.")
            return redirect(reverse("doctor:queue") + "?tab=cosign")
    medical_record_viewed(
        user=request.user,
        appointment=record.appointment,
        what=f"treatment record v{record.version}",
    )
    versions = record.appointment.treatment_records.select_related("author", "cosigned_by")
    return render(
        request,
        "bookings/doctor/chart_detail.html",
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
        "bookings/doctor/supervised.html",
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
        .select_related("treatment", "client", "review", "intake")
        .prefetch_related("treatment_records__cosigned_by")
        .order_by("start")
    )
    labels = intake_labels(getattr(appointment, "intake", None) for appointment in appointments)
    accepted = (
        f"{agreement.accepted_by} at {export_time(agreement.accepted_at)}"
        if agreement.accepted_at
        else "not accepted"
    )
    summary = [
        ["Supervision agreement", agreement.pk],
        ["Practitioner", agreement.practitioner.display_name],
        ["Physician", agreement.physician.display_name],
        ["Valid", f"{agreement.valid_from} to {agreement.valid_until}"],
        ["Accepted by the physician", accepted],
        ["Charts to co-sign (%)", agreement.chart_review_percent],
        [],
        EXPORT_COLUMNS,
    ]
    rows = [
        _export_row(appointment, record, labels)
        for appointment in appointments
        for record in list(appointment.treatment_records.all()) or [None]
    ]
    log_reads(
        user=request.user,
        appointment_ids=[appointment.pk for appointment in appointments],
        what=f"agreement {agreement.pk} export",
        action=MedicalAuditLog.Action.EXPORTED,
    )
    filename = f"agreement-{agreement.pk}-{timezone.localdate():%Y%m%d}.csv"
    return csv_download(filename, [*summary, *rows])


EXPORT_COLUMNS = [
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
    "Intake flags",
]


def _export_row(
    appointment: Appointment, record: TreatmentRecord | None, labels: dict[str, str]
) -> list[object]:
    """One chart version of an appointment (or the appointment alone, without a chart)."""
    review = getattr(appointment, "review", None)
    flags = flags_shown(getattr(appointment, "intake", None), labels)
    chart = (
        [
            record.version,
            export_time(record.created_at),
            record.product,
            record.lot_number,
            record.lot_expiry,
            "yes" if record.needs_cosign else "no",
            record.cosigned_by.display_name if record.cosigned_by else "",
            export_time(record.cosigned_at),
        ]
        if record
        else [""] * 8
    )
    return [
        export_time(appointment.start),
        appointment.client_full_name,
        appointment.treatment.name,
        appointment.get_status_display(),
        review.get_decision_display() if review else "",
        export_time(review.decided_at) if review else "",
        review.note if review else "",
        *chart,
        "; ".join(str(flag) for flag in flags),
    ]
