"""Staff sign-in: with STAFF_MFA on, a password alone opens neither the admin nor a session."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff_with_device():
    user = UserFactory(username="frontdesk", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def _current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.mark.parametrize("login_url", ["/admin/login/", "/accounts/login/"])
def test_password_without_code_is_refused_when_mfa_is_on(
    client, settings, staff_with_device, login_url
):
    settings.STAFF_MFA = True
    response = client.post(login_url, {"username": "frontdesk", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session

    wrong = client.post(
        login_url, {"username": "frontdesk", "password": PASSWORD, "otp_token": "000000"}
    )
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("login_url", ["/admin/login/", "/accounts/login/"])
def test_password_and_current_code_sign_in(client, settings, staff_with_device, login_url):
    settings.STAFF_MFA = True
    _, device = staff_with_device
    response = client.post(
        f"{login_url}?next=/admin/",
        {"username": "frontdesk", "password": PASSWORD, "otp_token": _current_code(device)},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_code_cannot_be_replayed(client, settings, staff_with_device):
    settings.STAFF_MFA = True
    _, device = staff_with_device
    code = _current_code(device)
    first = client.post(
        "/admin/login/", {"username": "frontdesk", "password": PASSWORD, "otp_token": code}
    )
    assert first.status_code == 302
    client.logout()
    again = client.post(
        "/admin/login/", {"username": "frontdesk", "password": PASSWORD, "otp_token": code}
    )
    assert again.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_session_without_the_second_factor_does_not_reach_the_admin(
    client, settings, staff_with_device
):
    settings.STAFF_MFA = True
    user, _ = staff_with_device
    client.force_login(user)  # password-only session, as before MFA was switched on
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_without_mfa_the_password_is_enough(client, settings, staff_with_device):
    settings.STAFF_MFA = False
    response = client.post("/admin/login/", {"username": "frontdesk", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_admin_login_page_asks_for_the_code_only_when_mfa_is_on(client, settings):
    settings.STAFF_MFA = True
    assert 'name="otp_token"' in client.get("/admin/login/").content.decode()
    settings.STAFF_MFA = False
    assert 'name="otp_token"' not in client.get("/admin/login/").content.decode()


def test_a_wrong_code_looks_exactly_like_a_wrong_password(client, settings, staff_with_device):
    settings.STAFF_MFA = True
    wrong_password = client.post(
        "/admin/login/", {"username": "frontdesk", "password": "nope", "otp_token": "123456"}
    )
    wrong_code = client.post(
        "/admin/login/", {"username": "frontdesk", "password": PASSWORD, "otp_token": "000000"}
    )
    assert wrong_password.context["form"].errors == wrong_code.context["form"].errors


def test_repeated_failures_lock_the_account(client, settings, staff_with_device):
    _, device = staff_with_device
    for _ in range(5):
        client.post("/accounts/login/", {"username": "frontdesk", "password": "wrong"})
    locked = client.post(
        "/accounts/login/",
        {"username": "frontdesk", "password": PASSWORD, "otp_token": _current_code(device)},
    )
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
