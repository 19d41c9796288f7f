"""A room or device back in service sooner (its out-of-service period removed or
shortened) frees time for the waitlist. The period is the catalogue's (treatments
never imports bookings), so its changes reach us by signal, connected in
bookings/apps.py; the opening is written in the change's own transaction."""

from django.db.models.signals import post_delete, post_save, pre_save

from bookings.services.waitlist import time_freed
from treatments.models import ResourceOutOfService

WHY = "back in service"


def _remember_before(sender, instance: ResourceOutOfService, **kwargs) -> None:
    instance._waitlist_before = (
        ResourceOutOfService.objects.filter(pk=instance.pk)
        .values_list("resource_id", "starts_at", "ends_at")
        .first()
        if instance.pk
        else None
    )


def _freed_by_change(sender, instance: ResourceOutOfService, **kwargs) -> None:
    before = getattr(instance, "_waitlist_before", None)
    if before is None:
        return
    resource_id, start, end = before
    if resource_id != instance.resource_id:
        time_freed(resource_id=resource_id, start=start, until=end, why=WHY)
        return
    # What the old period covered and the new one does not: before it, and after it.
    for freed_start, freed_end in (
        (start, min(end, instance.starts_at)),
        (max(start, instance.ends_at), end),
    ):
        if freed_start < freed_end:
            time_freed(resource_id=resource_id, start=freed_start, until=freed_end, why=WHY)


def _freed_by_delete(sender, instance: ResourceOutOfService, **kwargs) -> None:
    time_freed(
        resource_id=instance.resource_id, start=instance.starts_at, until=instance.ends_at, why=WHY
    )


def connect() -> None:
    uid = "waitlist_out_of_service"
    pre_save.connect(_remember_before, sender=ResourceOutOfService, dispatch_uid=uid)
    post_save.connect(_freed_by_change, sender=ResourceOutOfService, dispatch_uid=uid)
    post_delete.connect(_freed_by_delete, sender=ResourceOutOfService, dispatch_uid=uid)
