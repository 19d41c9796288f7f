"""CSV downloads whose cells spreadsheets cannot run as formulas."""

import csv
from collections.abc import Iterable

from django.http import HttpResponse


def csv_cell(value: object) -> str:
    """Prefix a quote to text a spreadsheet would run as a formula (= + - @, tab, CR)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_download(filename: str, rows: Iterable[Iterable[object]]) -> HttpResponse:
    """A CSV attachment; every cell goes through csv_cell."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv.writer(response).writerows([csv_cell(value) for value in row] for row in rows)
    return response
