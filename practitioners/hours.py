"""The spa's opening hours, as the site's footer shows them.

Read from the active practitioners' weekly hours (the same hours the free times come
from), so the footer never says the spa closes before the last time it offers. A day
runs from the earliest start to the latest end of anyone working it.

On every public page, so kept in Django's cache for PUBLIC_PAGE_CACHE_SECONDS (a
minute at most): a change of hours made any way shows within that time, like the
catalogue pages themselves (medspa/page_cache.py). Nothing decides from it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Min

from practitioners.models import WorkingHours

CACHE_KEY = "opening-hours"
DAY_NAMES = [label for _, label in WorkingHours.Weekday.choices]


@dataclass(frozen=True)
class OpeningRow:
    """Consecutive days with the same hours: "Monday to Friday", 9 am, 8 pm. Closed
    days have no hours."""

    days: str
    opens: datetime.time | None = None
    closes: datetime.time | None = None


def opening_hours() -> list[OpeningRow]:
    """Monday to Sunday, consecutive days with the same hours together. One query on
    a cache miss, none otherwise."""
    rows = cache.get(CACHE_KEY)
    if rows is None:
        rows = _summarise(_hours_by_weekday())
        cache.set(CACHE_KEY, rows, settings.PUBLIC_PAGE_CACHE_SECONDS)
    return rows


def _hours_by_weekday() -> dict[int, tuple[datetime.time, datetime.time]]:
    spans = (
        WorkingHours.objects.filter(practitioner__is_active=True)
        .values("weekday")
        .annotate(opens=Min("starts_at"), closes=Max("ends_at"))
        .order_by("weekday")
    )
    return {span["weekday"]: (span["opens"], span["closes"]) for span in spans}


def _summarise(hours: dict[int, tuple[datetime.time, datetime.time]]) -> list[OpeningRow]:
    runs: list[list[int]] = []
    for weekday in range(7):
        if runs and hours.get(runs[-1][-1]) == hours.get(weekday):
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    return [OpeningRow(_days(run), *hours.get(run[0], (None, None))) for run in runs]


def _days(run: list[int]) -> str:
    first, last = DAY_NAMES[run[0]], DAY_NAMES[run[-1]]
    if len(run) == 1:
        return str(first)
    joiner = "and" if len(run) == 2 else "to"
    return f"{first} {joiner} {last}"
