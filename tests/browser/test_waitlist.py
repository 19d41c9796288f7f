"""The waitlist journey in a real browser, on a phone (390x844) and a desk (1280x800):
join from the booking page, a cancellation makes the offer (the worker's task runs at
commit: TASKS_SYNC=1), open the mailed link, accept it, land on the manage page.
Each page is screenshotted and checked with axe-core (tests/browser/support.py)."""

import re

import pytest
from django.core import mail

from bookings.models import WaitlistOffer
from bookings.services.appointment_changes import appointment_cancel
from tests.browser.support import FRONT_DESK_USERNAME, expect, log_in, status_is
from tests.spa import at, book_facial, next_working_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MANAGE_URL = re.compile(r"/bookings/[\w-]+/(#[\w-]*)?$")
OFFER_LINK = re.compile(r"https?://[^\s]+(/waitlist/offers/[\w-]+/)")


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_join_the_waitlist_get_the_offer_and_accept_it(visit, browser_spa, viewport):
    spa = browser_spa
    day = next_working_day(4)
    taken = book_facial(spa, 10, "early@example.com", day=day, practitioner=spa.esthetician)

    client = visit(viewport)
    page = client.page
    client.go(f"/book/hydrating-facial/?practitioner={spa.esthetician.pk}")
    client.step("booking page")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Join the waitlist for Hydrating facial"
    )
    client.step("join form")

    page.locator("#id_date_from").fill(day.isoformat())
    page.locator("#id_date_to").fill(day.isoformat())
    page.get_by_label("Earliest start").fill("09:00")
    page.get_by_label("Latest start").fill("12:00")
    page.get_by_label("First name").fill("Wendy")
    page.get_by_label("Last name").fill("Wait")
    page.get_by_label("Email").fill("wendy@example.com")
    page.get_by_label("Phone").fill("212 555 0123")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are on the waitlist")
    client.step("joined")

    mail.outbox.clear()
    appointment_cancel(appointment=taken, by_client=False)  # commits: the worker offers
    offer = WaitlistOffer.objects.get()
    assert offer.entry.email == "wendy@example.com" and offer.start == at(day, 10)
    (sent,) = [m for m in mail.outbox if m.to == ["wendy@example.com"]]
    client.go(OFFER_LINK.search(sent.body).group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hydrating facial")
    expect(page.locator(".manage__when")).to_contain_text("10:00 AM")
    client.step("offer")

    page.get_by_role("button", name="Book this time").click()
    expect(page).to_have_url(MANAGE_URL)
    status_is(page, "confirmed")
    client.step("booked")

    client.expected_console.append("status of 410")  # an offer once used is Gone
    client.go(offer.get_absolute_url())  # the link once used: words, no form
    expect(page.get_by_role("heading", level=1)).to_have_text("This time is booked")
    expect(page.locator("main form")).to_have_count(0)
    client.step("offer used")
    client.assert_clean()


def test_front_desk_offers_a_time_by_hand(visit, browser_spa):
    spa = browser_spa
    day = next_working_day(4)
    from bookings.services.waitlist import WindowWanted, waitlist_join
    from tests.spa import client_details

    entry = waitlist_join(
        treatment=spa.facial,
        practitioner=None,
        client=client_details("wendy@example.com", first_name="Wendy"),
        windows=[WindowWanted(day, day, at(day, 9).timetz(), at(day, 17).timetz())],
    )
    desk = visit("desk", who="frontdesk")
    page = desk.page
    log_in(desk, "/admin/login/?next=/admin/bookings/waitlistentry/", FRONT_DESK_USERNAME)
    expect(page.get_by_role("link", name="Wendy Client")).to_be_visible()
    desk.step("waitlist list", axe=False)  # Django's own admin pages are not ours to audit
    page.get_by_role("link", name="Wendy Client").click()
    page.get_by_role("link", name="Offer a time by hand").click()
    page.get_by_label("Practitioner").select_option(label=str(spa.esthetician))
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Time").fill("14:00")
    desk.step("offer by hand", axe=False)
    page.get_by_role("button", name="Offer and mail this time").click()
    expect(page.locator(".messagelist")).to_contain_text("Offered")
    desk.step("offered", axe=False)
    assert WaitlistOffer.objects.get().entry == entry


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_the_other_waitlist_pages(visit, browser_spa, viewport):
    """A refused join, a medical offer with its questions, an ended offer, leaving."""
    from bookings.services.waitlist import WindowWanted, waitlist_join
    from bookings.services.waitlist_offers import offer_by_hand
    from tests.spa import client_details

    spa = browser_spa
    day = next_working_day(4)
    client = visit(viewport)
    page = client.page
    client.go("/waitlist/hydrating-facial/")
    page.locator("#id_earliest").fill("15:00")
    page.locator("#id_latest").fill("10:00")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.locator("#form-errors")).to_contain_text("latest start must be after")
    client.step("join refused")

    entry = waitlist_join(
        treatment=spa.botox,
        practitioner=None,
        client=client_details("med@example.com", first_name="Mae"),
        windows=[WindowWanted(day, day, at(day, 9).timetz(), at(day, 17).timetz())],
    )
    offer = offer_by_hand(entry=entry, practitioner=spa.nurse, start=at(day, 15))
    client.go(offer.get_absolute_url())
    expect(page.get_by_role("group", name="Health questions")).to_be_visible()
    client.step("medical offer")
    page.get_by_role("button", name="Request this time").click()
    expect(page.locator("#form-errors")).to_contain_text("consent")
    client.step("medical offer refused")

    WaitlistOffer.objects.filter(pk=offer.pk).update(state=WaitlistOffer.State.EXPIRED)
    client.expected_console.append("status of 410")
    client.go(offer.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("This offer has ended")
    client.step("offer ended")

    client.go(entry.get_leave_url())
    page.get_by_role("button", name="Yes, leave the waitlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are off the waitlist")
    client.step("left")
    client.assert_clean()
