"""NUL characters that reach a database query (found by the G8 fuzz on PostgreSQL,
which refuses NUL in text: psycopg2 raises ValueError, a 500)."""

import pytest

from tests.factories import UserFactory
from tests.security.helpers import figure

pytestmark = pytest.mark.django_db


def _status(client, url: str) -> int:
    client.raise_request_exception = False
    return client.get(url).status_code


def test_nul_in_the_availability_treatment_parameter(client, spa):
    status = _status(client, "/api/availability/?treatment=facial%00&date=2030-01-01")
    figure(f"G8 nul target=/api/availability/?treatment status={status}")
    assert status < 500


@pytest.mark.parametrize(
    "url",
    [
        "/treatments/?kind=medical%00",
        "/book/hydrating-facial/?practitioner=1%00",
        "/book/hydrating-facial/?date=2030-01-01%00",
        "/bookings/AAAAAAAAAAAAAAAAAAAAAAAA%00/",
        "/healthz?x=%00",
    ],
)
def test_nul_elsewhere_in_public_urls(client, spa, url):
    status = _status(client, url)
    figure(f"G8 nul target={url} status={status}")
    assert status < 500


@pytest.mark.parametrize(
    "url",
    [
        "/admin/bookings/client/?q=%00",
        "/admin/bookings/appointment/?q=%00",
        "/admin/treatments/treatment/?q=%00",
    ],
)
def test_nul_in_admin_search(client, spa, url):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    status = _status(client, url)
    figure(f"G8 nul target={url} status={status}")
    assert status < 500
