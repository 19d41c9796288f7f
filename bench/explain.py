"""Print the query plans (EXPLAIN ANALYZE) of the hot queries on the benchmark's data.

Run after `make bench` (or against any seeded Postgres database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/medspa_bench .venv/bin/python bench/explain.py

Each plan should use an index, never a sequential scan of the appointments.
"""

import datetime
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medspa.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/medspa_bench")
os.environ.setdefault("DEBUG", "1")  # a script, not a server: no SECRET_KEY needed

import django  # noqa: E402

django.setup()

from django.db.models import QuerySet  # noqa: E402
from django.utils import timezone  # noqa: E402

from bookings.availability import Policy, day_bounds  # noqa: E402
from bookings.models import Appointment, Review  # noqa: E402
from bookings.selectors.booking import (  # noqa: E402
    busy_times,
    qualified_practitioners,
    resource_busy_times,
)
from practitioners.models import Practitioner  # noqa: E402
from treatments.models import Resource, Treatment  # noqa: E402


def show(title: str, queryset: QuerySet) -> None:
    print(f"\n## {title}\n")
    print(queryset.explain(analyze=True))


def main() -> None:
    policy = Policy.from_settings()
    today = timezone.localdate()
    fortnight = day_bounds(today, today + datetime.timedelta(days=13), policy.zone)
    one_day = day_bounds(today, today, policy.zone)
    medical = Treatment.objects.filter(kind=Treatment.Kind.MEDICAL, is_active=True).first()
    ids = [p.pk for p in qualified_practitioners(medical)]
    show(
        f"availability and every booking: time off and busy time of {len(ids)} "
        "practitioners over 14 days (bookings/selectors/booking.py)",
        busy_times(ids, fortnight.start, fortnight.end),
    )
    show(
        "a booking: one practitioner's time off and busy time on one day",
        busy_times(ids[:1], one_day.start, one_day.end),
    )
    rooms = list(Resource.objects.filter(needs__treatment=medical).values_list("pk", flat=True))
    show(
        f"availability and every booking: out-of-service periods and allocations of the "
        f"{len(rooms)} rooms and devices {medical.name} may use, over 14 days",
        resource_busy_times(rooms, fortnight.start, fortnight.end),
    )
    doctor = Practitioner.objects.physicians().first()
    show(
        "doctor queue: a page of pending reviews, soonest first",
        Review.objects.filter(physician=doctor, decision=Review.Decision.PENDING)
        .order_by("appointment__start", "pk")
        .values_list("pk", flat=True)[:25],
    )
    show(
        "admin list: the first page, by start",
        Appointment.objects.select_related(
            "client", "treatment", "practitioner", "review"
        ).order_by("start", "-pk")[:51],
    )
    show(
        "day schedule: one day's appointments",
        Appointment.objects.overlapping(one_day.start, one_day.end)
        .exclude(status__in=Appointment.FREEING_STATUSES)
        .select_related("client", "treatment")
        .order_by("start"),
    )


if __name__ == "__main__":
    main()
