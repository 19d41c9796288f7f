"""The practitioner's own pages (/staff/): their day, their medical visits' intake, the
good-faith exams waiting (for those who may examine), and the chart of each visit."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from bookings.forms.fields import add_service_errors, parse_day
from bookings.forms.practitioner import ChartForm, ExamForm
from bookings.models import Appointment, MedicalAuditLog, Review, TreatmentRecord
from bookings.selectors.resources import with_held_resources
from bookings.services.exams import exam_at_visit_record, exam_due
from bookings.services.intake import answers_shown, flags_shown, intake_labels, texts_shown
from bookings.services.records import (
    chart_write,
    exam_for_visit,
    exams_for_visits,
    latest_record,
    log_access,
    log_reads,
    medical_record_viewed,
)
from bookings.services.visits import appointment_set_status, status_change_problem
from bookings.views.staff_access import not_yours, practitioner_only

EXAM_AT_THE_VISIT = (
    "the good-faith exam at the visit, which a physician, nurse practitioner or physician "
    "assistant records"
)


# The days the page shows: its Previous and Next links never step outside them.
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)
# Completed medical visits stay on the "still to chart" list this long.
CHART_BACKLOG_DAYS = 14


def _day_asked(request: HttpRequest, today: datetime.date) -> datetime.date:
    asked = request.GET.get("day")
    if not asked:
        return today
    day = parse_day(asked)
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        messages.warning(request, "That is not a day we can show (YYYY-MM-DD): here is today.")
        return today
    return day


@practitioner_only
def staff_home(request: HttpRequest) -> HttpResponse:
    """The practitioner's day (?day=YYYY-MM-DD, default today), day spa and medical, each
    medical visit with its intake, consent and exam; the good-faith exams waiting today
    (for those who may examine); completed visits of the last two weeks still to chart."""
    me = request.practitioner
    today = timezone.localdate()
    day = _day_asked(request, today)
    visits = list(
        with_held_resources(
            Appointment.objects.filter(practitioner=me, start__date=day)
            .exclude(status__in=Appointment.FREEING_STATUSES)
            .select_related("treatment", "intake", "consent", "review")
            .annotate(has_record=Exists(TreatmentRecord.objects.filter(appointment=OuterRef("pk"))))
            .order_by("start", "pk")
        )
    )
    medical = [visit for visit in visits if visit.treatment.is_medical]
    exams = exams_for_visits(visit for visit in medical if visit.treatment.requires_gfe)
    labels = intake_labels(getattr(visit, "intake", None) for visit in medical) if medical else {}
    now = timezone.now()
    rows = [
        {
            "visit": visit,
            "intake": getattr(visit, "intake", None),
            "flags": flags_shown(getattr(visit, "intake", None), labels),
            "consent": getattr(visit, "consent", None),
            "review": getattr(visit, "review", None),
            "exam": exams.get(visit.pk),
            # The Complete button, or why not yet.
            "complete_problem": status_change_problem(visit, Appointment.Status.COMPLETED, now)
            if visit.status == Appointment.Status.CHECKED_IN
            else None,
        }
        for visit in visits
    ]
    log_reads(user=request.user, appointment_ids=[v.pk for v in medical], what="practitioner's day")
    to_chart = (
        Appointment.objects.filter(
            practitioner=me,
            treatment__kind="medical",
            status=Appointment.Status.COMPLETED,
            start__date__gte=today - datetime.timedelta(days=CHART_BACKLOG_DAYS),
            start__date__lte=today,
            treatment_records__isnull=True,
        )
        .exclude(start__date=day)  # the day's own are in its schedule
        .select_related("treatment")
        .order_by("start")
    )
    exams_waiting = (
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
    context = {
        "me": me,
        "day": day,
        "today": today,
        "previous_day": max(day - datetime.timedelta(days=1), FIRST_DAY),
        "next_day": min(day + datetime.timedelta(days=1), LAST_DAY),
        "rows": rows,
        "to_chart": to_chart,
        "exams": exams_waiting,
    }
    return render(request, "bookings/practitioner/staff_home.html", context)


@practitioner_only
def intake_read(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The performing practitioner reads their medical visit's intake, consent, review and
    exam (the booking page tells clients their practitioner reads them); logged."""
    appointment = get_object_or_404(
        Appointment.objects.select_related(
            "treatment", "intake", "consent", "review", "supervising_physician"
        ),
        pk=appointment_id,
        practitioner=request.practitioner,
        treatment__kind="medical",
    )
    medical_record_viewed(
        user=request.user, appointment=appointment, what="intake, consent and exam (practitioner)"
    )
    intake = getattr(appointment, "intake", None)
    labels = intake_labels([intake])
    context = {
        "appointment": appointment,
        "intake": intake,
        "flags": flags_shown(intake, labels),
        "answers": answers_shown(intake, labels) if intake else [],
        "texts": texts_shown(intake) if intake else [],
        "consent": getattr(appointment, "consent", None),
        "review": getattr(appointment, "review", None),
        "exam": exam_for_visit(appointment) if appointment.treatment.requires_gfe else None,
    }
    return render(request, "bookings/practitioner/intake.html", context)


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
    form = ChartForm(
        request.POST or None,
        initial=ChartForm.initial_from(latest),
        charting=appointment.treatment.charting,
    )
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
