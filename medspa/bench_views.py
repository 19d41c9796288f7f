"""The benchmark's ceiling: a bare view through the same gunicorn, middleware and
settings as every page, returning a constant 5 KB page (bench/run.py). Routed only
when BENCH_CEILING=1 (medspa/urls.py)."""

from django.http import HttpRequest, HttpResponse

_ROW = "<p>Lumen Med Spa: facials, massage, peels, injectables and lasers.</p>\n"
PAGE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
    "<title>Ceiling</title></head><body>\n"
    + _ROW * ((5 * 1024 - 120) // len(_ROW))
    + "</body></html>\n"
).encode()


def ceiling(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")
