"""Staff sessions end after STAFF_IDLE_MINUTES without a request (SESSION_COOKIE_AGE),
and STAFF_SESSION_MAX_HOURS after sign-in however busy they are.

Every request moves the end forward, but the session row is rewritten at most once a
minute: rewriting it on every request (SESSION_SAVE_EVERY_REQUEST) cost a database
write and commit on every staff page. A session therefore ends between one minute
before and exactly STAFF_IDLE_MINUTES after its last request.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

REFRESH_SECONDS = 60
REFRESHED_KEY = "_refreshed_at"
SIGNED_IN_KEY = "_signed_in_at"


class SlidingSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        # Only signed-in sessions: a made-up or expired session cookie must not make
        # a new session row (is_authenticated reads the session, which then has no
        # key when its row does not exist).
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if session.session_key and now - session.get(REFRESHED_KEY, 0) >= REFRESH_SECONDS:
                session[REFRESHED_KEY] = now  # saved, with a new expiry, by SessionMiddleware
        return response


class SessionLifetimeMiddleware:
    """Sign out a session STAFF_SESSION_MAX_HOURS after it signed in (after the
    authentication middleware: it needs request.user)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            signed_in_at = request.session.setdefault(SIGNED_IN_KEY, now)
            if now - signed_in_at >= settings.STAFF_SESSION_MAX_HOURS * 3600:
                logout(request)
        return self.get_response(request)
