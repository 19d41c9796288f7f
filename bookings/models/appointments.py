"""Appointments and their history: what was booked, when, with whom, and who changed it."""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bookings.models.clients import Client
from medspa.clock import staff_time
from practitioners.models import Practitioner
from treatments.models import Treatment


def new_token() -> str:
    """256 random bits, URL-safe: the client's only key to their appointment."""
    return secrets.token_urlsafe(32)


# The longest an appointment can hold a practitioner: the longest treatment plus the
# longest cleanup buffer (treatments.models' constraints). Lets range queries on
# `start` use its index from both ends instead of scanning every earlier appointment.
LONGEST_HOLD = datetime.timedelta(minutes=480 + 120)


class AppointmentQuerySet(models.QuerySet):
    def overlapping(
        self, start: datetime.datetime, end: datetime.datetime
    ) -> "AppointmentQuerySet":
        """Appointments whose held time (start to blocked_until) touches [start, end)."""
        return self.filter(start__gte=start - LONGEST_HOLD, start__lt=end, blocked_until__gt=start)

    def holding_time(self) -> "AppointmentQuerySet":
        """Appointments that occupy their practitioner's time (not cancelled or declined)."""
        return self.exclude(status__in=Appointment.FREEING_STATUSES)


class Appointment(models.Model):
    class Status(models.TextChoices):
        # The words the client and the front desk see (CONTRACT.md).
        PENDING_REVIEW = "pending_review", _("pending review")
        CONFIRMED = "confirmed", _("confirmed")
        CHECKED_IN = "checked_in", _("checked in")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")
        NO_SHOW = "no_show", _("no-show")
        DECLINED = "declined", _("declined")

    class Source(models.TextChoices):
        ONLINE = "online", _("online")
        FRONT_DESK = "front_desk", _("front desk")

    FREEING_STATUSES = (Status.CANCELLED, Status.DECLINED)
    CHANGEABLE_STATUSES = (Status.PENDING_REVIEW, Status.CONFIRMED)

    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token)
    # Who booked, as typed for this appointment. Anyone can type any email, so the
    # link to a Client record stays empty until the email is proven (the link in the
    # confirmation mail) or the front desk picked the client from the records.
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("client record"),
    )
    client_first_name = models.CharField(_("first name"), max_length=80)
    client_last_name = models.CharField(_("last name"), max_length=80)
    client_email = models.EmailField(_("email"), blank=True)  # a caller may have none
    client_phone = models.CharField(_("phone"), max_length=30, help_text=_("Stored in E.164."))
    client_date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    email_proven_at = models.DateTimeField(_("email proven"), null=True, blank=True)
    treatment = models.ForeignKey(
        Treatment,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("treatment"),
    )
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("practitioner"),
        # The (practitioner, start) index below serves every lookup by practitioner;
        # a second index on the column alone only cost each booking an insert and,
        # with statistics a few thousand bookings old, won the planner's choice for
        # a 14-day read it then served ten times slower (bench/explain.py).
        db_index=False,
    )
    supervising_physician = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_appointments",
        verbose_name=_("supervising physician"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # end plus the treatment's cleanup buffer: the practitioner is busy until then.
    blocked_until = models.DateTimeField(_("blocked until"))
    price = models.DecimalField(_("price as booked"), max_digits=8, decimal_places=2)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    source = models.CharField(
        _("booked"), max_length=20, choices=Source.choices, default=Source.ONLINE
    )
    client_notes = models.TextField(_("notes from the client"), blank=True)
    # The random key of the form that created it: the same form posted twice books once.
    submission_key = models.CharField(
        _("form submission"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    # The client said "I'll be there" (the reminder's link or a "C" reply); the
    # status stays what the spa decided.
    client_confirmed_at = models.DateTimeField(_("client confirmed"), null=True, blank=True)
    # Consent to text reminders, with the words the client agreed to.
    sms_opt_in_at = models.DateTimeField(_("texts agreed"), null=True, blank=True)
    sms_consent_wording = models.TextField(_("text consent as shown"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["practitioner", "start"], name="appointment_practitioner_start"),
            models.Index(fields=["start"], name="appointment_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending_review",
                        "confirmed",
                        "checked_in",
                        "completed",
                        "cancelled",
                        "no_show",
                        "declined",
                    ]
                ),
                name="appointment_status_valid",
                violation_error_message=_("Unknown appointment status."),
            ),
            models.CheckConstraint(
                condition=Q(source__in=["online", "front_desk"]),
                name="appointment_source_valid",
                violation_error_message=_("Unknown booking source."),
            ),
            models.CheckConstraint(
                condition=Q(start__lt=F("end"), end__lte=F("blocked_until")),
                name="appointment_times_ordered",
                violation_error_message=_("An appointment must start before it ends."),
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="appointment_price_not_negative",
                violation_error_message=_("Price cannot be negative."),
            ),
            # The no-overlap rule itself is an ExclusionConstraint added by migration
            # on Postgres only (bookings/migrations/0002_no_overlap.py).
        ]

    def __str__(self) -> str:
        return f"{self.client_full_name} - {self.treatment} ({staff_time(self.start)})"

    def get_absolute_url(self) -> str:
        return reverse("bookings:manage", kwargs={"token": self.token})

    @property
    def client_full_name(self) -> str:
        return f"{self.client_first_name} {self.client_last_name}".strip()

    @property
    def is_medical(self) -> bool:
        return self.treatment.kind == Treatment.Kind.MEDICAL

    @property
    def public_title(self) -> str:
        """What mail and calendars may say: medical treatments are never named there."""
        if self.is_medical:
            return f"Appointment at {settings.SPA_NAME}"
        return f"{self.treatment.name} at {settings.SPA_NAME}"


class AppointmentEvent(models.Model):
    """What happened to an appointment, by whom (none: the client online) and when."""

    class Action(models.TextChoices):
        CREATED = "created", _("booked")
        MOVED = "moved", _("moved")
        CANCELLED = "cancelled", _("cancelled")
        # Kept for entries written before the visit's steps had their own actions.
        STATUS = "status", _("status changed")
        CHECKED_IN = "checked_in", _("checked in")
        COMPLETED = "completed", _("completed")
        NO_SHOW = "no_show", _("no-show")
        REVIEWED = "reviewed", _("reviewed")
        NOTICE_WAIVED = "notice_waived", _("short notice allowed")
        EMAIL_PROVEN = "email_proven", _("email proven")
        CLIENT_CONFIRMED = "client_confirmed", _("client confirmed")
        TEXTS_STOPPED = "texts_stopped", _("texts stopped")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("what"), max_length=20, choices=Action.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    action__in=[
                        "created",
                        "moved",
                        "cancelled",
                        "status",
                        "checked_in",
                        "completed",
                        "no_show",
                        "reviewed",
                        "notice_waived",
                        "email_proven",
                        "client_confirmed",
                        "texts_stopped",
                    ]
                ),
                name="appointment_event_action_valid",
                violation_error_message=_("Unknown history action."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.detail}".strip()
