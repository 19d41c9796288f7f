"""G10 logins: lockout after 5 failures (django-axes), the right password refused while
locked, no difference between an unknown username and a wrong password, and with
STAFF_MFA on the admin and the doctor portal need the TOTP code (`otp_token`) exactly as
CONTRACT.md says, with seed_demo's demo secret."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.demo.seed import totp_key_hex
from tests.factories import PhysicianFactory, UserFactory
from tests.security.helpers import PASSWORD, figure

pytestmark = pytest.mark.django_db
DEMO_SECRET = "JBSWY3DPEHPK3PXP"
LOGINS = ["/accounts/login/", "/admin/login/"]


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(
        user=user, name="Demo authenticator", key=totp_key_hex(DEMO_SECRET), confirmed=True
    )


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _normalised(response, username: str) -> str:
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return body.replace(username, "USERNAME")


@pytest.mark.parametrize("login_url", LOGINS)
def test_five_failures_lock_and_the_right_password_is_refused(client, settings, login_url):
    settings.STAFF_MFA = True
    user = UserFactory(username="frontdesk", is_staff=True, is_superuser=True)
    device = _device(user)
    statuses = [
        client.post(
            login_url, {"username": "frontdesk", "password": "wrong", "otp_token": "1"}
        ).status_code
        for _ in range(5)
    ]
    locked = client.post(
        login_url, {"username": "frontdesk", "password": PASSWORD, "otp_token": _code(device)}
    )
    # Another address, the right password: the username itself is locked.
    elsewhere = client.post(
        login_url,
        {"username": "frontdesk", "password": PASSWORD, "otp_token": _code(device)},
        REMOTE_ADDR="198.51.100.7",
    )
    figure(
        f"G10 lockout url={login_url} failures={len(statuses)} "
        f"locked_status={locked.status_code} other_address_status={elsewhere.status_code} "
        f"signed_in={int(_signed_in(client))}"
    )
    # The fifth failure may already answer with the lockout page.
    assert statuses[:4] == [200] * 4 and statuses[4] in (200, 403, 429)
    assert locked.status_code in (403, 429)
    assert elsewhere.status_code in (403, 429)
    assert not _signed_in(client)


@pytest.mark.parametrize("mfa", [False, True])
@pytest.mark.parametrize("login_url", LOGINS)
def test_unknown_username_and_wrong_password_look_the_same(client, settings, login_url, mfa):
    settings.STAFF_MFA = mfa
    UserFactory(username="realuser", is_staff=True)
    unknown = client.post(
        login_url, {"username": "nosuchuser", "password": "x", "otp_token": "123456"}
    )
    wrong = client.post(login_url, {"username": "realuser", "password": "x", "otp_token": "123456"})
    same_status = unknown.status_code == wrong.status_code
    same_errors = unknown.context["form"].errors == wrong.context["form"].errors
    same_body = _normalised(unknown, "nosuchuser") == _normalised(wrong, "realuser")
    figure(
        f"G10 enumeration url={login_url} mfa={int(mfa)} same_status={int(same_status)} "
        f"same_errors={int(same_errors)} same_body={int(same_body)}"
    )
    assert same_status and same_errors and same_body


def test_mfa_guards_the_admin_and_the_doctor_portal(client, settings):
    settings.STAFF_MFA = True
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    doctor = PhysicianFactory(display_name="Dr. Demo").user
    doctor.set_password(PASSWORD)
    doctor.save()
    admin_device, doctor_device = _device(admin), _device(doctor)
    results = {}

    client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    results["admin_password_only"] = client.get("/admin/").status_code
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD, "otp_token": "000000"})
    results["admin_wrong_code"] = client.get("/admin/").status_code
    # django-otp throttles a device after a wrong code: the right one is refused at once.
    client.post(
        "/admin/login/",
        {"username": "admin", "password": PASSWORD, "otp_token": _code(admin_device)},
    )
    results["admin_right_code_while_throttled"] = client.get("/admin/").status_code
    admin_device.refresh_from_db()
    admin_device.throttle_reset()  # as if the throttle delay had passed (no real sleep)
    client.post(
        "/admin/login/",
        {"username": "admin", "password": PASSWORD, "otp_token": _code(admin_device)},
    )
    results["admin_with_code"] = client.get("/admin/").status_code
    client.logout()

    client.post("/accounts/login/", {"username": doctor.username, "password": PASSWORD})
    results["doctor_password_only"] = client.get("/doctor/").status_code
    client.force_login(doctor)  # a session without the second factor
    results["doctor_unverified_session"] = client.get("/doctor/").status_code
    client.logout()
    client.post(
        "/accounts/login/",
        {"username": doctor.username, "password": PASSWORD, "otp_token": _code(doctor_device)},
    )
    results["doctor_with_code"] = client.get("/doctor/").status_code
    figure("G10 mfa " + " ".join(f"{k}={v}" for k, v in results.items()))
    assert results == {
        "admin_password_only": 302,
        "admin_wrong_code": 302,
        "admin_right_code_while_throttled": 302,
        "admin_with_code": 200,
        "doctor_password_only": 302,
        "doctor_unverified_session": 302,
        "doctor_with_code": 200,
    }
