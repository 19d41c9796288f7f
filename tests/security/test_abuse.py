"""G11 abuse: 100 booking POSTs from one address in a minute: at most the configured
few get through, the rest are 429; a forged X-Forwarded-For does not get around it."""

import pytest
from django.core.cache import cache

from tests.security.helpers import facial_post, figure
from tests.spa import next_working_day

pytestmark = pytest.mark.django_db
LIMIT = 5
POSTS = 100


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("forged", [False, True], ids=["plain", "forged-x-forwarded-for"])
def test_one_address_gets_at_most_the_limit(client, spa, settings, forged):
    settings.BOOKING_RATE_LIMIT = LIMIT
    assert settings.TRUST_X_FORWARDED_FOR is False
    day = next_working_day()
    statuses = []
    for n in range(POSTS):
        headers = {"HTTP_X_FORWARDED_FOR": f"10.0.{n // 256}.{n % 256}"} if forged else {}
        response = client.post(
            f"/book/{spa.facial.slug}/",
            facial_post(spa, day, hour=9 + n % 7, email=f"bot{n}@example.com"),
            REMOTE_ADDR="203.0.113.50",
            **headers,
        )
        statuses.append(response.status_code)
    through = sum(1 for status in statuses if status != 429)
    limited = statuses.count(429)
    errors = sum(1 for status in statuses if status >= 500)
    # Another address still books (the limit is per address, not global).
    other = client.post(
        f"/book/{spa.facial.slug}/",
        facial_post(spa, day, hour=16, email="human@example.com"),
        REMOTE_ADDR="198.51.100.20",
    )
    figure(
        f"G11 posts={POSTS} limit={LIMIT} forged_xff={int(forged)} not_429={through} "
        f"got_429={limited} http_5xx={errors} other_address_status={other.status_code}"
    )
    assert through <= LIMIT and limited == POSTS - through and errors == 0
    assert statuses[:LIMIT].count(429) == 0
    assert other.status_code != 429


def test_reschedule_posts_are_limited_too(client, spa, settings):
    from bookings.services.appointments import appointment_book
    from tests.spa import at, client_details

    settings.BOOKING_RATE_LIMIT = LIMIT
    day = next_working_day()
    appointment = appointment_book(
        treatment=spa.facial,
        practitioner=spa.esthetician,
        start=at(day, 9),
        client=client_details(),
    )
    statuses = [
        client.post(
            f"/bookings/{appointment.token}/reschedule/",
            {"start": "bad"},
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}",
        ).status_code
        for n in range(30)
    ]
    figure(
        f"G11 reschedule posts=30 limit={LIMIT} not_429={30 - statuses.count(429)} "
        f"got_429={statuses.count(429)}"
    )
    assert 30 - statuses.count(429) <= LIMIT


def test_trusted_proxy_uses_the_address_it_appended(client, spa, settings):
    """With TRUST_X_FORWARDED_FOR on, the last hop counts: a client-supplied first hop
    cannot rotate its way past the limit."""
    settings.BOOKING_RATE_LIMIT = LIMIT
    settings.TRUST_X_FORWARDED_FOR = True
    day = next_working_day()
    statuses = [
        client.post(
            f"/book/{spa.facial.slug}/",
            facial_post(spa, day, start="bad"),
            HTTP_X_FORWARDED_FOR=f"10.1.1.{n}, 203.0.113.77",
        ).status_code
        for n in range(20)
    ]
    figure(
        f"G11 trusted-proxy posts=20 not_429={20 - statuses.count(429)} "
        f"got_429={statuses.count(429)}"
    )
    assert 20 - statuses.count(429) <= LIMIT
