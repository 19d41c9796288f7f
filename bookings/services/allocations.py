"""The one writer of allocation rows: which rooms and devices an appointment holds.

Every writer that books, moves or frees time calls allocations_follow in its own
transaction, after saving the appointment, so the rows always match it. There are no
triggers: a change made behind the services (a QuerySet.update) leaves the rows as
they were, and the exclusion constraint still refuses an overlap."""

from collections.abc import Sequence

from bookings.models import Appointment, ResourceAllocation


def allocations_follow(appointment: Appointment, resource_ids: Sequence[int] | None = None) -> None:
    """Make the appointment's allocation rows match it.

    Cancelled or declined: its rows stop holding time and stay as a record. Otherwise,
    with `resource_ids` (booked or moved): the rows hold those resources over the
    appointment's time, cleanup buffer included; without them, nothing changes.

    On Postgres an overlap with another appointment's row raises IntegrityError
    (allocation_no_overlap): the callers turn it into "That time was just taken".
    """
    held = ResourceAllocation.objects.filter(appointment=appointment, holds_time=True)
    if appointment.status in Appointment.FREEING_STATUSES:
        held.update(holds_time=False)
        return
    if resource_ids is None:
        return
    held.delete()
    ResourceAllocation.objects.bulk_create(
        ResourceAllocation(
            appointment=appointment,
            resource_id=resource_id,
            start=appointment.start,
            blocked_until=appointment.blocked_until,
        )
        for resource_id in resource_ids
    )
