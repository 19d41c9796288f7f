"""A signed-in client's session: the client's own keys in Django's session.

A client is not a Django User. Staff pages read request.user (the auth middleware),
which never looks at these keys, so a client's session opens no staff page; and a
staff sign-in in the same browser drops them (bookings/apps.py connects
drop_client_on_staff_login), so one session never holds both.
"""

import time

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import rotate_token

from bookings.models import Client

CLIENT_KEY = "_client_id"
CLIENT_SIGNED_IN_KEY = "_client_signed_in_at"


def signed_in_client(request: HttpRequest) -> Client | None:
    """The client this browser signed in as, or None (never signed in, signed out,
    past CLIENT_SESSION_HOURS, or the record was closed since)."""
    session = getattr(request, "session", None)
    if session is None or CLIENT_KEY not in session:
        return None
    if not hasattr(request, "_signed_in_client"):
        signed_in_at = session.get(CLIENT_SIGNED_IN_KEY, 0)
        client = None
        if time.time() - signed_in_at < settings.CLIENT_SESSION_HOURS * 3600:
            client = Client.objects.filter(pk=session[CLIENT_KEY], closed_at__isnull=True).first()
        request._signed_in_client = client
    return request._signed_in_client


def sign_client_in(request: HttpRequest, client: Client) -> None:
    """Start a fresh session for `client`: whatever the browser's session held before
    (a staff sign-in, another client's) is gone, and the session id is new."""
    request.session.flush()
    rotate_token(request)  # as Django's login() does: a token seen before is no use now
    request.session[CLIENT_KEY] = client.pk
    request.session[CLIENT_SIGNED_IN_KEY] = int(time.time())
    request.session.set_expiry(settings.CLIENT_SESSION_HOURS * 3600)
    request._signed_in_client = client


def sign_client_out(request: HttpRequest) -> None:
    request.session.flush()
    request._signed_in_client = None


def drop_client_on_staff_login(sender, request: HttpRequest, user, **kwargs) -> None:
    """user_logged_in receiver: a staff sign-in never carries a client's keys along."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(CLIENT_KEY, None)
        request.session.pop(CLIENT_SIGNED_IN_KEY, None)
