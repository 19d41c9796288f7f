"""Per-address limit on booking POSTs (BOOKING_RATE_LIMIT a minute), in the shared cache."""

import functools
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from medspa.client_address import client_address


def over_limit(request: HttpRequest) -> bool:
    """Count this request; True once the address has made more than the limit this minute."""
    limit = settings.BOOKING_RATE_LIMIT
    if limit <= 0:
        return False
    # The minute starts with the address's first POST (not on the clock's minute), so
    # a burst cannot straddle a boundary to get twice the limit.
    key = f"booking-rate:{client_address(request)}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        count = 1
    return count > limit


def rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse POSTs past the limit with a friendly 429 page; GETs are never limited."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and over_limit(request):
            response = render(request, "429.html", status=429)
            response["Retry-After"] = "60"
            return response
        return view(request, *args, **kwargs)

    return wrapper
