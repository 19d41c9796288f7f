"""Issue 16, finding 3: behind our proxy the login lockout counts each visitor's own
address (the one the rate limit counts), and a sign-in clears only its own failures."""

import pytest

from tests.factories import UserFactory
from tests.security.helpers import PASSWORD, figure

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
PROXY = "127.0.0.1"  # nginx on the same machine: every request's REMOTE_ADDR
STRANGER = "203.0.113.9"
OFFICE = "198.51.100.7"


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.STAFF_MFA = False


def _login(client, username: str, password: str, address: str):
    client.logout()
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )


def _signed_in(response) -> bool:
    return response.status_code == 302


def test_made_up_usernames_lock_only_the_strangers_address(client):
    UserFactory(username="frontdesk", is_staff=True)
    for n in range(6):
        _login(client, f"nobody{n}", "guess", STRANGER)

    office = _login(client, "frontdesk", PASSWORD, OFFICE)
    stranger = _login(client, "frontdesk", PASSWORD, STRANGER)
    figure(
        f"G17 lockout-behind-proxy made_up_failures=6 office_status={office.status_code} "
        f"stranger_status={stranger.status_code}"
    )
    assert _signed_in(office)
    assert stranger.status_code in (403, 429)


def test_a_sign_in_clears_only_that_users_failures(client):
    UserFactory(username="frontdesk", is_staff=True)
    UserFactory(username="doctor", is_staff=True)
    for _ in range(2):
        _login(client, "frontdesk", "wrong", OFFICE)
        _login(client, "doctor", "wrong", OFFICE)
    assert _signed_in(_login(client, "doctor", PASSWORD, OFFICE))

    # frontdesk's own two failures still count: three more lock the username.
    for _ in range(3):
        _login(client, "frontdesk", "wrong", "192.0.2.43")
    locked = _login(client, "frontdesk", PASSWORD, "192.0.2.44")
    assert locked.status_code in (403, 429)
    # The doctor's failures were cleared: three more do not lock the doctor.
    for _ in range(3):
        _login(client, "doctor", "wrong", "192.0.2.45")
    assert _signed_in(_login(client, "doctor", PASSWORD, "192.0.2.45"))
