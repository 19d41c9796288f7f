"""The waitlist's public pages: join (CONTRACT.md: POST /waitlist/<slug>/), leave by
the mailed link, and the mailed offer of a freed time (GET shows it, POST books it)."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from bookings.availability import Policy
from bookings.forms.fields import add_service_errors, parse_day
from bookings.forms.waitlist import OfferAcceptForm, WaitlistJoinForm, default_window
from bookings.models import WaitlistEntry, WaitlistOffer, normalise_email
from bookings.selectors.booking import bookable_treatment, qualified_practitioners
from bookings.services.intake import DEFAULT_CONSENT
from bookings.services.waitlist import waitlist_join, waitlist_leave
from bookings.services.waitlist_offers import OfferGone, offer_accept
from bookings.views.ratelimit import rate_limited, too_many_mails_asked
from medspa.client_address import client_address


@never_cache
@transaction.non_atomic_requests  # waitlist_join opens the transaction that writes
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited
def join(request: HttpRequest, slug: str) -> HttpResponse:
    """The join form (from the booking page's "Join the waitlist"), and joining."""
    treatment = bookable_treatment(slug)
    if treatment is None:
        raise Http404("No such treatment")
    practitioners = qualified_practitioners(treatment)
    if request.method == "POST":
        form = WaitlistJoinForm(request.POST, treatment=treatment, practitioners=practitioners)
        if form.is_valid() and too_many_mails_asked(
            request, normalise_email(form.client_details().email)
        ):
            # Each join mails (a confirmation, or the open entry's link again).
            response = render(
                request,
                "bookings/public/waitlist_too_many.html",
                {"treatment": treatment},
                status=429,
            )
            response["Retry-After"] = "3600"
            return response
        if form.is_valid():
            try:
                waitlist_join(
                    treatment=treatment,
                    practitioner=form.cleaned_data["practitioner"],
                    client=form.client_details(),
                    windows=form.windows(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("bookings:waitlist_joined", slug=treatment.slug)
    else:
        today = timezone.localdate(timezone.now(), Policy.from_settings().zone)
        initial = default_window(parse_day(request.GET.get("date")), today)
        wanted = request.GET.get("practitioner", "")
        if wanted in {str(p.pk) for p in practitioners}:
            initial["practitioner"] = wanted
        form = WaitlistJoinForm(initial=initial, treatment=treatment, practitioners=practitioners)
    return render(
        request,
        "bookings/public/waitlist_join.html",
        # A refusal is the page again with its messages, as the booking form's.
        {
            "treatment": treatment,
            "form": form,
            "waitlist_hold_minutes": settings.WAITLIST_HOLD_MINUTES,
        },
    )


@require_safe
def joined(request: HttpRequest, slug: str) -> HttpResponse:
    treatment = bookable_treatment(slug)
    if treatment is None:
        raise Http404("No such treatment")
    context = {"treatment": treatment, "waitlist_hold_minutes": settings.WAITLIST_HOLD_MINUTES}
    return render(request, "bookings/public/waitlist_joined.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def leave(request: HttpRequest, token: str) -> HttpResponse:
    """The mailed link: a page with one button (a mail scanner's GET changes nothing)."""
    entry = get_object_or_404(WaitlistEntry.objects.select_related("treatment"), token=token)
    if request.method == "POST":
        entry = waitlist_leave(entry=entry)
    return render(request, "bookings/public/waitlist_leave.html", {"entry": entry})


def _offer_page(request: HttpRequest, offer: WaitlistOffer, form) -> HttpResponse:
    now = timezone.now()
    live = offer.state == WaitlistOffer.State.HELD and offer.hold_until > now
    context = {
        "offer": offer,
        "treatment": offer.entry.treatment,
        "live": live,
        "form": form if live else None,
        "default_consent": DEFAULT_CONSENT,
    }
    # An offer no longer open is gone for good: 410, a page with words and no form.
    return render(
        request,
        "bookings/public/waitlist_offer.html",
        context,
        status=200 if live else 410,
    )


@sensitive_post_parameters()  # health answers never reach an error report
@never_cache
@transaction.non_atomic_requests  # offer_accept opens the transaction that writes
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited
def offer(request: HttpRequest, token: str) -> HttpResponse:
    """A mailed offer: the time while it is held; POST books it (the booking's redirect)."""
    offer = get_object_or_404(
        WaitlistOffer.objects.select_related("entry__treatment", "practitioner__role"),
        token=token,
    )
    treatment = offer.entry.treatment
    if request.method != "POST":
        form = OfferAcceptForm(
            initial={"submission": secrets.token_urlsafe(24)}, treatment=treatment
        )
        return _offer_page(request, offer, form)
    treatment = bookable_treatment(treatment.slug) or treatment  # the intake's questions
    form = OfferAcceptForm(request.POST, treatment=treatment)
    if form.is_valid():
        try:
            appointment = offer_accept(
                offer=offer,
                intake=form.intake_answers(),
                consent=form.consent_given(
                    client_address(request), request.headers.get("User-Agent", "")
                ),
                submission_key=form.cleaned_data["submission"] or None,
            )
        except OfferGone as gone:
            offer.refresh_from_db()
            return render(
                request,
                "bookings/public/waitlist_offer.html",
                {"offer": offer, "treatment": treatment, "live": False, "refusal": gone.messages},
                status=410,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(appointment)
    return _offer_page(request, offer, form)
