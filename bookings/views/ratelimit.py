"""Limits on what strangers can make us do, counted in the shared cache: booking POSTs
per address (BOOKING_RATE_LIMIT a minute), and sign-in and find-my-booking mails per
address and per email (CLIENT_SIGN_IN_PER_HOUR an hour)."""

import functools
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from medspa.client_address import client_address


def _count(key: str, seconds: int) -> int:
    """Count one more in a window that starts with the first (not on the clock's
    minute), so a burst cannot straddle a boundary to get twice the limit."""
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1


def over_limit(request: HttpRequest) -> bool:
    """Count this request; True once the address has made more than the limit this minute."""
    limit = settings.BOOKING_RATE_LIMIT
    if limit <= 0:
        return False
    return _count(f"booking-rate:{client_address(request)}", 60) > limit


def too_many_mails_asked(request: HttpRequest, email: str) -> bool:
    """Count a sign-in (or find-my-booking) request against both its network address
    and the email typed; True once either is past CLIENT_SIGN_IN_PER_HOUR. The email
    is counted whether or not we know it, so the limit tells nobody anything."""
    limit = settings.CLIENT_SIGN_IN_PER_HOUR
    if limit <= 0:
        return False
    by_address = _count(f"sign-in-rate:address:{client_address(request)}", 3600)
    # Hashed: cache keys must be short and plain, and the cache needn't hold addresses.
    email_key = hashlib.sha256(email.encode()).hexdigest()
    by_email = _count(f"sign-in-rate:email:{email_key}", 3600)
    return by_address > limit or by_email > limit


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
