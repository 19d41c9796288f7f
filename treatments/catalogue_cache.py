"""Catalogue data and pages kept in each worker's memory until the catalogue changes.

Treatments, practitioners, their hours and supervision agreements change a few times
a day, yet every public page and every availability answer reads them. Each worker
keeps what it built under the catalogue's version token (the one CatalogueVersion
row) and reads the token once per request: one tiny query instead of the joins and
prefetches, and no shared cache server needed, however many workers run.

Any save or delete of a watched model changes the token in the same transaction
(each app's ready() calls watch()), so a request sees the new token exactly when it
sees the new data: a visitor never gets a stale price. Code that writes in bulk
(bulk_create, QuerySet.update) calls catalogue_changed() itself.

What is kept is shared by every request of the worker: callers must treat it as
read-only.
"""

import functools
import threading
import uuid
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connection, models
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from medspa.kept import MISSING, Kept
from treatments.models import CatalogueVersion

T = TypeVar("T")
# Raw SQL: the one query on every request, without the ORM's cost.
VERSION_QUERY = "SELECT token FROM treatments_catalogueversion WHERE id = 1"
_UNREAD = object()

# Catalogue objects: a thousand, enough for every treatment several times over. Free
# slots: 50,000 in all (a slot with its JSON is about 0.4 KB: ~20 MB a worker, whatever
# dates and spans visitors ask for). Rendered pages: 8 MB of HTML.
_small = Kept(max_size=1000)
_large = Kept(max_size=50_000, size=len)
_pages = Kept(max_size=8_000_000, size=lambda page: len(page[0]))
_request = threading.local()


def catalogue_changed(**_signal_arguments: Any) -> None:
    """Give the catalogue a new token, in the caller's transaction."""
    token = uuid.uuid4().hex
    if not CatalogueVersion.objects.filter(pk=1).update(token=token):
        # The row is gone only when a test flushed the tables.
        CatalogueVersion.objects.update_or_create(pk=1, defaults={"token": token})
    _request.token = _UNREAD


def watch(*watched: type[models.Model]) -> None:
    """Change the token whenever one of these models, or one of its many-to-many
    relations, is saved or deleted."""
    for model in watched:
        uid = f"catalogue_changed:{model._meta.label}"
        post_save.connect(catalogue_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(catalogue_changed, sender=model, dispatch_uid=uid)
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                catalogue_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}.{field}"
            )


def read_version_again() -> None:
    """Forget the token this request read, so the next lookup reads it again (the
    booking service calls it once it holds its locks)."""
    _request.token = _UNREAD


def current_token() -> str | None:
    """The token as this request sees it (read once per request), or None without the row."""
    token = getattr(_request, "token", _UNREAD)
    if token is _UNREAD:
        with connection.cursor() as cursor:
            cursor.execute(VERSION_QUERY)
            row = cursor.fetchone()
        token = row[0] if row else None
        if getattr(_request, "active", False):
            _request.token = token
    return token


def _lookup(store: Kept, key: Hashable) -> tuple[str | None, Any]:
    token = current_token()
    if token is None:
        return None, MISSING
    return token, store.get((token, key))


def remember(
    key: Hashable,
    build: Callable[[], T],
    *,
    keep: Callable[[T], bool] = bool,
    large: bool = False,
) -> T:
    """What build() returns for this key under the current catalogue, built at most once
    per worker and catalogue version. Values for which keep() is false (by default
    None and empty ones) are not kept, so unknown keys cost no memory. `large` values
    (lists) go to the store bounded by their total length."""
    store = _large if large else _small
    token, value = _lookup(store, key)
    if value is MISSING:
        value = build()
        if token is not None and keep(value):
            store.put((token, key), value)
    return value


def catalogue_page(key_for: Callable[..., Hashable]) -> Callable:
    """Serve a public page from memory while the catalogue is unchanged.

    For pages that show nothing but the catalogue: no form, no user, no messages.
    `key_for(request, **kwargs)` names the variant (only what the view reads from
    the request, so made-up query strings do not fill memory). A visitor with a
    session or pending messages gets a fresh render, which shows their messages.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in ("GET", "HEAD") or _has_visitor_state(request):
                return view(request, *args, **kwargs)
            key = ("page", view.__qualname__, key_for(request, *args, **kwargs))
            return _kept_page(request, key, lambda: view(request, *args, **kwargs))

        return wrapper

    return decorator


def render_kept(
    request: HttpRequest, template_name: str, context: dict[str, Any], key: Hashable
) -> HttpResponse:
    """render(), kept in memory under the catalogue version and `key`.

    For a page that every visitor sees the same way: no form, no CSRF token, no
    messages. `key` must name everything the page shows that is not catalogue data
    (the booking page's time picker passes its fingerprint).
    """
    if _has_visitor_state(request):
        return render(request, template_name, context)
    return _kept_page(
        request,
        ("render", template_name, key),
        lambda: render(request, template_name, context),
    )


def _kept_page(
    request: HttpRequest, key: Hashable, build: Callable[[], HttpResponse]
) -> HttpResponse:
    token, page = _lookup(_pages, key)
    if page is not MISSING:
        content, content_type = page
        return HttpResponse(content, content_type=content_type)
    response = build()
    personal = (
        response.cookies
        # The page used this visitor's CSRF token: it must never reach anyone else.
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )
    if token is not None and response.status_code == 200 and not personal:
        _pages.put((token, key), (response.content, response["Content-Type"]))
    return response


def _has_visitor_state(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES


def _request_started(**_ignored: Any) -> None:
    _request.active, _request.token = True, _UNREAD


def _request_finished(**_ignored: Any) -> None:
    _request.active, _request.token = False, _UNREAD


request_started.connect(_request_started, dispatch_uid="catalogue_cache.request_started")
request_finished.connect(_request_finished, dispatch_uid="catalogue_cache.request_finished")
