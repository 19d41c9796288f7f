"""Which room and device each appointment holds, and for how long.

Written only by the booking writers (bookings/services/allocations.py), in the same
transaction as the appointment. On Postgres an exclusion constraint refuses two rows
of one resource whose times overlap while both hold time (migration 0015), as
appointment_no_overlap does for practitioners."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bookings.models.appointments import Appointment
from treatments.models import Resource


class ResourceAllocation(models.Model):
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="allocations"
    )
    resource = models.ForeignKey(
        Resource,
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("room or device"),
        db_index=False,  # the (resource, start) index serves every lookup by resource
    )
    # The appointment's start and its blocked_until (end plus cleanup buffer).
    start = models.DateTimeField(_("from"))
    blocked_until = models.DateTimeField(_("until"))
    # False once the appointment is cancelled or declined: the row stays as a record.
    holds_time = models.BooleanField(_("holds the time"), default=True)

    class Meta:
        ordering = ["start", "resource"]
        verbose_name = _("room or device held")
        verbose_name_plural = _("rooms and devices held")
        indexes = [models.Index(fields=["resource", "start"], name="allocation_resource_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("blocked_until")),
                name="allocation_times_ordered",
                violation_error_message=_("An allocation must start before it ends."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.resource)
