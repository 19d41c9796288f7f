"""Public booking pages: book, the availability API, and the client's manage link."""

import datetime
import functools
import re
import secrets
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings.availability import Policy
from bookings.forms.fields import add_service_errors, parse_day, parse_start
from bookings.forms.public import BookingForm, RescheduleForm
from bookings.models import Appointment
from bookings.selectors.booking import available_slots, bookable_treatment, qualified_practitioners
from bookings.selectors.calendar_file import appointment_ics
from bookings.selectors.history import client_history
from bookings.selectors.time_picker import build_picker, move_picker, nearest_free_times
from bookings.services.appointment_changes import (
    appointment_can_change_online,
    appointment_cancel,
    appointment_reschedule,
    cancellation_deadline,
    manage_link_expired,
)
from bookings.services.appointments import RESOURCE_TAKEN, SLOT_TAKEN, appointment_book
from bookings.services.clients import (
    EmailProofExpired,
    appointment_for_proof,
    appointment_prove_email,
)
from bookings.services.intake import DEFAULT_CONSENT
from bookings.views.ratelimit import rate_limited
from bookings.views.signed_in_booking import booking_form_kwargs
from medspa.client_address import client_address
from medspa.page_cache import free_times_page
from practitioners.models import Practitioner

MAX_API_DAYS = 31


SLUG_SHAPE = re.compile(r"[-a-zA-Z0-9_]{1,120}")


# A query-string value that can name a cached variant: a date, a number or nothing.
PLAIN_VALUE = re.compile(r"[-0-9]{0,12}")


def _plain_variant(*values: str) -> str | None:
    """The cache key part for these values, or None when one of them is odd (such a
    request is answered fresh, and its answer is usually an error)."""
    if not all(PLAIN_VALUE.fullmatch(value) for value in values):
        return None
    return "|".join(values)


def _availability_variant(request: HttpRequest) -> str | None:
    slug = request.GET.get("treatment", "")
    if not SLUG_SHAPE.fullmatch(slug):
        return None
    params = (request.GET.get(name, "") for name in ("date", "days", "practitioner"))
    variant = _plain_variant(*params)
    return variant and f"{slug}|{variant}"


def _time_picker_variant(request: HttpRequest, slug: str) -> str | None:
    """The booking page before a time is chosen; with `start` it holds a form."""
    if "start" in request.GET:
        return None
    params = (request.GET.get(name, "") for name in ("practitioner", "from", "date"))
    variant = _plain_variant(*params)
    return variant and f"{slug}|{variant}"


def _start_asked(params) -> datetime.datetime | None:
    """The time a link or form asks for; a malformed one just isn't chosen yet."""
    try:
        return parse_start(params["start"]) if params.get("start") else None
    except ValidationError:
        return None


def _day_shown(request: HttpRequest, start: datetime.datetime | None) -> datetime.date | None:
    """The picker's day: the one asked for, else the chosen time's."""
    asked = parse_day(request.GET.get("date"))
    return asked or (start.astimezone(Policy.from_settings().zone).date() if start else None)


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


