"""Public pages served from Django's cache for a short, bounded time.

Only what is shown is cached; no booking decision reads it (the booking service
re-checks everything under its locks). Two kinds of page:

- catalogue pages (home, the catalogue, a treatment): the same for every visitor and
  changed a few times a day. Kept in the default cache (Redis when REDIS_URL is set,
  else each worker's memory) for PUBLIC_PAGE_CACHE_SECONDS, at most a minute, so a
  change made by any path (the admin, QuerySet.update, SQL) shows within that time.
- free times (the availability API, the booking page before a time is chosen): kept
  for FREE_TIMES_CACHE_SECONDS, a few seconds, and only in the shared cache, so a
  booked time disappears for every visitor and every worker within those seconds.
  Without a shared cache they are computed for every request.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

SHARED_CACHE_BACKENDS = {"django.core.cache.backends.redis.RedisCache"}


def catalogue_page(key_for: Callable[..., str | None]) -> Callable:
    """Keep the view's response for PUBLIC_PAGE_CACHE_SECONDS."""
    return _cached_page(key_for, lambda: settings.PUBLIC_PAGE_CACHE_SECONDS)


def free_times_page(key_for: Callable[..., str | None]) -> Callable:
    """Keep the view's response for FREE_TIMES_CACHE_SECONDS in the shared cache only."""

    def seconds() -> int:
        shared = settings.CACHES["default"]["BACKEND"] in SHARED_CACHE_BACKENDS
        return settings.FREE_TIMES_CACHE_SECONDS if shared else 0

    return _cached_page(key_for, seconds)


def _cached_page(key_for: Callable[..., str | None], seconds: Callable[[], int]) -> Callable:
    """`key_for(request, *args, **kwargs)` names the variant from only what the view
    reads (so made-up query strings share an entry), or None for a request that must
    be rendered (a form). A visitor with a session or messages waiting gets a fresh
    render, which shows their messages; a response that sets a cookie, holds a CSRF
    token or is not a 200 is never kept."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        name = f"{view.__module__}.{view.__qualname__}"

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            timeout = seconds()
            variant = key_for(request, *args, **kwargs)
            if (
                timeout <= 0
                or variant is None
                or request.method not in ("GET", "HEAD")
                or _has_visitor_state(request)
            ):
                return view(request, *args, **kwargs)
            key = f"page:{name}:{variant}"
            response = cache.get(key)
            if response is None:
                response = view(request, *args, **kwargs)
                if _shareable(request, response):
                    cache.set(key, response, timeout)
            return response

        return wrapper

    return decorator


def _has_visitor_state(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES


def _shareable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # The page used this visitor's CSRF token: it must never reach anyone else.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )
