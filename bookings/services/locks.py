"""The locks every writer that changes busy time takes first."""

from collections.abc import Iterable

from bookings.models import Appointment
from bookings.selectors.booking import BOOKING_RULES
from practitioners.models import Practitioner
from treatments.models import Resource, Treatment


def lock_schedules(
    treatment: Treatment, practitioner: Practitioner | None, *, also: Iterable[int] = ()
) -> None:
    """Serialise bookings per practitioner, room and device so a race loser gets a
    clean refusal.

    On Postgres: row locks, practitioners first and then the treatment's rooms and
    devices, each in id order, so two bookings never deadlock; every write that
    changes busy time takes them before it locks an appointment row. FOR NO KEY
    UPDATE: rows that reference them can still be inserted meanwhile. `also`: more
    practitioners (the one an appointment is moved away from). On SQLite the whole
    transaction already holds the write lock (IMMEDIATE mode in settings).
    """
    ids = (
        [practitioner.pk]
        if practitioner is not None
        else list(treatment.qualified_practitioners.values_list("pk", flat=True))
    )
    lock_practitioner_ids([*ids, *also])
    list(
        Resource.objects.filter(needs__treatment=treatment)
        .order_by("pk")
        .select_for_update(of=("self",), no_key=True)
        .values_list("pk", flat=True)
    )


def lock_practitioner_ids(ids: Iterable[int]) -> None:
    # list() runs the query: the locks are held from here to the end of the transaction.
    list(
        Practitioner.objects.filter(pk__in=set(ids))
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk", flat=True)
    )


def treatment_as_stored(treatment_id: int) -> Treatment:
    """The treatment with its booking rules, read afresh (call it under the locks)."""
    return Treatment.objects.prefetch_related(*BOOKING_RULES).get(pk=treatment_id)


def hold_schedules_of(appointments: Iterable[Appointment]) -> None:
    """Lock the practitioners of several appointments at once, in id order, before a
    transaction that changes them one after another (the admin's bulk cancel)."""
    lock_practitioner_ids(appointment.practitioner_id for appointment in appointments)


def hold_for_booking(
    treatment: Treatment,
    practitioner: Practitioner | None,
    *,
    moving: Appointment | None = None,
) -> None:
    """Lock what booking (or moving) an appointment will lock, until the caller's
    transaction ends: a form that validates now and writes later in the same
    transaction (the admin's add and move forms) cannot then lose the time to a
    booking in between, which would be an error page instead of a message."""
    lock_schedules(treatment, practitioner, also=[moving.practitioner_id] if moving else [])