@transaction.non_atomic_requests  # reads only: no transaction to open and commit
@require_safe
@free_times_page(_availability_variant)
def availability_api(request: HttpRequest) -> HttpResponse:
    """Free slots as JSON (CONTRACT.md): 404 unknown treatment, 400 bad parameters."""
    slug = request.GET.get("treatment", "")
    if not slug:
        return _bad_request("The treatment parameter is required.")
    if not SLUG_SHAPE.fullmatch(slug):
        return JsonResponse({"error": "No such treatment."}, status=404)
    treatment = bookable_treatment(slug)
    if treatment is None:
        return JsonResponse({"error": "No such treatment."}, status=404)
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return _bad_request("date must be a date as YYYY-MM-DD.")
    try:
        days = int(request.GET.get("days", "1"))
    except ValueError:
        return _bad_request("days must be a whole number from 1 to 31.")
    if not 1 <= days <= MAX_API_DAYS:
        return _bad_request("days must be a whole number from 1 to 31.")
    policy = Policy.from_settings(treatment)
    now = timezone.now()
    today = now.astimezone(policy.zone).date()
    if not today <= day <= policy.last_bookable_day(now):
        return _bad_request(
            f"date must be between {today.isoformat()} and "
            f"{policy.last_bookable_day(now).isoformat()}."
        )
    practitioner_id = None
    if request.GET.get("practitioner"):
        try:
            practitioner_id = int(request.GET["practitioner"])
        except ValueError:
            return _bad_request("practitioner must be a practitioner's id.")
    practitioners = qualified_practitioners(treatment)
    if practitioner_id is not None and practitioner_id not in {p.pk for p in practitioners}:
        return _bad_request("That practitioner does not perform this treatment.")
    slots = available_slots(
        treatment,
        first_day=day,
        days=days,
        now=now,
        policy=policy,
        practitioner_id=practitioner_id,
        practitioners=practitioners,
    )
    return JsonResponse(
        {
            "treatment": treatment.slug,
            "date": day.isoformat(),
            "time_zone": str(policy.zone),
            "slots": [slot.as_dict(policy.zone) for slot in slots],
        }
    )


def _chosen_practitioner(
    value: str | None, practitioners: list[Practitioner]
) -> Practitioner | None:
    try:
        wanted = int(value) if value else None
    except ValueError:
        return None
    return next((p for p in practitioners if p.pk == wanted), None)


@sensitive_post_parameters()  # health answers never reach an error report
@never_cache
# Reads need no transaction; appointment_book() opens the one that writes.
@transaction.non_atomic_requests
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited
@free_times_page(_time_picker_variant)
def book(request: HttpRequest, slug: str) -> HttpResponse:
    """Choose a practitioner, a day and a time, then details (and intake and consent)."""
    treatment = bookable_treatment(slug)
    if treatment is None:
        raise Http404("No such treatment")
    practitioners = qualified_practitioners(treatment)
    source = request.POST if request.method == "POST" else request.GET
    chosen = _chosen_practitioner(source.get("practitioner"), practitioners)
    start = _start_asked(source)
    form = None
    nearest = []
    form_kwargs = booking_form_kwargs(request, treatment, practitioners)
    if request.method == "POST":
        form = BookingForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                appointment = appointment_book(
                    treatment=treatment,
                    practitioner=form.cleaned_data["practitioner"],
                    start=form.cleaned_data["start"],
                    client=form.client_details(),
                    intake=form.intake_answers(),
                    consent=form.consent_given(
                        client_address(request), request.headers.get("User-Agent", "")
                    ),
                    submission_key=form.cleaned_data["submission"] or None,
                    client_record=form.client,
                )
            except ValidationError as error:
                wanted_start = form.cleaned_data["start"]
                add_service_errors(form, error)
                taken = any(
                    item.code in (SLOT_TAKEN, RESOURCE_TAKEN)
                    for item in error.error_dict.get("start", [])
                )
                if taken:
                    nearest = nearest_free_times(
                        treatment,
                        around=wanted_start,
                        practitioner_id=chosen.pk if chosen else None,
                    )
            else:
                return redirect(appointment)
    elif start is not None:
        form = BookingForm(
            initial={
                "start": source["start"],
                "practitioner": chosen.pk if chosen else "",
                "submission": secrets.token_urlsafe(24),
            },
            **form_kwargs,
        )

    picker = build_picker(
        treatment,
        practitioner_id=chosen.pk if chosen else None,
        strip_from=parse_day(request.GET.get("from")),
        selected=_day_shown(request, start),
        merge_practitioners=chosen is None,
        practitioners=practitioners,
    )
    context = {
        "treatment": treatment,
        "practitioners": practitioners,
        "chosen": chosen,
        "start": start,
        "form": form,
        "picker": picker,
        "nearest": nearest,
        "default_consent": DEFAULT_CONSENT,
    }
    return render(request, "bookings/public/book.html", context)


