"""`{% opening_hours as week %}`: the spa's opening hours for the footer
(practitioners/hours.py)."""

from django import template

from practitioners.hours import OpeningRow
from practitioners.hours import opening_hours as spa_opening_hours

register = template.Library()


@register.simple_tag
def opening_hours() -> list[OpeningRow]:
    return spa_opening_hours()
