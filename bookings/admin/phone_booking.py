"""Booking by phone in the admin: a free time picked in the finder, a returning
client found by phone or name, the website's questions, and a confirmation that
says what happens next. The booking itself is appointment_book's, as online."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, linebreaks

from bookings.forms.desk import treatment_asked_for
from bookings.forms.intake import IntakeQuestions
from bookings.models import Appointment, Client
from bookings.selectors.clients import clients_matching
from bookings.services.appointments import appointment_book
from bookings.services.clients import client_record_for_caller
from bookings.services.intake import DEFAULT_CONSENT
from medspa.clock import staff_time
from medspa.phones import phone_display

CLIENT_FIELDS = [
    "client_record",
    "first_name",
    "last_name",
    "email",
    "phone",
    "sms_opt_in",
    "notes",
]


class PhoneBookingViews:
    """The appointment admin's add page, for a booking taken on the phone."""

    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        if request.method == "GET" and "treatment" not in request.GET:
            # Step 1 is the finder: the time comes first, from the website's free times.
            finder = reverse("admin:bookings_appointment_free_times")
            keep = {k: request.GET[k] for k in ("client",) if request.GET.get(k)}
            return HttpResponseRedirect(f"{finder}?{urlencode(keep)}" if keep else finder)
        search = request.GET.get("find_client", "").strip()
        initial = self.get_changeform_initial_data(request)
        extra_context = {
            **(extra_context or {}),
            "title": "Book by phone: the client and their answers",
            "picked_client": Client.objects.filter(pk=initial.get("client_record")).first()
            if initial.get("client_record")
            else None,
            "client_search": search,
            "client_matches": [
                (client, phone_display(client.phone), self._with_client(request, client))
                for client in clients_matching(search)
            ]
            if search
            else None,
            "finder_link": self._finder_link(request),
        }
        return super().add_view(request, form_url, extra_context)

    @staticmethod
    def _with_client(request: HttpRequest, client: Client) -> str:
        query = request.GET.copy()
        query.pop("find_client", None)
        query["client"] = client.pk
        return f"?{query.urlencode()}"

    @staticmethod
    def _finder_link(request: HttpRequest) -> str:
        keep = {
            "treatment": request.GET.get("treatment", ""),
            "date": request.GET.get("start_date", ""),
            "client": request.GET.get("client", ""),
        }
        query = urlencode({k: v for k, v in keep.items() if v})
        return reverse("admin:bookings_appointment_free_times") + (f"?{query}" if query else "")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        client_id = request.GET.get("client", "")
        client = Client.objects.filter(pk=client_id).first() if client_id.isdigit() else None
        if client is not None:
            initial.update(
                client_record=client.pk,
                first_name=client.first_name,
                last_name=client.last_name,
                email=client.email,
                phone=phone_display(client.phone),
                date_of_birth=client.date_of_birth,
            )
        return initial

    def phone_booking_fieldsets(self, request: HttpRequest) -> list:
        when = ["treatment", "practitioner", "start_date", "start_time", "allow_short_notice"]
        client = [f for f in CLIENT_FIELDS if f != "sms_opt_in" or settings.TEXTS_ENABLED]
        fieldsets = [(None, {"fields": when}), ("Client", {"fields": client})]
        data = request.POST if request.method == "POST" else request.GET
        treatment = treatment_asked_for(data)
        if treatment is not None and treatment.is_medical:
            fieldsets.append(
                (
                    "Health questions: read each one to the client",
                    {"fields": IntakeQuestions.field_names(treatment)},
                )
            )
            fieldsets.append(
                (
                    "Consent",
                    {
                        "fields": ["consent_by_phone"],
                        # Read aloud word for word. The admin shows a description as
                        # HTML: escaped here.
                        "description": linebreaks(
                            treatment.consent_text or DEFAULT_CONSENT, autoescape=True
                        ),
                    },
                )
            )
        return fieldsets

    def book_by_phone(self, request: HttpRequest, obj: Appointment, form) -> None:
        data = form.cleaned_data
        record = data.get("client_record") or client_record_for_caller(
            form.client_details(), data.get("date_of_birth")
        )
        booked = appointment_book(
            treatment=data["treatment"],
            practitioner=data.get("practitioner"),
            start=form.start,
            client=form.client_details(),
            client_record=record,
            intake=form.intake_answers(),
            consent=form.consent(),
            source=Appointment.Source.FRONT_DESK,
            enforce_notice=not data.get("allow_short_notice"),
            by=request.user,
        )
        # The admin goes on with `obj` (its log entry, the redirect): make it the
        # appointment the service booked.
        obj.__dict__.update(booked.__dict__)

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, booked_message(obj))
        if "_addanother" in request.POST:
            return HttpResponseRedirect(reverse("admin:bookings_appointment_free_times"))
        return HttpResponseRedirect(reverse("admin:bookings_appointment_change", args=[obj.pk]))


def booked_message(appointment: Appointment) -> str:
    """What the front desk tells the caller before hanging up."""
    what = (
        f"Booked {appointment.treatment.name} for {appointment.client_full_name}, "
        f"{staff_time(appointment.start)} with {appointment.practitioner.display_name}."
    )
    mail = appointment.client_email
    phone = phone_display(appointment.client_phone)
    if appointment.status == Appointment.Status.PENDING_REVIEW:
        physician = appointment.supervising_physician
        step = (
            f"Next: {physician.display_name if physician else 'the supervising physician'} "
            "reviews the health answers before the visit. "
            + (
                f"The client gets an email at {mail} once it is approved."
                if mail
                else f"No email on file: call the client at {phone} once it is approved."
            )
        )
    else:
        step = (
            f"Confirmed. A confirmation with the link to change or cancel went to {mail}."
            if mail
            else "Confirmed. No email on file, so no confirmation is sent: tell the client "
            "the time now."
        )
    return format_html("{} {}", what, step)
