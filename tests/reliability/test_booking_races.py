"""Simultaneous bookings through a live server: exactly one wins, nobody sees an error."""

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Appointment, Client
from tests.spa import at, next_working_day

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the race test needs PostgreSQL's row locks"
    ),
]
ATTEMPTS = 20


def _session(base: str, path: str, start: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    opener.open(base + path + "?" + urllib.parse.urlencode({"start": start})).read()
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    return opener, token


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _post(opener, url: str, data: dict, token: str) -> tuple[int, str]:
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(url, data=body, headers={"Referer": url})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def _race(live_server, path: str, payloads: list[dict]) -> list[tuple[int, str]]:
    sessions = [_session(live_server.url, path, payload["start"]) for payload in payloads]
    barrier = threading.Barrier(len(payloads))
    results: list[tuple[int, str]] = [(0, "")] * len(payloads)

    def attempt(index: int) -> None:
        opener, token = sessions[index]
        barrier.wait()
        results[index] = _post(opener, live_server.url + path, payloads[index], token)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _overlapping_pairs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM bookings_appointment a JOIN bookings_appointment b
              ON a.id < b.id AND a.practitioner_id = b.practitioner_id
             AND a.start < b.blocked_until AND b.start < a.blocked_until
             WHERE a.status NOT IN ('cancelled', 'declined')
               AND b.status NOT IN ('cancelled', 'declined')
            """
        )
        return cursor.fetchone()[0]


def _payload(spa, start, n: int) -> dict:
    return {
        "start": start.isoformat(),
        "practitioner": str(spa.esthetician.pk),
        "first_name": "Racer",
        "last_name": str(n),
        "email": f"racer{n}@example.com",
        "phone": "212 555 0100",
    }


@pytest.mark.parametrize("spread_minutes", [0, 5], ids=["same-slot", "overlapping-slots"])
def test_simultaneous_bookings_of_one_time_give_exactly_one_appointment(
    live_server, spa, spread_minutes
):
    day = next_working_day()
    # Same start for all, or starts 0, 15, 30... apart? 5 minutes apart is off-grid, so
    # the overlapping case uses the 15-minute grid: every start overlaps the first.
    starts = [at(day, 10) for _ in range(ATTEMPTS)]
    if spread_minutes:
        starts = [at(day, 10, 15 * (n % 4)) for n in range(ATTEMPTS)]
    results = _race(
        live_server,
        f"/book/{spa.facial.slug}/",
        [_payload(spa, start, n) for n, start in enumerate(starts)],
    )
    won = sum(1 for status, _ in results if status in (302, 303))
    refused = sum(1 for status, body in results if status == 200 and "just taken" in body)
    errors = sum(1 for status, _ in results if status >= 500)
    overlapping = _overlapping_pairs()
    print(
        f"race attempts={ATTEMPTS} succeeded={won} conflicts={refused} "
        f"http_5xx={errors} overlapping_pairs_in_db={overlapping}"
    )
    assert (won, refused, errors, overlapping) == (1, ATTEMPTS - 1, 0, 0)
    assert Appointment.objects.count() == 1


def test_the_database_itself_refuses_an_overlap(spa):
    """Even a write that skips the service cannot double-book (exclusion constraint)."""
    day = next_working_day()
    client = Client.objects.create(first_name="A", last_name="B", email="a@example.com", phone="1")
    values = {
        "client": client,
        "treatment": spa.facial,
        "practitioner": spa.esthetician,
        "price": spa.facial.price,
        "status": "confirmed",
    }
    Appointment.objects.create(
        start=at(day, 10), end=at(day, 11), blocked_until=at(day, 11, 15), **values
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            start=at(day, 11), end=at(day, 12), blocked_until=at(day, 12, 15), **values
        )
    # Back to back is fine, and a cancelled appointment frees its time.
    Appointment.objects.create(
        start=at(day, 11, 15), end=at(day, 12), blocked_until=at(day, 12), **values
    )
    Appointment.objects.filter(start=at(day, 10)).update(status="cancelled")
    Appointment.objects.create(
        start=at(day, 10), end=at(day, 11), blocked_until=at(day, 11, 15), **values
    )
