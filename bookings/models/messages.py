"""The outbox: every mail to a client, one row each, sent after commit."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models.appointments import Appointment


class OutboundEmail(models.Model):
    """A mail waiting to be sent (the outbox).

    Written in the same transaction as the booking that caused it, sent after
    commit; a failed send stays here and `send_queued_mail` retries it.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("gave up")

    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML"), blank=True)
    calendar = models.TextField(_("calendar file"), blank=True)
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
    )
    kind = models.CharField(_("kind"), max_length=40)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing email")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="email_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["queued", "sent", "failed"]),
                name="email_state_valid",
                violation_error_message=_("Unknown email state."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}"
