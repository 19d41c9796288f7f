"""Staff records: who works when, what they may do, and who supervises them."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medspa.clock import clock, staff_time
from treatments.models import Role, Treatment

# Licences and agreements this close to expiry are flagged in the admin.
EXPIRY_WARNING_DAYS = 30


def expires_soon(expires_on: datetime.date | None, today: datetime.date | None = None) -> bool:
    """True when the date is today or within the warning window (an expired date is not 'soon')."""
    if expires_on is None:
        return False
    today = today or timezone.localdate()
    return today <= expires_on <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)


class PractitionerQuerySet(models.QuerySet):
    def active(self) -> "PractitionerQuerySet":
        return self.filter(is_active=True)

    def physicians(self) -> "PractitionerQuerySet":
        return self.filter(role__can_supervise=True)


class Practitioner(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practitioner",
        verbose_name=_("login account"),
    )
    display_name = models.CharField(_("display name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="practitioners", verbose_name=_("role")
    )
    licence_number = models.CharField(_("licence number"), max_length=60)
    phone = models.CharField(
        _("phone"),
        max_length=30,
        blank=True,
        help_text=_("Physicians: the number the front desk calls about a review."),
    )
    licence_expires_on = models.DateField(_("licence expires on"))
    bio = models.TextField(_("bio"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="practitioners/", blank=True)
    photo_thumbnail = models.ImageField(
        _("photo thumbnail"), upload_to="practitioners/thumbs/", blank=True, editable=False
    )
    qualified_treatments = models.ManyToManyField(
        Treatment,
        blank=True,
        related_name="qualified_practitioners",
        verbose_name=_("qualified for"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    objects = PractitionerQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "display_name"]
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")

    def __str__(self) -> str:
        # The name only: a role here would cost a query for each row of every list.
        return self.display_name

    @property
    def is_physician(self) -> bool:
        return self.role.can_supervise

    def licence_valid_on(self, day: datetime.date) -> bool:
        return self.licence_expires_on >= day

    @property
    def licence_expires_soon(self) -> bool:
        return expires_soon(self.licence_expires_on)


def treatments_outside_role(role: Role, treatments) -> list[Treatment]:
    """The treatments in `treatments` that a practitioner with `role` may not perform."""
    return [treatment for treatment in treatments if not treatment.role_may_perform(role)]


class WorkingHours(models.Model):
    """One block of a practitioner's regular week (several a day for split shifts)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))

    class Meta:
        ordering = ["practitioner", "weekday", "starts_at"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="working_hours_weekday_valid",
                violation_error_message=_("Day must be Monday to Sunday."),
            ),
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="working_hours_start_before_end",
                violation_error_message=_("The block must start before it ends."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_weekday_display()} {clock(self.starts_at)} to {clock(self.ends_at)}"
            if self.starts_at and self.ends_at
            else self.get_weekday_display()
        )

    def overlaps(self, other: "WorkingHours") -> bool:
        return (
            self.weekday == other.weekday
            and self.starts_at < other.ends_at
            and other.starts_at < self.ends_at
        )

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.starts_at >= self.ends_at:
            raise ValidationError({"ends_at": _("The block must end after it starts.")})
        if self.practitioner_id and self.starts_at and self.ends_at:
            clash = (
                WorkingHours.objects.filter(
                    practitioner_id=self.practitioner_id,
                    weekday=self.weekday,
                    starts_at__lt=self.ends_at,
                    ends_at__gt=self.starts_at,
                )
                .exclude(pk=self.pk)
                .first()
            )
            if clash:
                raise ValidationError(
                    _("This block overlaps another one on %(day)s (%(block)s).")
                    % {"day": self.get_weekday_display(), "block": clash}
                )


class TimeOff(models.Model):
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="time_off"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["practitioner", "starts_at"]
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="time_off_start_before_end",
                violation_error_message=_("Time off must start before it ends."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner}: {staff_time(self.starts_at)} to {clock(self.ends_at)}"

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.starts_at >= self.ends_at:
            raise ValidationError({"ends_at": _("Time off must end after it starts.")})


class SupervisionAgreementQuerySet(models.QuerySet):
    def accepted(self) -> "SupervisionAgreementQuerySet":
        return self.filter(accepted_at__isnull=False)

    def in_force_on(self, day: datetime.date) -> "SupervisionAgreementQuerySet":
        return self.accepted().filter(valid_from__lte=day, valid_until__gte=day)


class SupervisionAgreement(models.Model):
    """A physician's agreement to supervise one practitioner's medical procedures.

    Supervises nothing until the physician accepts it themself: a spa naming a
    doctor without their knowledge is a known failure (DOMAIN.md).
    """

    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="supervision_agreements",
        verbose_name=_("supervised practitioner"),
    )
    physician = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="supervising_agreements",
        verbose_name=_("supervising physician"),
        limit_choices_to={"role__can_supervise": True},
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    covers_all_qualified = models.BooleanField(
        _("covers every medical treatment the practitioner is qualified for"), default=True
    )
    treatments = models.ManyToManyField(
        Treatment,
        blank=True,
        related_name="supervision_agreements",
        verbose_name=_("treatments covered"),
        limit_choices_to={"kind": Treatment.Kind.MEDICAL},
        help_text=_("Used when the agreement does not cover every qualified treatment."),
    )
    # Texas leaves the share of charts to co-sign to the agreement (DOMAIN.md).
    chart_review_percent = models.PositiveSmallIntegerField(_("charts to co-sign (%)"), default=100)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SupervisionAgreementQuerySet.as_manager()

    class Meta:
        ordering = ["practitioner", "-valid_from"]
        verbose_name = _("supervision agreement")
        verbose_name_plural = _("supervision agreements")
        constraints = [
            models.CheckConstraint(
                condition=~Q(practitioner=F("physician")),
                name="supervision_not_self",
                violation_error_message=_("A practitioner cannot supervise themself."),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__lte=F("valid_until")),
                name="supervision_dates_ordered",
                violation_error_message=_("The agreement must start before it ends."),
            ),
            models.CheckConstraint(
                condition=Q(chart_review_percent__lte=100),
                name="supervision_chart_percent_range",
                violation_error_message=_("The chart share must be between 0 and 100 %."),
            ),
            models.CheckConstraint(
                condition=Q(accepted_by__isnull=True, accepted_at__isnull=True)
                | Q(accepted_by__isnull=False, accepted_at__isnull=False),
                name="supervision_acceptance_complete",
                violation_error_message=_("An acceptance needs both who accepted and when."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.physician.display_name} supervises {self.practitioner.display_name}"

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def expires_soon(self) -> bool:
        return expires_soon(self.valid_until)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            errors["valid_until"] = _("The agreement must end on or after its first day.")
        if self.practitioner_id and self.practitioner_id == self.physician_id:
            errors["physician"] = _("A practitioner cannot supervise themself.")
        elif self.physician_id:
            physician = self.physician
            if not physician.role.can_supervise:
                errors["physician"] = _("The supervisor must be a physician.")
            elif self.valid_from and not physician.licence_valid_on(self.valid_from):
                errors["physician"] = _(
                    "%(name)s's licence expired on %(date)s; renew it before they supervise."
                ) % {"name": physician.display_name, "date": physician.licence_expires_on}
        if self.chart_review_percent is not None and self.chart_review_percent > 100:
            errors["chart_review_percent"] = _("The chart share must be between 0 and 100 %.")
        if errors:
            raise ValidationError(errors)
