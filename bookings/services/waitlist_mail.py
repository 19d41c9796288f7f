"""Waitlist mail, through the same outbox as every mail: written in the transaction
that decides it, sent by the worker after commit. No appointment exists yet, so the
rows carry none (OutboundEmail.appointment is nullable)."""

from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.dateformat import format as date_format

from bookings.models import OutboundEmail, WaitlistEntry, WaitlistOffer
from bookings.services import outbox
from bookings.services.outbox import SEND_EMAIL_TASK, hand_to_worker
from medspa.clock import client_date, client_when, clock, spa_local


class Kind(StrEnum):
    JOINED = "waitlist_joined"
    OFFER = "waitlist_offer"


SUBJECTS = {
    Kind.JOINED: "You are on our waitlist",
    Kind.OFFER: "A time has come free for you",
}


def _context(entry: WaitlistEntry, offer: WaitlistOffer | None) -> dict[str, object]:
    context: dict[str, object] = {
        "first_name": entry.first_name,
        # Medical treatments are never named in mail (read on shared phones).
        "title": entry.public_title,
        "windows": [
            f"{client_date(window.date_from)} to {client_date(window.date_to)}, "
            f"starting {clock(window.earliest)} to {clock(window.latest)}"
            if window.date_from != window.date_to
            else f"{client_date(window.date_from)}, starting {clock(window.earliest)} to "
            f"{clock(window.latest)}"
            for window in entry.windows.all()
        ],
        "leave_url": settings.SITE_URL + entry.get_leave_url(),
        "spa_name": settings.SPA_NAME,
        "spa_phone": settings.SPA_PHONE,
        "hold_minutes": settings.WAITLIST_HOLD_MINUTES,
    }
    if offer is not None:
        context |= {
            "when_text": f"{client_when(offer.start)} ({date_format(spa_local(offer.start), 'T')})",
            "hold_until": clock(offer.hold_until),
            "offer_url": settings.SITE_URL + offer.get_absolute_url(),
            # A name on a lock screen hints at a medical visit: medical mail omits it.
            "practitioner_name": ""
            if entry.treatment.is_medical
            else offer.practitioner.display_name,
        }
    return context


def queue_waitlist_mail(
    entry: WaitlistEntry, kind: Kind, offer: WaitlistOffer | None = None
) -> OutboundEmail:
    """Queue one waitlist mail in the current transaction; the worker sends it after
    commit (a rolled-back join or offer sends nothing)."""
    context = _context(entry, offer)
    email = OutboundEmail(
        to=entry.email,
        kind=str(kind),
        subject=f"{SUBJECTS[kind]} - {settings.SPA_NAME}",
        body=render_to_string(f"emails/{kind}.txt", context),
        html_body=render_to_string(f"emails/{kind}.html", context),
        **outbox.new_row_times(),
    )
    email.save(force_insert=True)
    transaction.on_commit(lambda: hand_to_worker(SEND_EMAIL_TASK, email.pk), robust=True)
    return email
