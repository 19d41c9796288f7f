"""Replies to our messages: the reminder's "Confirm" link, the book-again mail's links
(book, unsubscribe), and Twilio's webhooks (a client's text reply, and delivery
reports)."""

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bookings.models import Appointment
from bookings.services.mail_opt_out import email_from_token, opt_out, opted_out
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


@require_safe
def book_again(request: HttpRequest, token: str) -> HttpResponse:
    """The book-again mail's link for a medical treatment: a neutral address in the
    mail (it is read on shared phones), leading to the treatment's booking page. It
    outlives the manage link, and shows nothing of the past visit."""
    appointment = get_object_or_404(Appointment.objects.select_related("treatment"), token=token)
    return redirect("bookings:book", slug=appointment.treatment.slug)


# CSRF protection is for requests that act on a signed-in visitor's cookies; this one
# uses none. What allows the change is the signed token in the address, which only the
# mailed address holds and nobody can forge, so a forged cross-site POST could do no
# more than its sender can do by posting the link itself. Exempt, because the one-click
# unsubscribe of RFC 8058 is a POST from the mail provider's servers, without cookies
# or a CSRF token; the page's own button posts the same body. A GET never changes
# anything (mail scanners open every link), and the page cannot be framed
# (XFrameOptionsMiddleware), so nobody can trick a click on its button.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def mail_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    email = email_from_token(token)
    if email is None:
        raise Http404("Not an unsubscribe link of ours.")
    if request.method == "POST":
        opt_out(email)
    context = {"email": email, "unsubscribed": request.method == "POST" or opted_out(email)}
    return render(request, "bookings/public/mail_unsubscribe.html", context)


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
        # Every value of a repeated field, as Twilio signed them.
        params = {
            key: values if len(values) > 1 else values[0] for key, values in request.POST.lists()
        }
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
        request.GET.get("text", ""),
        request.POST.get("MessageSid", ""),
        request.POST.get("MessageStatus", ""),
        request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)
