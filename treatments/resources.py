"""Rooms and devices: what a treatment needs besides a practitioner.

A treatment lists its needs; each need is met by any one of its resources ("a treatment
room: any of 1-3", "the laser platform"). Bookings hold the resources they were given
(bookings.models.ResourceAllocation); an out-of-service period blocks a resource as
time off blocks a practitioner."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from medspa.clock import clock, staff_time


class ResourceQuerySet(models.QuerySet):
    def in_service(self) -> "ResourceQuerySet":
        return self.filter(is_active=True)


class Resource(models.Model):
    class Kind(models.TextChoices):
        ROOM = "room", _("Room")
        DEVICE = "device", _("Device")

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    is_active = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_(
            "Untick when the spa no longer has it; for a while, add an out-of-service "
            "period instead."
        ),
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        # Booking picks the lowest-numbered free resource: the order staff see is that one.
        ordering = ["pk"]
        verbose_name = _("room or device")
        verbose_name_plural = _("rooms and devices")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["room", "device"]),
                name="resource_kind_valid",
                violation_error_message=_("Unknown kind of resource."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ResourceOutOfService(models.Model):
    """Maintenance, a device on loan: the resource can't be booked for the period."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="out_of_service")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["resource", "starts_at"]
        verbose_name = _("out-of-service period")
        verbose_name_plural = _("out-of-service periods")
        indexes = [models.Index(fields=["resource", "starts_at"], name="out_of_service_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="out_of_service_start_before_end",
                violation_error_message=_("An out-of-service period must start before it ends."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource}: {staff_time(self.starts_at)} to {clock(self.ends_at)}"

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.starts_at >= self.ends_at:
            raise ValidationError({"ends_at": _("The period must end after it starts.")})


class ResourceNeed(models.Model):
    """One thing a treatment needs for its whole length, met by any one of `resources`."""

    treatment = models.ForeignKey(
        "treatments.Treatment", on_delete=models.CASCADE, related_name="resource_needs"
    )
    label = models.CharField(
        _("needs"), max_length=80, help_text=_('What it needs, e.g. "a treatment room".')
    )
    resources = models.ManyToManyField(
        Resource,
        related_name="needs",
        verbose_name=_("any one of"),
        help_text=_("Booking takes the lowest-numbered one that is free."),
    )

    class Meta:
        ordering = ["treatment", "pk"]
        verbose_name = _("room or device needed")
        verbose_name_plural = _("rooms and devices needed")

    def __str__(self) -> str:
        return self.label
