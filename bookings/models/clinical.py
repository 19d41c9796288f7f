"""Clinical records: intake, consent, the physician's review, good-faith exams,
treatment records, and the log of every read of them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bookings.models.appointments import Appointment
from bookings.models.clients import Client
from medspa.clock import staff_date
from practitioners.models import Practitioner
from treatments.models import Treatment


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
    # A signed-in client's answers checked against their last ones, by question:
    # {code: {"before", "after", "since": "YYYY-MM-DD" (the earlier visit's day)}}.
    # before == after: confirmed unchanged; otherwise the doctor sees it as a change.
    changes = models.JSONField(_("changes since the last visit"), default=dict, blank=True)
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
    # Approved on condition that a clinician examines the client at the visit (no
    # exam was on record): the visit then waits for that exam before its treatment.
    exam_at_visit = models.BooleanField(
        _("subject to a good-faith exam at the visit"), default=False
    )
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


class GoodFaithExam(models.Model):
    """A clinician's exam establishing that a client is a candidate for treatments.

    Done by a physician, nurse practitioner or physician assistant (a role that
    can_perform_gfe); valid until `expires_on` for the treatments it covers, unless
    its outcome is "not cleared".
    """

    class Outcome(models.TextChoices):
        CLEARED = "cleared", _("cleared")
        RESTRICTED = "restricted", _("cleared with restrictions")
        NOT_CLEARED = "not_cleared", _("not cleared")

    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="good_faith_exams",
        verbose_name=_("client"),
        help_text=_("Empty until the visit's email is proven: the exam is of that visit's client."),
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
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.CLEARED
    )
    restrictions = models.TextField(_("restrictions"), blank=True)
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="good_faith_exams",
        verbose_name=_("recorded for the visit"),
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
            models.CheckConstraint(
                condition=Q(outcome__in=["cleared", "restricted", "not_cleared"]),
                name="gfe_outcome_valid",
                violation_error_message=_("Unknown exam outcome."),
            ),
        ]

    def __str__(self) -> str:
        examined = self.client or f"the client of appointment {self.appointment_id}"
        on = staff_date(self.performed_on)
        return f"GFE for {examined} by {self.examiner.display_name} ({on})"


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
