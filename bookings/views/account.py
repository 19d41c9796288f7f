"""The client's account (CONTRACT.md: /account/...): sign in by a mailed link, see and
manage their bookings, keep their details and preferences, take or close their data.

Asking for a link (or for one's booking links) answers the same page, after the same
work, whether or not we know the address: see services/client_accounts.py.
"""

import functools
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings.forms.account import CloseAccountForm, DetailsForm, EmailForm, PreferencesForm
from bookings.models import Client
from bookings.selectors.account import (
    account_appointments,
    client_export,
    mail_preferences,
    texts_stopped,
)
from bookings.services import client_accounts
from bookings.services.appointment_changes import appointment_can_change_online
from bookings.views.client_session import sign_client_in, sign_client_out, signed_in_client
from bookings.views.ratelimit import too_many_mails_asked
from medspa.phones import phone_display


def _signed_in_only(view):
    """The account's own pages: a visitor who is not signed in goes to the sign-in form."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        client = signed_in_client(request)
        if client is None:
            messages.info(request, "Please sign in first.")
            return redirect("bookings:account")
        return view(request, client, *args, **kwargs)

    return wrapper


@never_cache
@require_safe
def account(request: HttpRequest) -> HttpResponse:
    client = signed_in_client(request)
    if client is None:
        return render(
            request,
            "bookings/account/sign_in.html",
            {"form": EmailForm(), "find_form": EmailForm(auto_id="find_%s")},
        )
    return _account_page(request, client)


def _account_page(
    request: HttpRequest,
    client: Client,
    *,
    details_form: DetailsForm | None = None,
    preferences_form: PreferencesForm | None = None,
    close_form: CloseAccountForm | None = None,
    status: int = 200,
) -> HttpResponse:
    appointments = account_appointments(client)
    now = timezone.now()
    upcoming = [
        (appointment, appointment_can_change_online(appointment, now))
        for appointment in appointments.upcoming
    ]
    context = {
        "client": client,
        "upcoming": upcoming,
        "past": appointments.past,
        "details_form": details_form
        or DetailsForm(
            initial={
                "first_name": client.first_name,
                "last_name": client.last_name,
                "phone": phone_display(client.phone) if client.phone else "",
            }
        ),
        "preferences_form": preferences_form or PreferencesForm(initial=mail_preferences(client)),
        "texts_stopped": texts_stopped(client),
        "close_form": close_form or CloseAccountForm(),
    }
    return render(request, "bookings/account/account.html", context, status=status)


def _mail_asked(request: HttpRequest, ask, template: str, form_name: str) -> HttpResponse:
    """Sign-in and find-my-booking: a valid address gets the same page whether or not
    we know it, after the same work (one task queued)."""
    form = EmailForm(request.POST, auto_id="find_%s" if form_name == "find_form" else "id_%s")
    if not form.is_valid():
        context = {"form": EmailForm(), "find_form": EmailForm(auto_id="find_%s")}
        context[form_name] = form
        return render(request, "bookings/account/sign_in.html", context, status=400)
    email = form.cleaned_data["email"]
    if too_many_mails_asked(request, email):
        response = render(request, "bookings/account/too_many.html", status=429)
        response["Retry-After"] = "3600"
        return response
    ask(email)
    return render(request, template)


@never_cache
@require_POST
def sign_in(request: HttpRequest) -> HttpResponse:
    return _mail_asked(
        request, client_accounts.ask_for_sign_in_link, "bookings/account/link_sent.html", "form"
    )


@never_cache
@require_POST
def find_booking(request: HttpRequest) -> HttpResponse:
    return _mail_asked(
        request,
        client_accounts.ask_for_booking_links,
        "bookings/account/links_sent.html",
        "find_form",
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows whose account the link opens and asks; POST signs in. A mail scanner
    or a chat preview that opens the link uses nothing, and nobody is signed in to
    someone else's account by a link they were sent without seeing whose it is."""
    try:
        if request.method != "POST":
            email = client_accounts.email_of_link(token)
            return render(request, "bookings/account/sign_in_confirm.html", {"email": email})
        client = client_accounts.sign_in_with_link(token)
    except client_accounts.LinkRefused as refused:
        return render(
            request,
            "bookings/account/link_refused.html",
            {"reason": str(refused), "form": EmailForm()},
            status=410,
        )
    sign_client_in(request, client)
    messages.success(request, f"Welcome, {client.first_name}. You are signed in.")
    # Away from the address that held the token (history, the Referer of the next page).
    return redirect("bookings:account")


@never_cache
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    sign_client_out(request)
    messages.success(request, "You are signed out.")
    return redirect("bookings:account")


@never_cache
@require_POST
@_signed_in_only
def details(request: HttpRequest, client: Client) -> HttpResponse:
    form = DetailsForm(request.POST)
    if not form.is_valid():
        return _account_page(request, client, details_form=form, status=400)
    client_accounts.update_details(client, **form.cleaned_data)
    messages.success(request, "Your details are saved.")
    return redirect("bookings:account")


@never_cache
@require_POST
@_signed_in_only
def preferences(request: HttpRequest, client: Client) -> HttpResponse:
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        return _account_page(request, client, preferences_form=form, status=400)
    client_accounts.set_preferences(
        client,
        texts=form.cleaned_data.get("texts", False),
        book_again_mail=form.cleaned_data["book_again_mail"],
    )
    messages.success(request, "Your preferences are saved.")
    return redirect("bookings:account")


@never_cache
@require_safe
@_signed_in_only
def export(request: HttpRequest, client: Client) -> HttpResponse:
    """Everything we hold about the client, as a JSON file to keep."""
    data = json.dumps(client_export(client), indent=2, ensure_ascii=False)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    return response


@never_cache
@require_POST
@_signed_in_only
def close(request: HttpRequest, client: Client) -> HttpResponse:
    form = CloseAccountForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                client_accounts.close_account(client)
        except ValidationError as error:
            form.add_error(None, error)
    if not form.is_valid():
        return _account_page(request, client, close_form=form, status=400)
    sign_client_out(request)
    messages.success(
        request,
        "Your account is closed and you are signed out. Your clinical records are kept as "
        "the law requires.",
    )
    return redirect("bookings:account")
