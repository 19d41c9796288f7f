"""G2 headers: every page, the admin and the doctor portal carry a strict policy."""

import pytest
from django.test import override_settings

from bookings.services.appointments import appointment_book
from tests.factories import UserFactory
from tests.spa import CONSENT, at, client_details, intake_answers, next_working_day

pytestmark = pytest.mark.django_db

REQUIRED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _csp(header: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in header.split(";")
        if part.strip()
    }


@pytest.fixture
def pages(spa):
    appointment = appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=at(next_working_day(), 10),
        client=client_details(),
        intake=intake_answers(),
        consent=CONSENT,
    )
    public = [
        "/",
        "/treatments/",
        f"/treatments/{spa.facial.slug}/",
        f"/book/{spa.facial.slug}/",
        "/accounts/login/",
        "/admin/login/",
        "/no-such-page/",
    ]
    client_pages = [
        f"/bookings/{appointment.token}/",
        f"/bookings/{appointment.token}/reschedule/",
        f"/book/{spa.botox.slug}/?start={at(next_working_day(), 11).isoformat()}",
    ]
    staff = [
        "/admin/",
        "/admin/bookings/appointment/",
        "/admin/bookings/appointment/day/",
        f"/admin/bookings/appointment/{appointment.pk}/change/",
        "/admin/bookings/intake/",
    ]
    doctor = [
        "/doctor/",
        f"/doctor/reviews/{appointment.review.pk}/",
        "/doctor/supervised/practitioners/",
    ]
    return {"public": public, "client": client_pages, "staff": staff, "doctor": doctor, "spa": spa}


def _get(client, url, **extra):
    return client.get(url, **extra)


def test_every_page_has_a_strict_policy_and_no_store_where_data_shows(client, pages):
    spa = pages["spa"]
    checked = missing = cacheable = 0
    for group, user in [
        ("public", None),
        ("client", None),
        ("staff", UserFactory(username="root", is_staff=True, is_superuser=True)),
        ("doctor", spa.doctor.user),
    ]:
        client.logout()
        if user:
            client.force_login(user)
        for url in pages[group]:
            response = _get(client, url)
            assert response.status_code in (200, 302, 404), (url, response.status_code)
            checked += 1
            policy = _csp(response["Content-Security-Policy"])
            for directive, value in REQUIRED_CSP.items():
                if policy.get(directive) != value:
                    missing += 1
            assert "unsafe-inline" not in response["Content-Security-Policy"]
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
            assert response["X-Frame-Options"] == "DENY"
            if group != "public" and "no-store" not in response.get("Cache-Control", ""):
                cacheable += 1
    print(
        f"G2 pages_checked={checked} csp_directives_missing={missing} "
        f"data_pages_cacheable={cacheable}"
    )
    assert (missing, cacheable) == (0, 0)


@override_settings(
    SECURE_SSL_REDIRECT=True,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
    SECURE_HSTS_SECONDS=63_072_000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
)
def test_https_only_sends_hsts_and_secure_httponly_cookies(client, pages):
    spa = pages["spa"]
    plain = client.get("/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    response = client.get(
        f"/book/{spa.facial.slug}/?start={at(next_working_day(), 10).isoformat()}", secure=True
    )
    hsts = response["Strict-Transport-Security"]
    assert "max-age=63072000" in hsts and "includeSubDomains" in hsts
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"]
    client.force_login(spa.doctor.user)
    session = client.cookies["sessionid"]
    response = client.get("/doctor/", secure=True)
    assert response.status_code == 200
    assert client.cookies["sessionid"]["httponly"]
    assert session is not None
