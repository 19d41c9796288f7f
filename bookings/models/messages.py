"""The outbox: every mail and text to a client, one row per intent, sent by the worker."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models.appointments import Appointment

# Kinds planned by the minute schedule (reminders, follow-ups): at most one row per
# appointment, kind and visit time, whoever plans it and however often.
PLANNED_KINDS = [
    "reminder",
    "text_unconfirmed",
    "text_same_day",
    "aftercare",
    "book_again",
]


class OutboxMessage(models.Model):
    """What a mail and a text share: its intent, its state and its delivery attempts.

    Written in the transaction that decides it; the worker sends it (bookings/tasks.py),
    under a row lock, so two workers never send the same row.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        # No longer wanted when its turn came (cancelled, confirmed, opted out).
        SKIPPED = "skipped", _("not needed")

    kind = models.CharField(_("kind"), max_length=40)
    # The visit time a reminder or follow-up is about: a moved visit gets new ones.
    about_start = models.DateTimeField(_("about the visit at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Not sent before this (a retry's back-off, a text waiting for text hours).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A worker's task for it is pending until then; after it, the schedule hands the
    # row out again (the task was lost with a killed worker).
    leased_until = models.DateTimeField(_("handed to the worker until"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["created_at"]


def _state_valid(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(state__in=["queued", "sent", "failed", "skipped"]),
        name=name,
        violation_error_message=_("Unknown message state."),
    )


def _one_per_intent(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["appointment", "kind", "about_start"],
        condition=Q(kind__in=PLANNED_KINDS),
        name=name,
    )


class OutboundEmail(OutboxMessage):
    """A mail to a client."""

    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML"), blank=True)
    calendar = models.TextField(_("calendar file"), blank=True)
    # One-click unsubscribe (RFC 8058) for the mail that isn't about a booked visit.
    unsubscribe_url = models.URLField(_("unsubscribe link"), max_length=500, blank=True)
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
    )

    class Meta(OutboxMessage.Meta):
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing email")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="email_due")]
        constraints = [_state_valid("email_state_valid"), _one_per_intent("email_one_per_intent")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}"


class OutboundText(OutboxMessage):
    """A text message (SMS) to a client who opted in."""

    to = models.CharField(_("to"), max_length=30, help_text=_("E.164"))
    body = models.TextField(_("text"))
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="texts",
    )
    # The provider's id (Twilio's message SID), to match its delivery reports.
    provider_id = models.CharField(_("provider id"), max_length=64, blank=True, db_index=True)
    # The provider's last word on delivery: queued, sent, delivered, undelivered, failed.
    delivery_status = models.CharField(_("delivery"), max_length=20, blank=True)

    class Meta(OutboxMessage.Meta):
        verbose_name = _("outgoing text")
        verbose_name_plural = _("outgoing texts")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="text_due")]
        constraints = [_state_valid("text_state_valid"), _one_per_intent("text_one_per_intent")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}"


class TextOptOut(models.Model):
    """A phone number that replied STOP: no text goes to it until it replies START."""

    phone = models.CharField(_("phone"), max_length=30, unique=True, help_text=_("E.164"))
    at = models.DateTimeField(_("opted out"), auto_now_add=True)

    class Meta:
        verbose_name = _("text opt-out")
        verbose_name_plural = _("text opt-outs")

    def __str__(self) -> str:
        return self.phone


class MailOptOut(models.Model):
    """An address that unsubscribed from "time to book again" mail. Mail about a booked
    visit (confirmations, reminders, aftercare) still goes."""

    email = models.EmailField(_("email"), unique=True)
    at = models.DateTimeField(_("unsubscribed"), auto_now_add=True)

    class Meta:
        verbose_name = _("mail opt-out")
        verbose_name_plural = _("mail opt-outs")

    def __str__(self) -> str:
        return self.email
