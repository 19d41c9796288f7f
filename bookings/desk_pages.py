"""Staff pages kept in each worker's memory, per person, until what they show changes.

The front desk's appointment list and day schedule and the doctor's queue are
reloaded all day, far more often than a booking, a check-in or a review lands, and
each costs tens of milliseconds to build (50 admin rows, a grid of ten columns). A
worker keeps each person's rendered page under:

- the desk token (DeskVersion): database triggers change it when a transaction that
  wrote appointments, clients, intakes, consents, reviews, charts or time off commits;
- the catalogue token (treatments, practitioners, hours, supervision);
- the person: their id, name, browser's CSRF secret (a page's CSRF token is good
  only with that browser's cookie) and, for admin pages, permissions;
- the page's address and today's date (the "today" filters and links).

A request reads the two tokens (two tiny queries) and gets the kept page, or builds
it. Nothing is kept or served while messages wait to be shown, nor (on PostgreSQL,
where the token changes at commit) in a transaction that has itself written desk
data: it sees its own writes before the token changes.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

from medspa.kept import MISSING, Kept
from treatments.catalogue_cache import current_token

# About a hundred pages of 50 to 90 KB in each worker.
_staff_pages = Kept(max_size=8_000_000, size=lambda page: len(page[0]))

# PostgreSQL changes the token at commit; until then a transaction that wrote desk
# data carries a transaction-local setting (bookings migration 0009), and the second
# column says so. SQLite changes the token at once: no such column needed.
DESK_TOKEN_QUERY = {
    "postgresql": (
        "SELECT token, coalesce(current_setting('medspa.desk_written', true) = 'on', false)"
        " FROM bookings_deskversion WHERE id = 1"
    ),
    "sqlite": "SELECT token, 0 FROM bookings_deskversion WHERE id = 1",
}


def desk_token() -> str | None:
    """The desk token as this request sees it, or None when pages must not be kept:
    no row (a test flushed the tables), or, on PostgreSQL, this transaction wrote desk
    data whose token change waits for its commit."""
    with connection.cursor() as cursor:
        cursor.execute(DESK_TOKEN_QUERY[connection.vendor])
        row = cursor.fetchone()
    if row is None or row[1]:
        return None
    return row[0]


def kept_staff_page(
    request: HttpRequest,
    page: str,
    build: Callable[[], HttpResponse],
    *,
    keyed_by_permissions: bool = True,
) -> HttpResponse:
    """The page build() renders for this person, kept until the data it shows changes.

    Call it after the view's permission checks: it decides nothing about access.
    `page` names the view; build() must show only desk and catalogue data, the
    request's user and its query string. A page whose content depends on the user's
    permissions (every admin page: its actions, links and menus) keeps one copy per
    set of permissions.
    """
    key = _key(request, page, keyed_by_permissions)
    # Read before build(): rendering a CSRF token gives a browser without one a secret.
    had_csrf_cookie = bool(request.META.get("CSRF_COOKIE"))
    if key is not None:
        kept = _staff_pages.get(key)
        if kept is not MISSING:
            content, content_type, holds_csrf_token = kept
            if holds_csrf_token:
                # As rendering did: the middleware then refreshes the CSRF cookie.
                get_token(request)
            return HttpResponse(content, content_type=content_type)
    response = build()
    if key is None or response.status_code != 200 or response.streaming:
        return response
    if hasattr(response, "render"):
        response.render()
    # A page that asked for the CSRF token is marked by the middleware's flag, or,
    # for admin views (their own csrf_protect renders a TemplateResponse's cookie in
    # a post-render callback, run by the render() above), by the cookie already set.
    holds_csrf_token = bool(
        request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or settings.CSRF_COOKIE_NAME in response.cookies
    )
    # A token made for a browser that had no CSRF cookie yet matches only the cookie
    # this response sets: such a page is never kept, nor one that sets other cookies.
    personal = set(response.cookies) - {settings.CSRF_COOKIE_NAME} or (
        holds_csrf_token and not had_csrf_cookie
    )
    if not personal and not _messages_shown(request):
        _staff_pages.put(key, (response.content, response["Content-Type"], holds_csrf_token))
    return response


def _key(request: HttpRequest, page: str, keyed_by_permissions: bool) -> tuple | None:
    user = request.user
    if request.method != "GET" or not user.is_authenticated or _messages_waiting(request):
        return None
    catalogue, desk = current_token(), desk_token()
    if catalogue is None or desk is None:
        return None
    person = (
        user.pk,
        user.get_username(),
        user.get_full_name(),
        user.is_superuser,
        # A superuser may do everything: no need to read every permission.
        frozenset(user.get_all_permissions())
        if keyed_by_permissions and not user.is_superuser
        else None,
    )
    return (
        page,
        person,
        request.META.get("CSRF_COOKIE") or "",
        request.get_full_path(),
        timezone.localdate(),
        desk,
        catalogue,
    )


def _messages_waiting(request: HttpRequest) -> bool:
    """Messages stored for this browser (in its cookie, or its session when too big)."""
    return CookieStorage.cookie_name in request.COOKIES or (
        SessionStorage.session_key in request.session
    )


def _messages_shown(request: HttpRequest) -> bool:
    """The page showed messages, or a message was added while it rendered."""
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0
