"""Clients: the people who book, found by their email."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def normalise_email(email: str) -> str:
    return email.strip().lower()


class Client(models.Model):
    """A person who books. Found again by their normalised email or, for someone who
    books by phone without one, by phone (E.164) or name; no account needed."""

    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    # Optional: not every caller has an address. Two records never share one.
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=30, help_text=_("Stored in E.164."))
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    # The account: texts wanted by default on the client's next bookings (with the
    # words agreed to), and when they asked for the account to be closed.
    sms_opt_in_at = models.DateTimeField(_("texts wanted since"), null=True, blank=True)
    sms_consent_wording = models.TextField(_("text consent wording"), blank=True)
    closed_at = models.DateTimeField(_("account closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            models.CheckConstraint(
                condition=Q(email=models.functions.Lower(F("email"))),
                name="client_email_normalised",
                violation_error_message=_("Email addresses are stored in lower case."),
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=~Q(email=""),
                name="client_email_unique_when_present",
                violation_error_message=_("Another client on record has this email."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class SignInLink(models.Model):
    """A mailed sign-in link: single use, valid CLIENT_SIGN_IN_LINK_MINUTES. Only a
    hash of its token is stored, so the table (or the admin) never holds a working
    link."""

    email = models.EmailField(_("email"))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        indexes = [models.Index(fields=["email", "created_at"], name="sign_in_link_email")]

    def __str__(self) -> str:
        return f"sign-in link for {self.email}"
