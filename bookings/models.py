"""Clients, appointments, and the clinical records a medical booking carries."""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from practitioners.models import Practitioner
from treatments.models import Treatment


def new_token() -> str:
    """256 random bits, URL-safe: the client's only key to their appointment."""
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    return email.strip().lower()


class Client(models.Model):
    """A person who books. Found again by their normalised email; no account needed."""

    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    email = models.EmailField(_("email"), max_length=254, unique=True)
    phone = models.CharField(_("phone"), max_length=30)
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
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


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
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("client")
    )
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
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
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
        return f"{self.client} - {self.treatment} ({self.start:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("bookings:manage", kwargs={"token": self.token})

    @property
    def is_medical(self) -> bool:
        return self.treatment.kind == Treatment.Kind.MEDICAL

    @property
    def public_title(self) -> str:
        """What mail and calendars may say: medical treatments are never named there."""
        if self.is_medical:
            return f"Appointment at {settings.SPA_NAME}"
        return f"{self.treatment.name} at {settings.SPA_NAME}"


class Intake(models.Model):
    """The client's medical answers for one medical appointment (health data)."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="intake")
    date_of_birth = models.DateField(_("date of birth"))
    pregnant_or_breastfeeding = models.BooleanField(_("pregnant or breastfeeding"))
    isotretinoin_last_6_months = models.BooleanField(_("isotretinoin in the last 6 months"))
    blood_thinners = models.BooleanField(_("takes blood thinners"))
    medications = models.TextField(_("medications"), blank=True)
    allergies = models.TextField(_("allergies"), blank=True)
    conditions = models.TextField(_("skin and health conditions"), blank=True)
    # Further yes/no questions the treatment's contraindications ask, by code.
    extra_answers = models.JSONField(_("other answers"), default=dict, blank=True)
    # [{"code", "name", "severity"}] raised by the answers; relative ones go to the doctor.
    flags = models.JSONField(_("contraindication flags"), default=list, blank=True)
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("medical intake")
        verbose_name_plural = _("medical intakes")
        permissions = [("view_medical_records", "Can view medical records")]

    def __str__(self) -> str:
        return f"Intake for appointment {self.appointment_id}"


class Consent(models.Model):
    """What the client consented to, when and from where."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="consent"
    )
    text = models.TextField(_("consent wording"))
    consented_at = models.DateTimeField(_("consented at"))
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"Consent for appointment {self.appointment_id}"


