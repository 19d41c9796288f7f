"""Issue 16, finding 2: Sign out signs out, through the real form with CSRF checks on."""

import re

import pytest
from django.test import Client as BrowserLikeClient

from tests.factories import UserFactory
from tests.security.helpers import figure

pytestmark = pytest.mark.django_db
SIGN_OUT = re.compile(
    r'<form method="post" action="(?P<action>[^"]+)"[^>]*>\s*'
    r'<input type="hidden" name="csrfmiddlewaretoken" value="(?P<token>[^"]+)">'
)


def _signed_in(user) -> BrowserLikeClient:
    client = BrowserLikeClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "who, page",
    [
        ("doctor", "/doctor/"),
        ("doctor", "/doctor/?tab=cosign"),
        ("doctor", "/doctor/supervised/practitioners/"),
        ("practitioner", "/staff/"),
    ],
)
def test_sign_out_ends_the_session(spa, who, page):
    if who == "practitioner":
        spa.nurse.user = UserFactory(username="nurse")
        spa.nurse.save()
        user = spa.nurse.user
    else:
        user = spa.doctor.user
    client = _signed_in(user)
    html = client.get(page).content.decode()
    form = SIGN_OUT.search(html)
    assert form, f"no Sign out form with a CSRF token on {page}"

    response = client.post(form["action"], {"csrfmiddlewaretoken": form["token"]})

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    after = client.get(page)
    figure(
        f"G16 sign-out page={page} status={response.status_code} "
        f"still_signed_in={int('_auth_user_id' in client.session)}"
    )
    assert after.status_code == 302 and "/login/" in after["Location"]
