"""Incident response (SECURITY.md): disabling a staff account ends its sessions on the
next request; rotating SECRET_KEY ends every session and invalidates password-reset
links but leaves TOTP devices working; the revocation one-liner deletes the sessions.
And idle staff sessions end (STAFF_IDLE_MINUTES)."""

import datetime

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from medspa.sessions import REFRESH_SECONDS, REFRESHED_KEY
from tests.factories import PhysicianFactory, UserFactory
from tests.security.helpers import figure

pytestmark = pytest.mark.django_db
NEW_KEY = "rotated-secret-key-for-the-incident-drill-0123456789-abcdefghijklmnop"
REVOKE = (
    "from django.contrib.auth import get_user_model; "
    "from django.contrib.sessions.models import Session; "
    "u = get_user_model().objects.get(username='{username}'); "
    "u.is_active = False; u.save(); "
    "[s.delete() for s in Session.objects.iterator() "
    "if s.get_decoded().get('_auth_user_id') == str(u.pk)]"
)


def test_disabling_a_staff_account_ends_its_sessions(client):
    staff = UserFactory(username="desk", is_staff=True, is_superuser=True)
    doctor = PhysicianFactory(display_name="Dr. Gone").user
    client.force_login(staff)
    before = client.get("/admin/").status_code
    staff.is_active = False
    staff.save()
    after = client.get("/admin/")
    doctor_client = client.__class__()
    doctor_client.force_login(doctor)
    doctor_before = doctor_client.get("/doctor/").status_code
    doctor.is_active = False
    doctor.save()
    doctor_after = doctor_client.get("/doctor/").status_code
    figure(
        f"SESSIONS disable admin_before={before} admin_after={after.status_code} "
        f"doctor_before={doctor_before} doctor_after={doctor_after} "
        f"session_rows_left={Session.objects.count()}"
    )
    assert before == 200 and after.status_code == 302
    assert after["Location"].startswith("/admin/login/")
    assert doctor_before == 200 and doctor_after == 302


def test_revocation_one_liner_deletes_the_sessions(client):
    staff = UserFactory(username="desk", is_staff=True, is_superuser=True)
    client.force_login(staff)
    other = client.__class__()
    other.force_login(UserFactory(username="keeper", is_staff=True, is_superuser=True))
    call_command("shell", command=REVOKE.format(username="desk"))
    staff.refresh_from_db()
    left = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    figure(
        f"SESSIONS revoke active={int(staff.is_active)} desk_sessions_left="
        f"{left.count(str(staff.pk))} other_sessions_left={len(left)}"
    )
    assert not staff.is_active and str(staff.pk) not in left and len(left) == 1
    assert client.get("/admin/").status_code == 302
    assert other.get("/admin/").status_code == 200


def test_rotating_the_secret_key(client, settings):
    staff = UserFactory(username="desk", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    reset_token = default_token_generator.make_token(staff)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = []
    session_after = client.get("/admin/").status_code
    reset_valid = default_token_generator.check_token(staff, reset_token)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    totp_valid = device.verify_token(f"{code:06d}")
    figure(
        f"SESSIONS rotate-secret admin_after={session_after} reset_link_valid="
        f"{int(reset_valid)} totp_still_works={int(totp_valid)}"
    )
    assert session_after == 302
    assert not reset_valid
    assert totp_valid


def _session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_a_staff_session_ends_after_the_idle_minutes(client, settings):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    # Idle past STAFF_IDLE_MINUTES: the row has expired, so the next request signs out.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/admin/").status_code == 302
    # ...without giving the signed-out visitor a new session row.
    assert not Session.objects.filter(expire_date__gt=timezone.now()).exists()


def test_a_made_up_session_cookie_creates_nothing(client):
    client.cookies["sessionid"] = "made-up-session-key-0123456789abcdef"
    for url in ["/", "/admin/login/", "/doctor/"]:
        response = client.get(url)
        assert "sessionid" not in response.cookies or not response.cookies["sessionid"].value
    assert Session.objects.count() == 0


def test_working_moves_the_end_forward_with_one_write_a_minute(client, settings):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.get("/admin/")
    first_end = _session_row(client).expire_date
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert first_end - timezone.now() > idle - datetime.timedelta(seconds=5)
    # Within the minute the row is not rewritten...
    with CaptureQueriesContext(connection) as queries:
        client.get("/admin/")
    assert not [q for q in queries if q["sql"].startswith("UPDATE") and "session" in q["sql"]]
    # ...after it, the end moves forward again.
    session = client.session
    session[REFRESHED_KEY] -= REFRESH_SECONDS
    session.save()
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=2))
    client.get("/admin/")
    assert _session_row(client).expire_date - timezone.now() > idle - datetime.timedelta(seconds=5)
