"""Issue 21 in a real browser, on a phone and a desk: a client signs in with the
mailed link, sees their visits, and books the same treatment again."""

import re

import pytest
from django.core import mail

from bookings.models import Appointment
from tests.accounts.helpers import mailed_sign_in_path
from tests.browser.support import expect
from tests.browser.test_journeys import MANAGE_URL, choose_another_day_and_a_time
from tests.spa import at, book_facial, complete_visit, next_working_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _a_past_facial(spa) -> Appointment:
    visit = book_facial(spa, 13, "mia@example.com")
    day = next_working_day(-9)
    Appointment.objects.filter(pk=visit.pk).update(
        start=at(day, 13), end=at(day, 14), blocked_until=at(day, 14, 15)
    )
    visit.refresh_from_db()
    return complete_visit(visit)


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_sign_in_by_link_see_bookings_and_book_again(visit, browser_spa, viewport):
    spa = browser_spa
    _a_past_facial(spa)
    book_facial(spa, 10, "mia@example.com")
    mail.outbox.clear()
    client = visit(viewport)
    page = client.page

    client.go("/")
    page.locator(".site-header__account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    client.step("sign-in form")
    page.locator("#id_email").fill("mia@example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    client.step("link sent")

    client.go(mailed_sign_in_path("mia@example.com"))
    client.page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Mia")
    upcoming = page.locator("section[aria-labelledby=upcoming-title]")
    expect(upcoming.locator(".account-visit")).to_have_count(1)
    expect(upcoming).to_contain_text("Hydrating facial")
    expect(upcoming.get_by_role("link", name=re.compile("^Reschedule"))).to_be_visible()
    client.step("account")

    page.get_by_role("link", name=re.compile("^Book again")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book Hydrating facial")
    # The same practitioner first.
    expect(page.locator("body")).to_contain_text("Ella Esthetician")
    choose_another_day_and_a_time(client, "book again", last=True)
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    for label, value in (("First name", "Mia"), ("Last name", "Client"), ("Phone", "212 555 0100")):
        field = page.get_by_label(label)
        if not field.input_value():
            field.fill(value)
    email = page.get_by_label("Email")
    if email.is_editable() and not email.input_value():
        email.fill("mia@example.com")
    client.step("book again details")
    page.get_by_role("button", name="Book appointment").click()
    expect(page).to_have_url(MANAGE_URL)

    client.go("/account/")
    expect(upcoming.locator(".account-visit")).to_have_count(2)
    client.step("account with both visits")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    client.assert_clean()
