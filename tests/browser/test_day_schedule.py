"""The front desk's day schedule in a real browser: practitioners as columns on a desk,
a list in time order on a phone (390 px) with nothing to scroll sideways, each visit's
time, client, treatment, practitioner and status readable and its check-in button in
reach. Every step is checked with axe-core (tests/browser/support.py)."""

import datetime
import re

import pytest
import time_machine

from tests.browser.support import FRONT_DESK_USERNAME, expect, log_in
from tests.spa import NY, at, client_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def book_today(spa, practitioner, hour: int, minute: int, first_name: str):
    from bookings.services.appointments import appointment_book

    today = datetime.datetime.now(NY).date()
    return appointment_book(
        treatment=spa.facial,
        practitioner=practitioner,
        start=at(today, hour, minute),
        client=client_details(f"{first_name.lower()}@example.com", first_name=first_name),
        now=at(today, 0),  # booked earlier today, whatever the hour now
        enforce_notice=False,
    )


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_the_day_schedule_fits_the_screen_with_every_visit_readable(visit, browser_spa, viewport):
    # Two practitioners' visits half an hour apart, booked latest first.
    book_today(browser_spa, browser_spa.esthetician, 10, 30, "Ada")
    book_today(browser_spa, browser_spa.nurse, 10, 0, "Bea")
    today = datetime.datetime.now(NY).date()
    # Check-in opens an hour before: the server's clock moves to 09:50 if it is earlier.
    with time_machine.travel(max(datetime.datetime.now(NY), at(today, 9, 50)), tick=True):
        desk = visit(viewport, who="frontdesk")
        page = desk.page
        log_in(desk, "/admin/login/?next=/admin/", FRONT_DESK_USERNAME)
        expect(page).to_have_url(re.compile(r"/admin/$"))
        desk.go(f"/admin/bookings/appointment/day/?date={today:%Y-%m-%d}")
        cards = page.locator("td.slot-appointment")
        expect(cards).to_have_count(2)
        desk.step("day schedule")

        width = page.viewport_size["width"]
        texts = []
        for index in range(2):
            card = cards.nth(index)
            box = card.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
            button = card.get_by_role("button", name=re.compile("^Check in "))
            expect(button).to_be_visible()
            target = button.bounding_box()
            assert target["x"] + target["width"] <= width and target["height"] >= 24, target
            texts.append(card.inner_text())
        if viewport == "phone":
            # One list in time order, each card saying who performs it.
            assert texts[0].startswith("10:00 AM-11:00 AM") and "Bea Client" in texts[0]
            assert "with Nora Nurse" in texts[0] and "Hydrating facial" in texts[0]
            assert texts[1].startswith("10:30 AM-11:30 AM") and "Ada Client" in texts[1]
            assert "with Ella Esthetician" in texts[1] and "confirmed" in texts[1].lower()
            expect(page.locator(".day-grid thead")).to_be_hidden()
        else:
            # Columns: the practitioner is the column's header, not repeated in the cell.
            expect(page.locator(".day-grid thead")).to_be_visible()
            assert not any(" with " in text for text in texts)

        cards.first.get_by_role("button", name="Check in Bea Client").click()
        expect(page).to_have_url(re.compile(rf"/day/\?date={today:%Y-%m-%d}$"))
        expect(page.locator("td.slot-appointment", has_text="Bea Client")).to_contain_text(
            re.compile("checked in", re.IGNORECASE)
        )
        desk.step("checked in")
    desk.assert_clean()
