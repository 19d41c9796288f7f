"""Times as people read them: always on the spa's clock (TIME_ZONE), one format per
kind of screen. Times are stored in UTC; nothing a person reads is.

- staff screens (the admin, history, messages, the portals' text): `staff_time`
- the clock alone, next to a day already shown: `clock`
- exports (CSV, for spreadsheets): `export_time`
Client pages and mail use Django's date filters, which read the same TIME_ZONE.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings


def spa_local(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def staff_time(moment: datetime.datetime) -> str:
    return spa_local(moment).strftime("%a %d %b %Y, %H:%M")


def clock(moment: datetime.datetime) -> str:
    return spa_local(moment).strftime("%H:%M")


def export_time(moment: datetime.datetime | None) -> str:
    return spa_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""
