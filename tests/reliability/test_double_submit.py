"""G4 double submit: the same booking form posted 12 times books once and mails once.

The form carries a random `submission` nonce (bookings/forms/public.py); the service returns
the appointment that nonce already created. Through a live server, one after another
and all at once (a double click, a retrying proxy, an impatient client).
"""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.core import mail
from django.db import connection

from bookings.models import Appointment, OutboundEmail
from tests.security.helpers import facial_post, figure, form_nonce
from tests.spa import at, next_working_day

POSTS = 12
MANAGE = re.compile(r"^/bookings/[A-Za-z0-9_-]{20,64}/$")

live_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the live-server double submit needs PostgreSQL's row locks (SQLite serialises "
    "every writer; the test-client variant below runs there)",
)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _form(base: str, slug: str, start: str, practitioner: int):
    """One browser: GET the form (CSRF cookie, submission nonce), as a person would."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    query = urllib.parse.urlencode({"start": start, "practitioner": practitioner})
    html = opener.open(f"{base}/book/{slug}/?{query}", timeout=60).read().decode()
    nonce = re.search(r'name="submission" value="([A-Za-z0-9_-]+)"', html).group(1)
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    return opener, token, nonce


def _post(opener, url: str, data: dict) -> tuple[int, str, str]:
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(data).encode(), headers={"Referer": url}
    )
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode(errors="replace")


def _submit(live_server, spa, hour: int, concurrent: bool) -> list[tuple[int, str, str]]:
    day = next_working_day()
    url = f"{live_server.url}/book/{spa.facial.slug}/"
    opener, token, nonce = _form(
        live_server.url, spa.facial.slug, at(day, hour).isoformat(), spa.esthetician.pk
    )
    data = {
        **facial_post(spa, day, hour=hour),
        "submission": nonce,
        "csrfmiddlewaretoken": token,
    }
    if not concurrent:
        return [_post(opener, url, data) for _ in range(POSTS)]
    barrier = threading.Barrier(POSTS)
    results: list[tuple[int, str, str]] = [(0, "", "")] * POSTS

    def attempt(index: int) -> None:
        barrier.wait()
        results[index] = _post(opener, url, data)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(POSTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _check(mode: str, results: list[tuple[int, str, str]]) -> None:
    appointments = Appointment.objects.count()
    confirmations = OutboundEmail.objects.filter(kind="confirmed").count()
    delivered = len([m for m in mail.outbox if "confirmed" in m.subject])
    redirects = [location for status, location, _ in results if status in (302, 303)]
    targets = set(redirects)
    errors = sum(1 for status, _, _ in results if status >= 500)
    others = [
        (status, body[:200]) for status, location, body in results if status not in (302, 303)
    ]
    figure(
        f"G4 mode={mode} posts={len(results)} appointments={appointments} "
        f"confirmation_mails={confirmations} delivered={delivered} "
        f"redirects={len(redirects)} distinct_targets={len(targets)} "
        f"other_responses={len(others)} http_5xx={errors}"
    )
    assert others == []
    assert (appointments, confirmations, delivered, errors) == (1, 1, 1, 0)
    assert len(redirects) == POSTS and len(targets) == 1
    (target,) = targets
    assert MANAGE.match(target) and target == Appointment.objects.get().get_absolute_url()


@live_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["sequential", "concurrent"])
def test_the_same_form_posted_twelve_times_books_once(live_server, spa, mode):
    results = _submit(live_server, spa, hour=10, concurrent=mode == "concurrent")
    _check(mode, results)


@pytest.mark.django_db
def test_the_same_form_posted_twelve_times_through_the_test_client(
    client, spa, django_capture_on_commit_callbacks
):
    """The same property without a server, on every database (SQLite included)."""
    day = next_working_day()
    nonce = form_nonce(client, spa.facial.slug, at(day, 11).isoformat(), spa.esthetician.pk)
    data = {**facial_post(spa, day, hour=11), "submission": nonce}
    results = []
    for _ in range(POSTS):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/book/{spa.facial.slug}/", data)
        results.append(
            (response.status_code, response.get("Location", ""), response.content.decode())
        )
    _check("test-client", results)
