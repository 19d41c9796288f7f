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
