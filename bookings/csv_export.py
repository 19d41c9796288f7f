"""CSV cells that spreadsheets cannot run as formulas."""


def csv_cell(value: object) -> str:
    """Prefix a quote to text a spreadsheet would run as a formula (= + - @, tab, CR)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
