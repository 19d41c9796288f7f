"""Money as people read it, one way everywhere: "$125" for whole dollars, "$1,250.50"
with cents. Templates use the `money` filter (treatments/templatetags/spa_formats.py);
plain-text mail and the admin call `money` itself. Exports keep plain numbers."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(amount: Decimal | int | str | None) -> str:
    """ "$125", "$1,250.50", "-$20"; "" for no amount."""
    if amount is None or amount == "":
        return ""
    value = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    value = abs(value)
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    return f"{sign}${text}"
