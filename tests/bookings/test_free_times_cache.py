"""Free times may be served from the shared cache (Redis) for a few seconds, never from a
worker's own memory; a booked time disappears for everyone within those seconds, and
booking a time still shown is refused cleanly."""

import socket
import time
import uuid

import pytest
from django.core.cache import cache

from bookings.models import Appointment
from tests.spa import at, book_facial, next_working_day

pytestmark = pytest.mark.django_db

REDIS = ("127.0.0.1", 6379)


def redis_is_up() -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(REDIS) == 0


@pytest.fixture
def shared_cache(settings):
    if not redis_is_up():
        pytest.skip("no Redis at 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://{REDIS[0]}:{REDIS[1]}/15",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # never another run's entries
        }
    }
    settings.FREE_TIMES_CACHE_SECONDS = 3
    yield
    cache.clear()


def starts(client, spa, day) -> set[str]:
    response = client.get(
        "/api/availability/",
        {"treatment": spa.facial.slug, "date": day.isoformat(), "practitioner": spa.esthetician.pk},
    )
    assert response.status_code == 200
    return {slot["start"] for slot in response.json()["slots"]}


def picker(client, spa, day) -> str:
    url = f"/book/{spa.facial.slug}/?practitioner={spa.esthetician.pk}&date={day}"
    return client.get(url).content.decode()


def test_a_booked_time_leaves_the_shared_cache_within_its_seconds(client, spa, shared_cache):
    day = next_working_day()
    ten = at(day, 10).isoformat()
    assert ten in starts(client, spa, day)
    assert f'value="{ten}"' in picker(client, spa, day)
    book_facial(spa, 10, "first@example.com", day=day)

    # Still shown from the cache for up to 3 s: a client who picks it is told it was
    # just taken, and nothing is booked twice.
    assert ten in starts(client, spa, day)
    response = client.post(
        f"/book/{spa.facial.slug}/",
        {
            "start": ten,
            "practitioner": str(spa.esthetician.pk),
            "first_name": "Late",
            "last_name": "Comer",
            "email": "late@example.com",
            "phone": "212 555 0101",
        },
    )
    assert response.status_code == 200
    assert "just taken" in response.content.decode()
    assert Appointment.objects.count() == 1

    time.sleep(3.2)
    assert ten not in starts(client, spa, day)
    assert f'value="{ten}"' not in picker(client, spa, day)


def test_without_a_shared_cache_free_times_are_computed_for_every_request(client, spa, settings):
    settings.FREE_TIMES_CACHE_SECONDS = 5  # the local-memory cache of the test settings
    day = next_working_day()
    ten = at(day, 10).isoformat()
    assert ten in starts(client, spa, day)
    assert f'value="{ten}"' in picker(client, spa, day)
    book_facial(spa, 10, "first@example.com", day=day)
    assert ten not in starts(client, spa, day)
    assert f'value="{ten}"' not in picker(client, spa, day)


def test_a_page_with_a_form_is_never_cached(client, spa, shared_cache):
    day = next_working_day()
    start = at(day, 10).isoformat()
    url = f"/book/{spa.facial.slug}/?practitioner={spa.esthetician.pk}&start={start}"
    first, second = client.get(url), client.get(url)
    nonce = 'name="submission" value="'
    assert (
        first.content.decode().split(nonce)[1][:20] != second.content.decode().split(nonce)[1][:20]
    )
