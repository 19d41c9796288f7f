"""The catalogue: what the spa offers, who may perform it and what rules it out."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# Medical procedures are for adults unless the spa's policy raises the bar.
MEDICAL_MINIMUM_AGE = 18


class Role(models.Model):
    """A kind of licence (esthetician, nurse, physician...).

    Which roles may perform which medical treatment differs by state, so it is data
    the spa edits, not code. Lives here because treatments name the roles allowed to
    perform them and the catalogue depends on nothing else.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80, unique=True)
    can_supervise = models.BooleanField(
        _("can supervise"),
        default=False,
        help_text=_("A physician: may supervise others and supervises their own procedures."),
    )
    can_perform_gfe = models.BooleanField(
        _("can perform a good-faith exam"),
        default=False,
        help_text=_("Physicians, nurse practitioners and physician assistants may clear a client."),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Contraindication(models.Model):
    """A condition that rules a treatment out (absolute) or needs the doctor's eye (relative).

    The intake form asks `question` for every treatment that lists this
    contraindication; a "yes" answer is what triggers it.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    question = models.CharField(
        _("intake question"),
        max_length=200,
        help_text=_("Asked on the intake form; answering yes triggers the contraindication."),
    )
    guidance = models.TextField(
        _("guidance for the doctor"),
        blank=True,
        help_text=_("Why it matters; shown to the reviewing physician beside the flag."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("contraindication")
        verbose_name_plural = _("contraindications")

    def __str__(self) -> str:
        return self.name


class TreatmentQuerySet(models.QuerySet):
    def active(self) -> "TreatmentQuerySet":
        return self.filter(is_active=True)

    def for_catalogue(self) -> "TreatmentQuerySet":
        return (
            self.active()
            .select_related("category")
            .order_by("category__display_order", "category__name", "display_order", "name")
        )


class Treatment(models.Model):
    class Kind(models.TextChoices):
        DAY_SPA = "day_spa", _("Day spa")
        MEDICAL = "medical", _("Medical")

    class Charting(models.TextChoices):
        """What the treatment record must hold after a medical procedure."""

        GENERAL = "general", _("What was done")
        INJECTABLE = "injectable", _("Injectable: product, lot, lot expiry, units per area")
        ENERGY_DEVICE = "energy_device", _("Laser or light: device and settings")

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="treatments", verbose_name=_("category")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    summary = models.CharField(_("summary"), max_length=240)
    description = models.TextField(_("description"))
    what_to_expect = models.TextField(_("what to expect"), blank=True)
    suitability = models.TextField(
        _("is it right for you?"),
        blank=True,
        help_text=_(
            "Who this treatment suits and who should wait or choose another, written for "
            "this treatment; the page lists its contraindications below it."
        ),
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("cleanup buffer after (minutes)"),
        default=0,
        validators=[MaxValueValidator(120)],
        help_text=_("Time the room and practitioner need after the client leaves."),
    )
    price = models.DecimalField(
        _("price"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    is_active = models.BooleanField(
        _("bookable"), default=True, help_text=_("Untick to retire it from the site.")
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum client age"),
        default=MEDICAL_MINIMUM_AGE,
        validators=[MaxValueValidator(120)],
        help_text=_("Medical treatments: at least 18."),
    )
    image = models.ImageField(_("image"), upload_to="treatments/", blank=True)
    image_thumbnail = models.ImageField(
        _("thumbnail"), upload_to="treatments/thumbs/", blank=True, editable=False
    )
    image_alt = models.CharField(
        _("image description"),
        max_length=200,
        blank=True,
        help_text=_("What the image shows, for screen readers."),
    )
    # Medical treatments only.
    allowed_roles = models.ManyToManyField(
        Role,
        blank=True,
        related_name="treatments",
        verbose_name=_("roles allowed to perform it"),
        help_text=_("Medical treatments: which licences may perform it (state rules)."),
    )
    requires_gfe = models.BooleanField(
        _("needs a good-faith exam first"),
        default=False,
        help_text=_("A physician, NP or PA must have cleared the client for it."),
    )
    requires_consent = models.BooleanField(_("needs written consent"), default=False)
    charting = models.CharField(
        _("treatment record"),
        max_length=20,
        choices=Charting.choices,
        default=Charting.GENERAL,
        help_text=_("What the practitioner records after a medical procedure."),
    )
    consent_text = models.TextField(
        _("consent wording"),
        blank=True,
        help_text=_("What the client consents to; stored with each consent."),
    )
    contraindications = models.ManyToManyField(
        Contraindication,
        through="TreatmentContraindication",
        blank=True,
        related_name="treatments",
        verbose_name=_("contraindications"),
    )
    aftercare = models.TextField(
        _("aftercare"),
        blank=True,
        help_text=_(
            "Mailed after the visit (for a medical treatment, shown on the client's "
            "booking page and only linked from the mail)."
        ),
    )
    rebook_after_days = models.PositiveSmallIntegerField(
        _("suggest booking again after (days)"),
        null=True,
        blank=True,
        help_text=_(
            'A "time to book again" mail this many days after the visit, unless '
            "the client has booked since. Empty: none."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TreatmentQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("treatment")
        verbose_name_plural = _("treatments")
        # The medical director's: who may perform it, the exam, consent, age, kind,
        # charting and the contraindication rules (treatments/clinical_rules.py).
        permissions = [("change_clinical_rules", _("Can change a treatment's clinical rules"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["day_spa", "medical"]),
                name="treatment_kind_valid",
                violation_error_message=_("Kind must be day spa or medical."),
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="treatment_duration_range",
                violation_error_message=_("Duration must be between 5 and 480 minutes."),
            ),
            models.CheckConstraint(
                condition=Q(buffer_minutes__lte=120),
                name="treatment_buffer_range",
                violation_error_message=_("The cleanup buffer must be at most 120 minutes."),
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="treatment_price_not_negative",
                violation_error_message=_("Price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(kind="day_spa") | Q(minimum_age__gte=MEDICAL_MINIMUM_AGE),
                name="treatment_medical_adults_only",
                violation_error_message=_("Medical treatments are for clients aged 18 or over."),
            ),
            models.CheckConstraint(
                condition=Q(charting__in=["general", "injectable", "energy_device"]),
                name="treatment_charting_valid",
                violation_error_message=_("Unknown kind of treatment record."),
            ),
            models.CheckConstraint(
                condition=Q(kind="medical") | Q(requires_gfe=False, requires_consent=False),
                name="treatment_day_spa_not_clinical",
                violation_error_message=_(
                    "Only medical treatments can need a good-faith exam or written consent."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("treatments:detail", kwargs={"slug": self.slug})

    @property
    def is_medical(self) -> bool:
        return self.kind == self.Kind.MEDICAL

    def clean(self) -> None:
        super().clean()
        if self.is_medical and self.minimum_age < MEDICAL_MINIMUM_AGE:
            raise ValidationError(
                {"minimum_age": _("Medical treatments are for clients aged 18 or over.")}
            )
        if not self.is_medical and (self.requires_gfe or self.requires_consent):
            raise ValidationError(
                _("Only medical treatments can need a good-faith exam or written consent.")
            )

    def role_may_perform(self, role: Role) -> bool:
        """Day-spa treatments may be done by any role; medical ones only by the listed roles.

        Uses prefetched `allowed_roles` when present.
        """
        if not self.is_medical:
            return True
        return any(allowed.pk == role.pk for allowed in self.allowed_roles.all())


class TreatmentContraindication(models.Model):
    class Severity(models.TextChoices):
        ABSOLUTE = "absolute", _("Absolute: online booking refused, client asked to call")
        RELATIVE = "relative", _("Relative: booking allowed, flagged for the doctor")

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="contraindication_rules"
    )
    contraindication = models.ForeignKey(
        Contraindication, on_delete=models.PROTECT, related_name="treatment_rules"
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)

    class Meta:
        ordering = ["contraindication__name"]
        verbose_name = _("contraindication rule")
        verbose_name_plural = _("contraindication rules")
        constraints = [
            models.UniqueConstraint(
                fields=["treatment", "contraindication"],
                name="treatment_contraindication_once",
                violation_error_message=_("This contraindication is already listed."),
            ),
            models.CheckConstraint(
                condition=Q(severity__in=["absolute", "relative"]),
                name="treatment_contraindication_severity_valid",
                violation_error_message=_("Severity must be absolute or relative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.treatment}: {self.contraindication} ({self.get_severity_display()})"


class ClinicalRuleChange(models.Model):
    """One changed clinical rule of a treatment: who, when, the old and the new value."""

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="clinical_rule_changes"
    )
    rule = models.CharField(_("rule"), max_length=160)
    old_value = models.TextField(_("before"), blank=True)
    new_value = models.TextField(_("after"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "pk"]
        verbose_name = _("clinical rule change")
        verbose_name_plural = _("clinical rule changes")

    def __str__(self) -> str:
        return f"{self.treatment}: {self.rule}"


# Rooms and devices live in their own module; Django finds models imported here.
from treatments.resources import (  # noqa: E402, F401
    Resource,
    ResourceNeed,
    ResourceOutOfService,
)
