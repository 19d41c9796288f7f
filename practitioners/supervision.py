"""Who supervises whom: the one place that answers it, and the physician's acceptance."""

import datetime
import functools
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from practitioners.models import Practitioner, SupervisionAgreement
from treatments.models import Treatment


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return _end_of_day_in(day, timezone.get_current_timezone_name())


@functools.lru_cache(maxsize=1024)
def _end_of_day_in(day: datetime.date, zone_name: str) -> datetime.datetime:
    next_midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return next_midnight.replace(tzinfo=ZoneInfo(zone_name))


def agreement_supervises(
    agreement: SupervisionAgreement,
    *,
    practitioner: Practitioner,
    treatment: Treatment,
    day: datetime.date,
) -> bool:
    """True when this agreement puts `practitioner` under supervision for `treatment` on `day`.

    Pure over loaded objects (uses prefetched `treatments` when present) so that
    availability can check many days and practitioners without a query each.
    """
    physician = agreement.physician
    return (
        agreement.practitioner_id == practitioner.pk
        and agreement.accepted_at is not None
        # Accepted later than the day means nothing was on record that day.
        and agreement.accepted_at < _end_of_day(day)
        and agreement.valid_from <= day <= agreement.valid_until
        and physician.role.can_supervise
        and physician.is_active
        and physician.licence_valid_on(day)
        and (
            agreement.covers_all_qualified
            or any(covered.pk == treatment.pk for covered in agreement.treatments.all())
        )
    )


def physician_from_agreements(
    agreements: Iterable[SupervisionAgreement],
    *,
    practitioner: Practitioner,
    treatment: Treatment,
    day: datetime.date,
) -> Practitioner | None:
    """The supervising physician among loaded agreements, or None (see supervising_physician)."""
    if practitioner.role.can_supervise:
        return practitioner if practitioner.licence_valid_on(day) else None
    matching = [
        agreement
        for agreement in agreements
        if agreement_supervises(agreement, practitioner=practitioner, treatment=treatment, day=day)
    ]
    if not matching:
        return None
    # Several agreements in force: the longest-standing one, so the answer is stable.
    matching.sort(key=lambda agreement: (agreement.valid_from, agreement.pk))
    return matching[0].physician


def agreements_for(practitioner_ids: Iterable[int]) -> list[SupervisionAgreement]:
    """Every accepted agreement of these practitioners, loaded for physician_from_agreements."""
    return list(
        SupervisionAgreement.objects.accepted()
        .filter(practitioner_id__in=list(practitioner_ids))
        .select_related("physician__role")
        .prefetch_related("treatments")
    )


def supervising_physician(
    *, practitioner: Practitioner, treatment: Treatment, day: datetime.date
) -> Practitioner | None:
    """Which physician supervises `practitioner` for `treatment` on `day`, or None.

    None when there is no agreement, it was not accepted by the physician (by that
    day), it is not yet valid or has expired, it does not cover the treatment, or the
    physician's licence has expired. A physician performing a treatment supervises
    themself while their own licence is valid.
    """
    if practitioner.role.can_supervise:
        return practitioner if practitioner.licence_valid_on(day) else None
    return physician_from_agreements(
        agreements_for([practitioner.pk]), practitioner=practitioner, treatment=treatment, day=day
    )


@transaction.atomic
def agreement_accept(
    *, agreement: SupervisionAgreement, user: AbstractBaseUser
) -> SupervisionAgreement:
    """Record the physician's own acceptance of an agreement.

    Raises PermissionDenied when `user` is not the physician's own login: nobody may
    accept on a doctor's behalf. Raises ValidationError when it was already accepted.
    """
    agreement = (
        SupervisionAgreement.objects.select_for_update(of=("self",), no_key=True)
        .select_related("physician")
        .get(pk=agreement.pk)
    )
    if agreement.physician.user_id is None or agreement.physician.user_id != user.pk:
        raise PermissionDenied("Only the supervising physician can accept this agreement.")
    if agreement.accepted_at is not None:
        raise ValidationError("This agreement was already accepted.")
    agreement.accepted_by = user
    agreement.accepted_at = timezone.now()
    agreement.save(update_fields=["accepted_by", "accepted_at"])
    return agreement
