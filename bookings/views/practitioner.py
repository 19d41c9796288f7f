"""The practitioner's own pages (/staff/): their day, the good-faith exams waiting (for
those who may examine), and the chart of each visit."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from bookings.forms.fields import add_service_errors
from bookings.forms.practitioner import ChartForm, ExamForm
from bookings.models import Appointment, MedicalAuditLog, Review
from bookings.services.exams import exam_at_visit_record, exam_due
from bookings.services.records import chart_write, latest_record, log_access, medical_record_viewed
from bookings.services.visits import appointment_set_status, status_change_problem
from bookings.views.staff_access import not_yours, practitioner_only

EXAM_AT_THE_VISIT = (
    "the good-faith exam at the visit, which a physician, nurse practitioner or physician "
    "assistant records"
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
    exams = (
        Appointment.objects.filter(
            start__date=today,
            status=Appointment.Status.CHECKED_IN,
            review__decision=Review.Decision.APPROVED,
            review__exam_at_visit=True,
            good_faith_exams__isnull=True,
        ).select_related("treatment", "practitioner")
        if me.role.can_perform_gfe
        else []
    )
    now = timezone.now()
    appointments = list(appointments)
    for appointment in appointments:  # the Complete button, or why not yet
        if appointment.status == Appointment.Status.CHECKED_IN:
            appointment.complete_problem = status_change_problem(appointment, "completed", now)
    context = {"appointments": appointments, "exams": exams, "me": me}
    return render(request, "bookings/practitioner/staff_home.html", context)


@sensitive_post_parameters()
@practitioner_only
@require_http_methods(["GET", "HEAD", "POST"])
def exam_write(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """A physician, NP or PA records the good-faith exam of a client at their visit:
    only a visit of today that waits for one."""
    me = request.practitioner
    if not me.role.can_perform_gfe:
        return not_yours(request, page=EXAM_AT_THE_VISIT)
    appointment = get_object_or_404(
        Appointment.objects.select_related("treatment", "practitioner"),
        pk=appointment_id,
        start__date=timezone.localdate(),
        status=Appointment.Status.CHECKED_IN,
        treatment__kind="medical",
    )
    if not exam_due(appointment):
        raise Http404("No exam waits for this visit.")
    form = ExamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exam = exam_at_visit_record(
                appointment=appointment,
                examiner=me,
                findings=form.cleaned_data["findings"],
                outcome=form.cleaned_data["outcome"],
                restrictions=form.cleaned_data["restrictions"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Exam recorded for {appointment.client_full_name}: {exam.get_outcome_display()}.",
            )
            return redirect("doctor:staff_home")
    log_access(
        user=request.user,
        action=MedicalAuditLog.Action.VIEWED,
        what="good-faith exam at the visit",
        appointment=appointment,
    )
    context = {"appointment": appointment, "form": form}
    return render(request, "bookings/practitioner/exam_form.html", context)


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
    latest = latest_record(appointment)
    form = ChartForm(request.POST or None, initial=ChartForm.initial_from(latest))
    if request.method == "POST" and form.is_valid():
        try:
            chart_write(appointment=appointment, user=request.user, entry=form.entry())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Treatment record saved.")
            return redirect("doctor:record_write", appointment_id=appointment.pk)
    medical_record_viewed(
        user=request.user, appointment=appointment, what="treatment record (practitioner)"
    )
    return render(
        request,
        "bookings/practitioner/record_form.html",
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
@require_POST
def visit_complete(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The performing practitioner marks their checked-in visit completed (the same
    rules as the front desk's button)."""
    appointment = get_object_or_404(
        Appointment, pk=appointment_id, practitioner=request.practitioner
    )
    try:
        appointment_set_status(
            appointment=appointment, status=Appointment.Status.COMPLETED, by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Visit completed: write its treatment record.")
    return redirect("doctor:staff_home")
