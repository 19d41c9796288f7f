"""Times as people read them: always on the spa's clock (TIME_ZONE), one way per kind
of screen. Times are stored in UTC; nothing a person reads is.

- the time of day, everywhere a person reads it: `clock` ("2:00 PM")
- staff screens (the admin, history, messages, the doctor's and practitioners'
  portals): `staff_time` for a moment, `staff_date` for a day; the admin's own date
  displays use the same formats (medspa/formats/en/formats.py)
- client pages and mail: `client_date`, `client_when` (date and time), `client_day`
  where a day must fit on a button, and `relative_day` ("today", "tomorrow")
- exports (CSV, for spreadsheets): `export_time`, `export_clock`

Templates reach the same functions through the `spa_formats` filters
(treatments/templatetags/spa_formats.py).
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import dateformat

CLOCK = "g:i A"  # 2:00 PM
STAFF_DATE = "D j M Y"  # Tue 8 Jun 2027
STAFF_DATETIME = f"{STAFF_DATE}, {CLOCK}"  # Tue 8 Jun 2027, 2:00 PM
CLIENT_DATE = "l j F Y"  # Tuesday 8 June 2027
CLIENT_DAY = "D j M"  # Tue 8 Jun


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
    return dateformat.time_format(_time(moment), CLOCK)


def client_date(day: datetime.date | datetime.datetime) -> str:
    return dateformat.format(_day(day), CLIENT_DATE)


def client_day(day: datetime.date | datetime.datetime) -> str:
    return dateformat.format(_day(day), CLIENT_DAY)


def client_when(moment: datetime.datetime) -> str:
    return f"{client_date(moment)}, {clock(moment)}"


def export_time(moment: datetime.datetime | None) -> str:
    return spa_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def export_clock(moment: datetime.datetime) -> str:
    return spa_local(moment).strftime("%H:%M")


def relative_day(moment: datetime.datetime, now: datetime.datetime) -> str:
    """ "today", "tomorrow" or "on Monday 9 March 2026", by the spa's calendar (so a
    daylight-saving day and a mail written at 11:50 pm both get it right)."""
    days = (spa_local(moment).date() - spa_local(now).date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"on {client_date(moment)}"
