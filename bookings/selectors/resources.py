"""Reads of the rooms and devices appointments hold, for the pages that show them."""

from django.db.models import Prefetch, QuerySet

from bookings.models import ResourceAllocation


def with_held_resources(appointments: QuerySet) -> QuerySet:
    """The appointments, each with `held_resources`: the rooms and devices it holds,
    lowest-numbered first (one query for all of them)."""
    return appointments.prefetch_related(
        Prefetch(
            "allocations",
            queryset=ResourceAllocation.objects.filter(holds_time=True)
            .select_related("resource")
            .order_by("resource_id"),
            to_attr="held_resources",
        )
    )
