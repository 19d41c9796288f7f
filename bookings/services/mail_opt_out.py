"""Unsubscribing from "time to book again" mail, by a signed link.

The link carries the address, signed with SECRET_KEY under its own salt: no table of
tokens to keep, no login, and nobody can unsubscribe an address they were not mailed
(a forged or altered token fails the signature). It never expires: RFC 8058 expects a
List-Unsubscribe link to keep working for as long as mail may still be read.
"""

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from bookings.models import MailOptOut, normalise_email

# A token made for this purpose is useless anywhere else that signs with SECRET_KEY.
SALT = "mail-opt-out"


def unsubscribe_token(email: str) -> str:
    return signing.dumps(normalise_email(email), salt=SALT, compress=True)


def email_from_token(token: str) -> str | None:
    """The address a token was made for; None when it is not one of ours."""
    try:
        email = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return email if isinstance(email, str) and email else None


def unsubscribe_url(email: str) -> str:
    path = reverse("bookings:mail_unsubscribe", kwargs={"token": unsubscribe_token(email)})
    return settings.SITE_URL + path


def opted_out(email: str) -> bool:
    return MailOptOut.objects.filter(email=normalise_email(email)).exists()


def opt_out(email: str) -> None:
    """Record the opt-out once; a second click (or a mail program's retry) is fine."""
    try:
        with transaction.atomic():
            MailOptOut.objects.get_or_create(email=normalise_email(email))
    except IntegrityError:  # the same address, unsubscribed at the same moment
        pass