def manage_link(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The appointment a client's link names (404 for an unknown token), or the
    "this link has expired" page, which allows nothing."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        appointment = get_object_or_404(
            Appointment.objects.select_related(
                "treatment", "practitioner__role", "client", "supervising_physician"
            ),
            token=token,
        )
        if manage_link_expired(appointment):
            context = {"days_after_visit": settings.MANAGE_LINK_DAYS_AFTER_VISIT}
            return render(request, "bookings/public/link_expired.html", context, status=410)
        return view(request, appointment)

    return wrapper


@never_cache
@require_safe
@manage_link
def manage(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    return render(
        request,
        "bookings/public/appointment_manage.html",
        {
            "appointment": appointment,
            "can_change": appointment_can_change_online(appointment),
            "can_confirm": appointment.start > timezone.now(),
            "deadline": cancellation_deadline(appointment),
            "history": client_history(appointment),
        },
    )


@never_cache
@require_POST
@manage_link
def cancel(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    try:
        appointment_cancel(appointment=appointment, by_client=True)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your appointment is cancelled. We have emailed you.")
    return redirect(appointment, permanent=False)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited
@manage_link
def reschedule(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    if not appointment_can_change_online(appointment):
        messages.error(
            request,
            "This appointment can no longer be changed online. Please call us.",
        )
        return redirect(appointment)
    source = request.POST if request.method == "POST" else request.GET
    start = _start_asked(source)
    practitioners = qualified_practitioners(appointment.treatment)
    form = None
    if request.method == "POST":
        form = RescheduleForm(request.POST, practitioners=practitioners)
    if form is not None and form.is_valid():
        try:
            moved = appointment_reschedule(
                appointment=appointment,
                start=form.cleaned_data["start"],
                practitioner=form.cleaned_data["practitioner"],
                by_client=True,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if moved.status == Appointment.Status.PENDING_REVIEW:
                messages.warning(
                    request,
                    "Your appointment has moved. Our supervising physician reviews it again "
                    "before it is confirmed; we have emailed you.",
                )
            else:
                messages.success(request, "Your appointment has moved. We have emailed you.")
            return redirect(appointment)
    chosen = RescheduleForm.practitioner_shown(
        source.get("practitioner"), practitioners, appointment.practitioner_id
    )
    picker, moving_to = move_picker(
        appointment,
        practitioners=practitioners,
        chosen=chosen,
        start=start,
        strip_from=parse_day(request.GET.get("from")),
        selected=_day_shown(request, start),
    )
    context = {
        "appointment": appointment,
        "practitioners": practitioners,
        "chosen": chosen,
        "any": RescheduleForm.ANY,
        "moving_to": moving_to,
        "picker": picker,
        "start": start,
        "form": form,
    }
    return render(request, "bookings/public/appointment_reschedule.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def email_proof(request: HttpRequest, proof: str) -> HttpResponse:
    """The link in a booking's first mail: GET asks (mail scanners open links), POST
    proves the email, and the visit joins the client's record."""
    try:
        appointment = appointment_for_proof(proof)
    except EmailProofExpired:
        context = {"expired": True, "proof_days": settings.EMAIL_PROOF_LINK_DAYS}
        return render(request, "bookings/public/email_proof.html", context, status=410)
    if appointment is None:
        raise Http404("No such link")
    context = {"appointment": appointment}
    if request.method == "POST" and request.POST.get("answer") == "no":
        # Someone else used this address: the visit stays apart from the owner's record.
        return render(request, "bookings/public/email_proof.html", {**context, "disowned": True})
    if request.method == "POST" and request.POST.get("answer") == "yes":
        try:
            appointment_prove_email(appointment=appointment)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Thank you: your email address is confirmed.")
            return redirect(appointment)
    return render(request, "bookings/public/email_proof.html", context)


@never_cache
@require_safe
@manage_link
def calendar_file(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    response = HttpResponse(
        appointment_ics(appointment), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response
