"""Times as people read them: always on the spa's clock (TIME_ZONE), one format per
kind of screen. Times are stored in UTC; nothing a person reads is.

- staff screens (the admin, history, messages, the portals): `staff_time` for a moment,
  `staff_date` for a day (the admin's own date displays use the same formats:
  medspa/formats/en/formats.py), `clock` for the time alone next to a day already shown
- client pages and mail: `client_date`, `client_time`, `client_when` (both), and
  `client_day` where a day must fit on a button
- exports (CSV, for spreadsheets): `export_time`

Templates reach the same functions through the `spa_formats` filters
(treatments/templatetags/spa_formats.py).
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import dateformat

STAFF_DATETIME = "D d M Y, H:i"  # Mon 09 Mar 2026, 14:00
STAFF_DATE = "d M Y"  # 09 Mar 2026
STAFF_CLOCK = "H:i"  # 14:00
CLIENT_DATE = "l j F Y"  # Monday 9 March 2026
CLIENT_DAY = "D j M"  # Mon 9 Mar
CLIENT_CLOCK = "g:i A"  # 2:00 PM


def spa_local(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def _day(value: datetime.date | datetime.datetime) -> datetime.date | datetime.datetime:
    """A moment on the spa's clock; a plain date as it is."""
    return spa_local(value) if isinstance(value, datetime.datetime) else value


def _time(value: datetime.time | datetime.datetime) -> datetime.time | datetime.datetime:
    return spa_local(value) if isinstance(value, datetime.datetime) else value


def staff_time(moment: datetime.datetime) -> str:
    return dateformat.format(spa_local(moment), STAFF_DATETIME)


def staff_date(day: datetime.date | datetime.datetime) -> str:
    return dateformat.format(_day(day), STAFF_DATE)


def clock(moment: datetime.datetime | datetime.time) -> str:
    return dateformat.time_format(_time(moment), STAFF_CLOCK)


def client_date(day: datetime.date | datetime.datetime) -> str:
    return dateformat.format(_day(day), CLIENT_DATE)


def client_day(day: datetime.date | datetime.datetime) -> str:
    return dateformat.format(_day(day), CLIENT_DAY)


def client_time(moment: datetime.datetime | datetime.time) -> str:
    return dateformat.time_format(_time(moment), CLIENT_CLOCK)


def client_when(moment: datetime.datetime) -> str:
    return f"{client_date(moment)}, {client_time(moment)}"


def export_time(moment: datetime.datetime | None) -> str:
    return spa_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""
