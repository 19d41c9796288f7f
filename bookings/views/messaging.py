"""Replies to our messages: the reminder's "Confirm" link, and Twilio's webhooks (a
client's text reply, and delivery reports)."""

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bookings.models import Appointment
from bookings.services.reminders import client_confirms
from bookings.services.text_replies import answer_reply, record_delivery
from bookings.views.public import manage_link


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@manage_link
def confirm(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """The reminder's "Confirm" link. A GET only asks (mail scanners open every link);
    the button's POST confirms."""
    confirmed = appointment.client_confirmed_at is not None
    if request.method == "POST":
        confirmed = client_confirms(appointment, timezone.now(), "confirm link")
    context = {
        "appointment": appointment,
        "confirmed": confirmed,
        "can_confirm": appointment.status == Appointment.Status.CONFIRMED
        and appointment.start > timezone.now(),
    }
    return render(request, "bookings/public/appointment_confirm.html", context)


def signed_by_twilio(view: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Only Twilio may call: the request's X-Twilio-Signature must match, computed with
    our auth token over the public URL (SITE_URL: behind the proxy Django sees plain
    http) and the posted fields. Anything else gets 403."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not settings.TWILIO_AUTH_TOKEN or not signature:
            return HttpResponseForbidden("Unsigned request.")
        url = settings.SITE_URL + request.get_full_path()
        params = {key: request.POST.get(key) for key in request.POST}
        if not RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature):
            return HttpResponseForbidden("Bad signature.")
        return view(request)

    return csrf_exempt(require_POST(wrapper))


@signed_by_twilio
def text_inbound(request: HttpRequest) -> HttpResponse:
    answer = answer_reply(
        request.POST.get("From", ""), request.POST.get("Body", ""), timezone.now()
    )
    reply = MessagingResponse()
    if answer:
        reply.message(answer)
    return HttpResponse(str(reply), content_type="text/xml")


@signed_by_twilio
def text_status(request: HttpRequest) -> HttpResponse:
    record_delivery(
        request.POST.get("MessageSid", ""),
        request.POST.get("MessageStatus", ""),
        request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)
