"""Public pages that show only the catalogue, served from Django's cache for a minute.

The home page, the catalogue and a treatment's page are the same for every visitor
without a session, and they change a few times a day. A rendered page is kept in the
default cache (Redis when REDIS_URL is set, else each worker's memory) for
PUBLIC_PAGE_CACHE_SECONDS: a change made by any path (the admin, QuerySet.update, SQL)
shows within that time. Only what is shown is cached; no booking decision reads it.
"""

import functools
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse


def public_page(key_for: Callable[..., Hashable]) -> Callable:
    """Keep the view's response for PUBLIC_PAGE_CACHE_SECONDS, per variant.

    `key_for(request, *args, **kwargs)` names the variant from only what the view reads
    (so made-up query strings share an entry). A visitor with a session or messages
    waiting gets a fresh render, which shows their messages; a response that sets a
    cookie or holds a CSRF token is never kept.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in ("GET", "HEAD") or _has_visitor_state(request):
                return view(request, *args, **kwargs)
            key = f"page:{view.__module__}.{view.__qualname__}:{key_for(request, *args, **kwargs)}"
            response = cache.get(key)
            if response is None:
                response = view(request, *args, **kwargs)
                if _shareable(request, response):
                    cache.set(key, response, settings.PUBLIC_PAGE_CACHE_SECONDS)
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
