"""Client accounts without passwords: a mailed link signs a client in.

The request only queues the worker's task (ask_for_sign_in_link): the same work, and
the same answer, whether or not we know the address, so nobody learns from us who
our clients are. The worker decides what to mail (send_sign_in_link).

A link is single use and lasts CLIENT_SIGN_IN_LINK_MINUTES. Only the SHA-256 of its
token is stored, and the mail is sent by the task itself rather than through the
outbox, so no table (nor the admin's outbox list) ever holds a working link; a task
that fails is retried by the worker, and the client can always ask again.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from bookings.models import (
    Appointment,
    AppointmentEvent,
    Client,
    GoodFaithExam,
    MailOptOut,
    SignInLink,
    normalise_email,
)
from bookings.services import messages
from bookings.services.history import record_event
from bookings.services.mail_opt_out import opt_out

SEND_SIGN_IN_LINK_TASK = "bookings.tasks.send_sign_in_link"
SEND_BOOKING_LINKS_TASK = "bookings.tasks.send_booking_links"


class LinkRefused(Exception):
    """A sign-in link that cannot sign anyone in; the message says why, to the client."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ask_for_sign_in_link(email: str) -> None:
    """All a sign-in request does: hand the address to the worker."""
    async_task(SEND_SIGN_IN_LINK_TASK, normalise_email(email))


def address_known(email: str) -> bool:
    """A client record, or a booking typed with this address."""
    return (
        Client.objects.filter(email=email).exists()
        or Appointment.objects.filter(client_email=email).exists()
    )


def new_sign_in_link(email: str, now: datetime.datetime | None = None) -> str:
    """Store a link for `email` and return its URL (the only place the token exists)."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    SignInLink.objects.create(
        email=normalise_email(email),
        token_hash=_hash(token),
        expires_at=now + datetime.timedelta(minutes=settings.CLIENT_SIGN_IN_LINK_MINUTES),
    )
    return settings.SITE_URL + reverse("bookings:account_sign_in_link", kwargs={"token": token})


def send_sign_in_link(email: str, now: datetime.datetime | None = None) -> str:
    """The worker's side: a link for an address we know, a "we have no bookings under
    this address" note for one we don't (a typo is the usual reason). Returns which."""
    email = normalise_email(email)
    known = address_known(email)
    context = {
        "spa_name": settings.SPA_NAME,
        "site_url": settings.SITE_URL,
        "minutes": settings.CLIENT_SIGN_IN_LINK_MINUTES,
        "account_url": settings.SITE_URL + reverse("bookings:account"),
        "link": new_sign_in_link(email, now) if known else "",
    }
    template = "emails/sign_in" if known else "emails/sign_in_unknown"
    subject = "Your sign-in link" if known else "About your sign-in request"
    message = EmailMultiAlternatives(
        subject=f"{subject} - {settings.SPA_NAME}",
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    message.send()
    return "link" if known else "unknown"


def _usable_link(token: str, *, lock: bool) -> SignInLink:
    links = SignInLink.objects.filter(token_hash=_hash(token))
    link = (links.select_for_update() if lock else links).first()
    if link is None:
        raise LinkRefused("This sign-in link is not one of ours. Please ask for a new one.")
    if link.used_at is not None:
        raise LinkRefused("This sign-in link has been used already. Please ask for a new one.")
    if link.expires_at <= timezone.now():
        raise LinkRefused("This sign-in link has expired. Please ask for a new one.")
    return link


def email_of_link(token: str) -> str:
    """The address a usable link signs in as (the page asks before it signs in: a mail
    scanner that opens the link uses nothing). Raises LinkRefused."""
    return _usable_link(token, lock=False).email


def sign_in_with_link(token: str, now: datetime.datetime | None = None) -> Client:
    """Use a mailed link: it proves the address, so the client's record is found (or
    made from their latest booking) and every booking typed with that address joins
    it. The address's other links die with it. Raises LinkRefused for a link unknown,
    used or expired."""
    now = now or timezone.now()
    with transaction.atomic():
        # Locked: two tabs using the same link at once sign in once.
        link = _usable_link(token, lock=True)
        SignInLink.objects.filter(email=link.email, used_at__isnull=True).update(used_at=now)
        client = _client_for_address(link.email)
        if client is None:
            raise LinkRefused("We have no bookings under this address any more.")
        join_bookings(client, now)
    return client


def _client_for_address(email: str) -> Client | None:
    client = Client.objects.filter(email=email).first()
    if client is None:
        latest = Appointment.objects.filter(client_email=email).order_by("-created_at").first()
        if latest is None:
            return None
        try:
            with transaction.atomic():
                client = Client.objects.create(
                    first_name=latest.client_first_name,
                    last_name=latest.client_last_name,
                    email=email,
                    phone=latest.client_phone,
                    date_of_birth=latest.client_date_of_birth,
                )
        except IntegrityError:  # made a moment ago (the proof link, another sign-in)
            client = Client.objects.get(email=email)
    if client.closed_at is not None:
        # Signing in again is asking for the account back.
        client.closed_at = None
        client.save(update_fields=["closed_at", "updated_at"])
    return client


def join_bookings(client: Client, now: datetime.datetime) -> int:
    """Join every booking typed with the client's (now proven) address to the record;
    returns how many joined."""
    joining = list(
        Appointment.objects.select_for_update(no_key=True)
        .filter(client__isnull=True, client_email=client.email)
        .order_by("pk")
    )
    for appointment in joining:
        appointment.client = client
        appointment.email_proven_at = now
        appointment.save(update_fields=["client", "email_proven_at", "updated_at"])
        record_event(appointment, AppointmentEvent.Action.EMAIL_PROVEN, None, "Signed in")
    GoodFaithExam.objects.filter(Q(appointment__in=joining), client__isnull=True).update(
        client=client
    )
    return len(joining)


def close_account(client: Client, now: datetime.datetime | None = None) -> None:
    """The client asked for their account to be closed: the session ends, no texts, no
    "book again" mail. Their appointments and clinical records stay, as the law on
    medical records requires; signing in again opens the account again."""
    now = now or timezone.now()
    # Locked: a booking joining this record (its insert takes a key-share lock on the
    # row) is either seen here as upcoming or made after the closing.
    client = Client.objects.select_for_update().get(pk=client.pk)
    upcoming = client.appointments.holding_time().filter(start__gt=now)
    if upcoming.exists():
        raise ValidationError(
            "You have upcoming appointments. Please cancel them first, or call us."
        )
    client.closed_at = now
    client.sms_opt_in_at = None
    client.save(update_fields=["closed_at", "sms_opt_in_at", "updated_at"])
    opt_out(client.email)


def ask_for_booking_links(email: str) -> None:
    """ "Find my booking": like a sign-in request, the request only queues the task."""
    async_task(SEND_BOOKING_LINKS_TASK, normalise_email(email))


def send_booking_links(email: str, now: datetime.datetime | None = None) -> int:
    """The worker's side of "find my booking": one mail listing the links to the
    address's upcoming appointments (or saying there are none). Through the outbox: the
    links are the appointments' own, stored already."""
    now = now or timezone.now()
    email = normalise_email(email)
    upcoming = list(
        Appointment.objects.holding_time()
        .filter(client_email=email, start__gt=now)
        .select_related("treatment", "practitioner")
        .order_by("start")[:20]
    )
    context = {
        "spa_name": settings.SPA_NAME,
        "site_url": settings.SITE_URL,
        "appointments": [
            (appointment, settings.SITE_URL + appointment.get_absolute_url())
            for appointment in upcoming
        ],
        "account_url": settings.SITE_URL + reverse("bookings:account"),
    }
    with transaction.atomic():
        messages.queue_to_address(
            email,
            kind="booking_links",
            subject=f"Your bookings - {settings.SPA_NAME}",
            body=render_to_string("emails/booking_links.txt", context),
            html_body=render_to_string("emails/booking_links.html", context),
        )
    return len(upcoming)


def update_details(client: Client, *, first_name: str, last_name: str, phone: str) -> None:
    """The record's name and phone, as the client keeps them. Bookings keep what was
    typed for them (the doctor sees where it differs)."""
    client.first_name, client.last_name, client.phone = first_name.strip(), last_name.strip(), phone
    client.save(update_fields=["first_name", "last_name", "phone", "updated_at"])


def set_preferences(
    client: Client, *, texts: bool, book_again_mail: bool, now: datetime.datetime | None = None
) -> None:
    """Texts (reminders, confirm by reply) for the client's upcoming visits and next
    bookings, with the words agreed to; and "time to book again" mail. Mail about a
    booked visit always goes."""
    now = now or timezone.now()
    with transaction.atomic():
        upcoming = Appointment.objects.filter(client=client, start__gt=now).holding_time()
        if texts and client.sms_opt_in_at is None:
            client.sms_opt_in_at, client.sms_consent_wording = now, settings.SMS_CONSENT_WORDING
            upcoming.filter(sms_opt_in_at__isnull=True).update(
                sms_opt_in_at=now, sms_consent_wording=settings.SMS_CONSENT_WORDING
            )
        elif not texts and client.sms_opt_in_at is not None:
            client.sms_opt_in_at, client.sms_consent_wording = None, ""
            upcoming.update(sms_opt_in_at=None)
        client.save(update_fields=["sms_opt_in_at", "sms_consent_wording", "updated_at"])
        if book_again_mail:
            MailOptOut.objects.filter(email=client.email).delete()
        else:
            opt_out(client.email)


def forget_old_links(now: datetime.datetime) -> int:
    """Sign-in links a day past their expiry, used or not, are of no more use (the
    minute schedule clears them)."""
    deleted, _ = SignInLink.objects.filter(expires_at__lt=now - datetime.timedelta(days=1)).delete()
    return deleted
