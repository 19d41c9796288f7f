"""Rooms and devices in a real browser, as one journey: a client books laser hair
removal online on a phone (the treatment needs the spa's one laser), then the front
desk opens the day schedule by room and device on a desk and finds the booking under
the laser. Every step is screenshotted and checked with axe-core."""

import re

import pytest

from bookings.models import Appointment
from tests.browser.support import FRONT_DESK_USERNAME, expect, log_in, status_is
from tests.spa import NY, add_rooms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SLOT_NAME = re.compile(r"^\d{1,2}:\d{2} [AP]M with Nora Nurse$")


def test_a_laser_booked_online_shows_under_the_laser_at_the_desk(visit, browser_spa):
    rooms = add_rooms(browser_spa)

    client = visit("phone")
    page = client.page
    client.go(f"/treatments/{rooms.laser_treatment.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Laser hair removal")
    page.get_by_role("link", name=re.compile("^Book a time")).click()
    page.get_by_role("link", name=re.compile("Nora Nurse")).click()
    expect(page.locator(".who-chip.is-selected")).to_contain_text("Nora Nurse")
    # Two days or more ahead: the doctor reviews a medical booking first (24 hours).
    page.locator("a.day-chip:not(.is-selected)").nth(1).click()
    expect(page.locator("a.day-chip.is-selected")).to_have_count(1)
    client.step("booking page, day chosen")
    page.get_by_role("button", name=SLOT_NAME).first.click()
    expect(page.get_by_role("group", name="Health questions")).to_be_visible()
    page.get_by_label("First name").fill("Mia")
    page.get_by_label("Last name").fill("Client")
    page.get_by_label("Email").fill("mia.laser@example.com")
    page.get_by_label("Phone").fill("212 555 0100")
    page.get_by_label("Date of birth").fill("1990-04-02")
    for question in (
        "Are you pregnant or breastfeeding?",
        "Have you taken isotretinoin (Accutane) in the last 6 months?",
        "Do you take blood thinners (including daily aspirin)?",
    ):
        page.get_by_role("group", name=question).get_by_label("No").check()
    page.get_by_label("I have read the consent above and agree to it.").check()
    client.step("details and intake")
    page.get_by_role("button", name="Request appointment").click()
    status_is(page, "pending review")
    client.step("manage pending review")

    booked = Appointment.objects.get()
    assert list(booked.allocations.values_list("resource__name", flat=True)) == ["Laser"]
    day = booked.start.astimezone(NY).date()

    desk = visit("desk", who="frontdesk")
    dpage = desk.page
    log_in(desk, "/admin/login/?next=/admin/", FRONT_DESK_USERNAME)
    expect(dpage).to_have_url(re.compile(r"/admin/$"))
    desk.go(f"/admin/bookings/appointment/day/?date={day:%Y-%m-%d}")
    dpage.get_by_role("link", name="By room & device").click()
    expect(dpage).to_have_url(re.compile(rf"\?date={day:%Y-%m-%d}&by=resource$"))
    header = dpage.get_by_role("columnheader", name=re.compile("^Laser"))
    cell = dpage.locator("td.slot-appointment", has_text="Mia Client")
    expect(cell).to_contain_text("Laser hair removal")
    expect(cell).to_contain_text("with Nora Nurse")
    desk.step("day by room and device")
    # Under the laser: the visit's cell sits in the laser's column.
    column, card = header.bounding_box(), cell.bounding_box()
    assert (
        column["x"] <= card["x"] + 1
        and card["x"] + card["width"] <= column["x"] + column["width"] + 1
    ), (column, card)

    client.assert_clean()
    desk.assert_clean()