class Review(models.Model):
    """The supervising physician's review of a medical appointment before it happens."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("waiting")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="review")
    physician = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["appointment__start"]
        verbose_name = _("doctor review")
        verbose_name_plural = _("doctor reviews")
        indexes = [models.Index(fields=["physician", "decision"], name="review_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=["pending", "approved", "declined"]),
                name="review_decision_valid",
                violation_error_message=_("Unknown review decision."),
            ),
            models.CheckConstraint(
                condition=Q(decision="pending", decided_at__isnull=True)
                | (~Q(decision="pending") & Q(decided_at__isnull=False)),
                name="review_decided_at_matches_decision",
                violation_error_message=_("A decided review records when it was decided."),
            ),
        ]

    def __str__(self) -> str:
        return f"Review of appointment {self.appointment_id} by {self.physician.display_name}"


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


class GoodFaithExam(models.Model):
    """A clinician's exam establishing that a client is a candidate for treatments.

    Done by a physician, nurse practitioner or physician assistant (a role that
    can_perform_gfe); valid until `expires_on` for the treatments it covers.
    """

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="good_faith_exams", verbose_name=_("client")
    )
    examiner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="good_faith_exams",
        verbose_name=_("examined by"),
    )
    performed_on = models.DateField(_("performed on"))
    expires_on = models.DateField(_("valid until"))
    covers_all_medical = models.BooleanField(_("covers every medical treatment"), default=False)
    treatments = models.ManyToManyField(
        Treatment, blank=True, related_name="good_faith_exams", verbose_name=_("treatments covered")
    )
    findings = models.TextField(_("history, exam and plan"))
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="good_faith_exams",
        verbose_name=_("recorded at the review of"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-performed_on"]
        verbose_name = _("good-faith exam")
        verbose_name_plural = _("good-faith exams")
        constraints = [
            models.CheckConstraint(
                condition=Q(performed_on__lte=F("expires_on")),
                name="gfe_dates_ordered",
                violation_error_message=_("An exam cannot expire before it was performed."),
            ),
        ]

    def __str__(self) -> str:
        return f"GFE for {self.client} by {self.examiner.display_name} ({self.performed_on})"


class TreatmentRecord(models.Model):
    """The performing practitioner's chart of a completed medical appointment.

    Co-signed records never change: an amendment is a new version that points to the
    one it replaces (DOMAIN.md: signed records are kept as they were signed).
    """

    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="treatment_records"
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    amends = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amended_by",
        verbose_name=_("amends"),
    )
    author = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="treatment_records"
    )
    what_was_done = models.TextField(_("what was done"))
    # Injectables: traceable to a recalled lot.
    product = models.CharField(_("product"), max_length=120, blank=True)
    lot_number = models.CharField(_("lot number"), max_length=60, blank=True)
    lot_expiry = models.DateField(_("lot expiry"), null=True, blank=True)
    units_per_area = models.TextField(
        _("units per area"), blank=True, help_text=_("One area per line, e.g. 'Glabella: 20'.")
    )
    # Lasers and light.
    device = models.CharField(_("device"), max_length=120, blank=True)
    device_settings = models.TextField(_("settings"), blank=True)
    adverse_reactions = models.TextField(_("adverse reactions"), blank=True)
    needs_cosign = models.BooleanField(_("needs co-signature"), default=False)
    cosigned_by = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cosigned_records",
        verbose_name=_("co-signed by"),
    )
    cosigned_at = models.DateTimeField(_("co-signed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["appointment", "-version"]
        verbose_name = _("treatment record")
        verbose_name_plural = _("treatment records")
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "version"],
                name="treatment_record_version_once",
                violation_error_message=_("This version of the record already exists."),
            ),
            models.CheckConstraint(
                condition=Q(cosigned_by__isnull=True, cosigned_at__isnull=True)
                | Q(cosigned_by__isnull=False, cosigned_at__isnull=False),
                name="treatment_record_cosign_complete",
                violation_error_message=_("A co-signature needs both who and when."),
            ),
        ]

    def __str__(self) -> str:
        return f"Record v{self.version} of appointment {self.appointment_id}"

    @property
    def is_cosigned(self) -> bool:
        return self.cosigned_at is not None


class MedicalAuditLog(models.Model):
    """Who read or changed a medical record, and when. Written, never edited."""

    class Action(models.TextChoices):
        VIEWED = "viewed", _("viewed")
        DECIDED = "decided", _("decided")
        REASSIGNED = "reassigned", _("reassigned")
        CHARTED = "charted", _("charted")
        COSIGNED = "cosigned", _("co-signed")
        EXPORTED = "exported", _("exported")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    what = models.CharField(_("what"), max_length=200)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("medical record access")
        verbose_name_plural = _("medical record access log")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    action__in=[
                        "viewed",
                        "decided",
                        "reassigned",
                        "charted",
                        "cosigned",
                        "exported",
                    ]
                ),
                name="medical_audit_action_valid",
                violation_error_message=_("Unknown action."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.what}"


class AppointmentEvent(models.Model):
    """What happened to an appointment, by whom (none: the client online) and when."""

    class Action(models.TextChoices):
        CREATED = "created", _("booked")
        MOVED = "moved", _("moved")
        CANCELLED = "cancelled", _("cancelled")
        STATUS = "status", _("status changed")
        REVIEWED = "reviewed", _("reviewed")
        NOTICE_WAIVED = "notice_waived", _("short notice allowed")

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
                        "reviewed",
                        "notice_waived",
                    ]
                ),
                name="appointment_event_action_valid",
                violation_error_message=_("Unknown history action."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.detail}".strip()
