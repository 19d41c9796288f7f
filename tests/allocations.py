"""Checks of the rooms and devices appointments hold, for data seeded in bulk or by the
demo: whatever wrote the rows, they must read as the booking service would have
written them."""

import datetime
from collections import defaultdict

from django.db.models import Exists, OuterRef

from bookings.models import Appointment, ResourceAllocation
from practitioners.models import Practitioner
from treatments.models import Resource, ResourceNeed, ResourceOutOfService


def overlapping_holds():
    """Holding allocations that overlap another holding allocation of their resource
    (a query: the database's own answer, on SQLite as well as on Postgres)."""
    other = ResourceAllocation.objects.filter(
        resource=OuterRef("resource"),
        holds_time=True,
        start__lt=OuterRef("blocked_until"),
        blocked_until__gt=OuterRef("start"),
    ).exclude(pk=OuterRef("pk"))
    return ResourceAllocation.objects.filter(holds_time=True).filter(Exists(other))


def holds_during_out_of_service():
    """Holding allocations that overlap an out-of-service period of their resource."""
    period = ResourceOutOfService.objects.filter(
        resource=OuterRef("resource"),
        starts_at__lt=OuterRef("blocked_until"),
        ends_at__gt=OuterRef("start"),
    )
    return ResourceAllocation.objects.filter(holds_time=True).filter(Exists(period))


def assert_one_resource_per_need() -> int:
    """Every appointment that holds time holds, over its own time (cleanup buffer
    included), exactly one resource of each need of its treatment and nothing else;
    a cancelled or declined one holds nothing. Returns how many rows hold time."""
    needs: dict[int, list[set[int]]] = defaultdict(list)
    for need in ResourceNeed.objects.prefetch_related("resources"):
        needs[need.treatment_id].append({resource.pk for resource in need.resources.all()})
    held: dict[int, list[ResourceAllocation]] = defaultdict(list)
    holding = 0
    for allocation in ResourceAllocation.objects.filter(holds_time=True):
        held[allocation.appointment_id].append(allocation)
        holding += 1
    appointments = Appointment.objects.values_list(
        "pk", "treatment_id", "status", "start", "blocked_until"
    )
    for pk, treatment_id, status, start, blocked_until in appointments:
        rows = held.get(pk, [])
        if status in Appointment.FREEING_STATUSES:
            assert rows == [], f"cancelled or declined appointment {pk} still holds {rows}"
            continue
        resources = [row.resource_id for row in rows]
        wanted = needs.get(treatment_id, [])
        assert len(resources) == len(set(resources)) == len(wanted), (pk, resources, wanted)
        for choices in wanted:
            assert len(choices & set(resources)) == 1, (pk, resources, choices)
        for row in rows:
            assert (row.start, row.blocked_until) == (start, blocked_until), (pk, row)
    return holding


def most_at_once(practitioners) -> int:
    """The most of these practitioners at work at one moment of the week (their weekly
    hours, every quarter of an hour)."""
    most = 0
    for weekday in range(7):
        for minutes in range(0, 24 * 60, 15):
            moment = datetime.time(minutes // 60, minutes % 60)
            working = sum(
                any(
                    block.weekday == weekday and block.starts_at <= moment < block.ends_at
                    for block in practitioner.working_hours.all()
                )
                for practitioner in practitioners
            )
            most = max(most, working)
    return most


def users_of(resources) -> list[Practitioner]:
    """Active practitioners qualified for a treatment that needs one of `resources`."""
    return list(
        Practitioner.objects.active()
        .filter(qualified_treatments__resource_needs__resources__in=resources)
        .distinct()
        .prefetch_related("working_hours")
    )


def rooms():
    return Resource.objects.in_service().filter(kind=Resource.Kind.ROOM)
