"""Staff pages look like staff pages: no marketing footer, no "Staff sign in" link, a
staff menu; and someone who opens another's page is told whose it is and sent to their
own, with a 403 in the site's look."""

import pytest

from tests.factories import UserFactory
from tests.security.helpers import front_desk_user
from tests.spa import book_botox

pytestmark = pytest.mark.django_db

FOOTER_PITCH = "A day spa and a medical aesthetics practice under one roof"
STAFF_SIGN_IN_LINK = 'href="/accounts/login/">Staff sign in</a>'


@pytest.fixture
def nurse(spa):
    spa.nurse.user = UserFactory(username="nurse", first_name="Nora", last_name="Nurse")
    spa.nurse.save()
    return spa.nurse.user


def test_public_pages_keep_their_footer_and_the_staff_sign_in_link(client, spa):
    html = client.get("/").content.decode()
    assert FOOTER_PITCH in html and STAFF_SIGN_IN_LINK in html
    assert 'aria-label="Main"' in html


def test_doctor_pages_carry_no_marketing_footer_and_a_staff_menu(client, spa):
    review = book_botox(spa).review
    client.force_login(spa.doctor.user)
    for url in [
        "/doctor/",
        "/doctor/?tab=decided",
        "/doctor/?tab=cosign",
        f"/doctor/reviews/{review.pk}/",
        "/doctor/supervised/practitioners/",
    ]:
        html = client.get(url).content.decode()
        assert FOOTER_PITCH not in html, url
        assert "Staff sign in" not in html, url
        assert 'aria-label="Main"' not in html, url  # the public menu
        assert 'aria-label="Staff"' in html and "Sign out" in html, url
        assert 'href="/doctor/" aria-current="true">Reviews' in html, url


def test_the_practitioners_day_and_the_staff_sign_in_page_carry_no_marketing_footer(
    client, spa, nurse
):
    html = client.get("/accounts/login/").content.decode()
    assert "Staff sign in" in html  # the page's own title
    assert FOOTER_PITCH not in html and STAFF_SIGN_IN_LINK not in html
    assert 'aria-label="Main"' not in html

    client.force_login(nurse)
    html = client.get("/staff/").content.decode()
    assert FOOTER_PITCH not in html and "Staff sign in" not in html
    assert 'href="/staff/" aria-current="true">My day' in html
    assert ">Reviews<" not in html  # a nurse reviews nothing


def test_the_front_desk_opening_a_staff_page_is_sent_to_the_admin(client, spa):
    desk = front_desk_user("frontdesk")
    desk.first_name, desk.last_name = "Taylor", "Reed"
    desk.save()
    client.force_login(desk)
    for url, whose in [
        ("/doctor/", "the doctor portal"),
        ("/staff/", "a practitioner&#x27;s own day"),
    ]:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 403
        assert "This page is not for your sign-in" in html
        assert f"This is {whose}" in html
        assert "You are signed in as <strong>Taylor Reed</strong>" in html
        assert '<a class="btn btn-primary" href="/admin/">Go to the admin</a>' in html
        assert spa.doctor.display_name not in html
        assert FOOTER_PITCH not in html


def test_a_nurse_opening_the_doctor_portal_is_sent_to_her_day(client, spa, nurse):
    book_botox(spa)
    client.force_login(nurse)
    response = client.get("/doctor/")
    assert response.status_code == 403
    html = response.content.decode()
    assert '<a class="btn btn-primary" href="/staff/">Go to your day</a>' in html
    assert "You are signed in as <strong>Nora Nurse</strong>" in html
    assert '<a class="site-nav__link" href="/staff/">My day</a>' in html  # her own menu
    assert "Mia" not in html  # nothing of the queue leaks onto the refusal


def test_a_nurse_opening_the_good_faith_exam_is_told_who_records_it(client, spa, nurse):
    visit = book_botox(spa)
    client.force_login(nurse)
    response = client.get(f"/staff/appointments/{visit.pk}/exam/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "physician, nurse practitioner or physician assistant records" in html
    assert 'href="/staff/">Go to your day</a>' in html


def test_signing_out_of_a_staff_page_lands_on_the_sign_in_page(client, spa, nurse):
    client.force_login(nurse)
    response = client.post("/accounts/logout/", {"next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
