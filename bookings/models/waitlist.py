"""The waitlist: clients waiting for a time that frees up, and the offers made to them.

An entry asks for a treatment (with one practitioner or any) in one or more windows of
days and times. A freed time is noted as an opening (written in the transaction that
frees it) and offered by the worker to one matching entry at a time, in join order; the
offer holds the practitioner and the rooms and devices for WAITLIST_HOLD_MINUTES, and
the booking selectors count a live hold as busy (bookings/selectors/booking.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bookings.models.appointments import Appointment, new_token
from medspa.clock import clock, staff_date, staff_time
from practitioners.models import Practitioner
from treatments.models import Resource, Treatment


class WaitlistEntry(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("waiting")
        # An offer holds a time for it now: no second offer until that one ends.
        OFFERED = "offered", _("offer held")
        BOOKED = "booked", _("booked")
        LEFT = "left", _("left the waitlist")
        EXPIRED = "expired", _("expired")

    OPEN_STATES = (State.WAITING, State.OFFERED)

    # The mailed "leave the waitlist" link's key.
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token)
    treatment = models.ForeignKey(
        Treatment, on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        help_text=_("Empty: any practitioner."),
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=30, help_text=_("Stored in E.164."))
    sms_opt_in_at = models.DateTimeField(_("texts wanted since"), null=True, blank=True)
    sms_consent_wording = models.TextField(_("text consent wording"), blank=True)
    # Join order: the first matching entry gets the offer.
    created_at = models.DateTimeField(_("joined"), auto_now_add=True, db_index=True)
    # The end of its last window, in the spa's zone.
    expires_at = models.DateTimeField(_("expires"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        indexes = [
            models.Index(fields=["state", "treatment", "created_at"], name="waitlist_open_entries")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["waiting", "offered", "booked", "left", "expired"]),
                name="waitlist_entry_state_valid",
                violation_error_message=_("Unknown waitlist state."),
            ),
            # One open entry per email and treatment: a client changes it by leaving.
            models.UniqueConstraint(
                fields=["email", "treatment"],
                condition=Q(state__in=["waiting", "offered"]),
                name="waitlist_one_open_entry",
                violation_error_message=_("Already on the waitlist for this treatment."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.treatment}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def public_title(self) -> str:
        """Mail never names a medical treatment (read on shared phones)."""
        return (
            f"Appointment at {settings.SPA_NAME}"
            if self.treatment.is_medical
            else str(self.treatment.name)
        )

    def get_leave_url(self) -> str:
        return reverse("bookings:waitlist_leave", kwargs={"token": self.token})


class WaitlistWindow(models.Model):
    """Days and the times of day within them: a start from `earliest` to `latest`
    (the spa's local time) on any day from `date_from` to `date_to`."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="windows")
    date_from = models.DateField(_("from day"))
    date_to = models.DateField(_("to day"))
    earliest = models.TimeField(_("earliest start"))
    latest = models.TimeField(_("latest start"))

    class Meta:
        ordering = ["date_from", "earliest"]
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(date_from__lte=F("date_to")),
                name="waitlist_window_days_ordered",
                violation_error_message=_("The last day must not be before the first."),
            ),
            models.CheckConstraint(
                condition=Q(earliest__lt=F("latest")),
                name="waitlist_window_times_ordered",
                violation_error_message=_("The earliest start must be before the latest."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{staff_date(self.date_from)} to {staff_date(self.date_to)}, "
            f"{clock(self.earliest)} to {clock(self.latest)}"
        )


class WaitlistOpening(models.Model):
    """A time that freed up, written in the transaction that freed it: the worker's
    task offers it, and the minute schedule catches up on any a lost task missed.
    No practitioner: a room or device freed (an out-of-service period ended early)."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    start = models.DateTimeField(_("from"))
    until = models.DateTimeField(_("until"))
    why = models.CharField(_("why"), max_length=40)
    created_at = models.DateTimeField(_("noted"), auto_now_add=True)
    done_at = models.DateTimeField(_("offered"), null=True, blank=True, db_index=True)
    # A worker is offering it until then; after that (the worker was killed) the
    # minute schedule offers it again.
    leased_until = models.DateTimeField(_("being offered until"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("freed time")
        verbose_name_plural = _("freed times")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("until")),
                name="waitlist_opening_times_ordered",
                violation_error_message=_("A freed time must start before it ends."),
            ),
        ]

    def __str__(self) -> str:
        return f"{staff_time(self.start)} ({self.why})"


class WaitlistOffer(models.Model):
    class State(models.TextChoices):
        HELD = "held", _("held")
        ACCEPTED = "accepted", _("accepted")
        EXPIRED = "expired", _("expired")
        WITHDRAWN = "withdrawn", _("withdrawn")

    # The mailed link's key (256 random bits).
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token)
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="waitlist_offers"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # end plus the treatment's cleanup buffer, as an appointment holds it.
    blocked_until = models.DateTimeField(_("blocked until"))
    resources = models.ManyToManyField(
        Resource, blank=True, related_name="waitlist_offers", verbose_name=_("rooms and devices")
    )
    # The hold ends here whatever `state` still says: the selectors compare with now.
    hold_until = models.DateTimeField(_("held until"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.HELD)
    appointment = models.OneToOneField(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_offer",
    )
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: offered by the worker when the time freed up."),
    )
    created_at = models.DateTimeField(_("offered"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        indexes = [
            models.Index(fields=["practitioner", "start"], name="waitlist_offer_start"),
            models.Index(fields=["state", "hold_until"], name="waitlist_offer_holds"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["held", "accepted", "expired", "withdrawn"]),
                name="waitlist_offer_state_valid",
                violation_error_message=_("Unknown offer state."),
            ),
            models.CheckConstraint(
                condition=Q(start__lt=F("end"), end__lte=F("blocked_until")),
                name="waitlist_offer_times_ordered",
                violation_error_message=_("An offer must start before it ends."),
            ),
            # One offer at a time per entry.
            models.UniqueConstraint(
                fields=["entry"], condition=Q(state="held"), name="waitlist_one_held_offer"
            ),
        ]

    def __str__(self) -> str:
        return f"{staff_time(self.start)} with {self.practitioner} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("bookings:waitlist_offer", kwargs={"token": self.token})
