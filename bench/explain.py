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
from bookings.selectors import _load_qualified_practitioners  # noqa: E402
from practitioners.models import Practitioner, TimeOff  # noqa: E402
from treatments.models import Treatment  # noqa: E402


def show(title: str, queryset: QuerySet) -> None:
    print(f"\n## {title}\n")
    print(queryset.explain(analyze=True))


def main() -> None:
    policy = Policy.from_settings()
    today = timezone.localdate()
    fortnight = day_bounds(today, today + datetime.timedelta(days=13), policy.zone)
    one_day = day_bounds(today, today, policy.zone)
    medical = Treatment.objects.filter(kind=Treatment.Kind.MEDICAL, is_active=True).first()
    ids = [p.pk for p in _load_qualified_practitioners(medical)]
    show(
        f"availability: busy time of {len(ids)} practitioners over 14 days",
        Appointment.objects.holding_time()
        .overlapping(fortnight.start, fortnight.end)
        .filter(practitioner_id__in=ids)
        .values_list("practitioner_id", "start", "blocked_until"),
    )
    show(
        "availability: time off over 14 days",
        TimeOff.objects.filter(
            practitioner_id__in=ids, starts_at__lt=fortnight.end, ends_at__gt=fortnight.start
        ).values_list("practitioner_id", "starts_at", "ends_at"),
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
