"""One way to write money, dates and times, for every template: `{% load spa_formats %}`.

The filters are the helpers of medspa/money.py and medspa/clock.py, which plain-text
mail and the admin call directly, so a price or a time reads the same everywhere.
"""

import datetime
from decimal import Decimal

from django import template

from medspa import clock
from medspa.money import money as money_text

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    """$125, or $1,250.50 with cents."""
    return money_text(amount)


def _or_blank(function):
    def wrapper(value: datetime.date | datetime.datetime | datetime.time | None) -> str:
        return function(value) if value not in (None, "") else ""

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


for _name in (
    "staff_time",
    "staff_date",
    "clock",
    "client_date",
    "client_day",
    "client_when",
):
    register.filter(_name, _or_blank(getattr(clock, _name)))
