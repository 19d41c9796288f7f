"""What the booking page knows of a signed-in client: who they are and, for a medical
treatment, their saved answers (services/saved_intake.py). An anonymous visitor gets
neither, and a client only ever their own: both come from the session, never from
anything the request names. The page is private (never_cache; a visitor with a
session never gets the shared page cache, medspa/page_cache.py)."""

from django.http import HttpRequest

from bookings.services.saved_intake import saved_for_treatment, saved_intake_for
from bookings.views.client_session import signed_in_client
from practitioners.models import Practitioner
from treatments.models import Treatment


def booking_form_kwargs(
    request: HttpRequest, treatment: Treatment, practitioners: list[Practitioner]
) -> dict:
    """BookingForm's keyword arguments for this request, `client` and `saved` included
    (None for an anonymous visitor). The view passes `client` on as the booking's
    client record: signing in proved the email, so the booking joins it at once."""
    client = signed_in_client(request)
    saved = None
    if client and treatment.is_medical:
        saved = saved_intake_for(client, submission=request.POST.get("submission", ""))
    return {
        "treatment": treatment,
        "practitioners": practitioners,
        "client": client,
        "saved": saved_for_treatment(saved, treatment),
    }
