"""The site's journeys in a real browser, on a phone (390x844) and a desk (1280x800).

Every step is screenshotted to tests/browser/screenshots/ and checked with axe-core;
CSP violations, console and script errors fail the test (tests/browser/support.py).
"""

import datetime
import re

import pytest
import time_machine

from bookings.models import Appointment
from tests.browser.support import (
    DOCTOR_USERNAME,
    FRONT_DESK_USERNAME,
    expect,
    log_in,
    status_is,
)
from tests.spa import NY, at, client_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = ["phone", "desk"]
# The booking form posts to "#step-details", and browsers keep a fragment over a redirect.
MANAGE_URL = re.compile(r"/bookings/[\w-]+/(#[\w-]*)?$")
SLOT_NAME = re.compile(r"^\d{1,2}:\d{2} [AP]M with .+")


def choose_another_day_and_a_time(visitor, step_prefix: str, *, last: bool = False) -> str:
    """Pick a day two or more days ahead (the second other day offered), then its first
    (or last) time; returns the time's accessible name. Never tomorrow: tomorrow's first
    time is inside the 24-hour change window once the clock passes it today."""
    page = visitor.page
    page.locator("a.day-chip:not(.is-selected)").nth(1).click()
    expect(page.locator("a.day-chip.is-selected")).to_have_count(1)
    visitor.step(f"{step_prefix} day chosen")
    slots = page.get_by_role("button", name=SLOT_NAME)
    slot = slots.last if last else slots.first
    name = slot.get_attribute("aria-label")
    slot.click()
    return name


def fill_contact(page, email: str = "mia@example.com") -> None:
    page.get_by_label("First name").fill("Mia")
    page.get_by_label("Last name").fill("Client")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Phone").fill("212 555 0100")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_day_spa_booking_reschedule_and_cancel(visit, browser_spa, viewport):
    client = visit(viewport)
    page = client.page

    client.go("/treatments/")
    client.step("catalogue")
    page.get_by_role("link", name=re.compile("Hydrating facial")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hydrating facial")
    client.step("treatment")

    page.get_by_role("link", name=re.compile("^Book a time")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book Hydrating facial")
    client.step("booking page")

    time_name = choose_another_day_and_a_time(client, "booking")
    expect(page.locator(".chosen-time")).to_contain_text("Your time")
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    client.step("details")

    fill_contact(page)
    # Consent to texts is the client's own act: never ticked for them.
    texts_ok = page.get_by_role("checkbox", name=re.compile("^Text me reminders"))
    expect(texts_ok).not_to_be_checked()
    texts_ok.check()
    page.get_by_role("button", name="Book appointment").click()
    expect(page).to_have_url(MANAGE_URL)
    status_is(page, "confirmed")
    booked = Appointment.objects.latest("created_at")
    assert booked.sms_opt_in_at is not None and "STOP" in booked.sms_consent_wording
    booked_at = page.locator(".manage__when").inner_text()
    assert time_name.split(" with ")[0] in booked_at
    expect(page.get_by_text("You are booked in.")).to_be_visible()
    client.step("manage confirmed")

    page.get_by_role("link", name="Reschedule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new time")
    client.step("reschedule page")
    # The last time of a day: never the booked one (the first time of the booked day).
    choose_another_day_and_a_time(client, "reschedule", last=True)
    expect(page.get_by_role("heading", name="Confirm the new time")).to_be_visible()
    client.step("reschedule confirm")
    page.get_by_role("button", name="Move my appointment").click()
    expect(page.get_by_text("Your appointment has moved.")).to_be_visible()
    status_is(page, "confirmed")
    assert page.locator(".manage__when").inner_text() != booked_at
    client.step("manage moved")

    page.locator("summary", has_text="Cancel appointment").click()
    yes = page.get_by_role("button", name="Yes, cancel my appointment")
    expect(yes).to_be_visible()
    client.step("cancel confirm")
    yes.click()
    expect(page.get_by_text("Your appointment is cancelled.")).to_be_visible()
    status_is(page, "cancelled")
    expect(page.get_by_role("link", name="Reschedule")).to_have_count(0)
    client.step("manage cancelled")

    client.assert_clean()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_medical_booking_then_the_doctor_approves(visit, browser_spa, viewport):
    client = visit(viewport)
    page = client.page

    client.go("/treatments/botox/")
    expect(page.get_by_text("A medical treatment, under physician supervision")).to_be_visible()
    client.step("treatment")
    page.get_by_role("link", name=re.compile("^Book a time")).click()
    client.step("booking page")

    page.get_by_role("link", name=re.compile("Nora Nurse")).click()
    expect(page.locator(".who-chip.is-selected")).to_contain_text("Nora Nurse")
    time_name = choose_another_day_and_a_time(client, "booking")
    assert time_name.endswith("with Nora Nurse")
    expect(page.get_by_role("group", name="Health questions")).to_be_visible()
    client.step("details and intake")

    fill_contact(page, email="mia.medical@example.com")
    page.get_by_label("Date of birth").fill("1990-04-02")
    for question in (
        "Are you pregnant or breastfeeding?",
        "Have you taken isotretinoin (Accutane) in the last 6 months?",
        "Do you take blood thinners (including daily aspirin)?",
    ):
        page.get_by_role("group", name=question).get_by_label("No").check()
    page.get_by_label("Medications you take (optional)").fill("Vitamin D")
    page.get_by_label("I have read the consent above and agree to it.").check()
    client.step("intake filled")
    page.get_by_role("button", name="Request appointment").click()
    expect(page).to_have_url(MANAGE_URL)
    status_is(page, "pending review")
    expect(page.get_by_text("Our supervising physician reviews every medical")).to_be_visible()
    client.step("manage pending review")

    doctor = visit(viewport, who="doctor")
    dpage = doctor.page
    doctor.go("/doctor/")
    expect(dpage).to_have_url(re.compile(r"/accounts/login/\?next=/doctor/"))
    doctor.step("login")
    log_in(doctor, "/accounts/login/?next=/doctor/", DOCTOR_USERNAME)
    expect(dpage.get_by_role("heading", level=1)).to_have_text("Doctor portal")
    row = dpage.get_by_role("row", name=re.compile("Mia Client"))
    expect(row).to_contain_text("Botox")
    expect(row).to_contain_text("Nora Nurse")
    doctor.step("queue")

    row.get_by_role("link", name="Review Mia Client").click()
    expect(dpage.get_by_role("heading", level=1)).to_have_text("Review: Botox")
    expect(dpage.get_by_text("Vitamin D")).to_be_visible()
    doctor.step("review")
    dpage.get_by_label("Approve").check()
    dpage.get_by_label("Note").fill("Intake reviewed; no contraindications.")
    dpage.get_by_role("button", name="Save decision").click()
    expect(dpage.get_by_text("Review approved.")).to_be_visible()
    expect(dpage.get_by_text("Nothing waiting for review.")).to_be_visible()
    doctor.step("queue after approval")
    dpage.get_by_role("link", name=re.compile("^Decided")).click()
    expect(dpage.get_by_role("row", name=re.compile("Mia Client"))).to_contain_text(
        re.compile("approved", re.IGNORECASE)
    )
    doctor.step("decided")

    page.reload()  # the client's tab, still on the manage page
    status_is(page, "confirmed")
    client.step("manage confirmed")

    client.assert_clean()
    doctor.assert_clean()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_front_desk_checks_the_client_in_from_the_day_schedule(visit, browser_spa, viewport):
    from bookings.services.appointments import appointment_book

    today = datetime.datetime.now(NY).date()
    appointment = appointment_book(
        treatment=browser_spa.facial,
        practitioner=browser_spa.esthetician,
        start=at(today, 10),
        client=client_details(),
        # Booked earlier today: the schedule is for today whatever the hour now.
        now=at(today, 0),
        enforce_notice=False,
    )
    assert appointment.status == "confirmed"

    # Check-in opens an hour before the start: before 09:00 the server's clock moves
    # forward to 09:50 (never back, so the browser's cookies stay valid).
    opening = max(datetime.datetime.now(NY), at(today, 9, 50))
    with time_machine.travel(opening, tick=True):
        desk = visit(viewport, who="frontdesk")
        page = desk.page
        log_in(desk, "/admin/login/?next=/admin/", FRONT_DESK_USERNAME)
        expect(page).to_have_url(re.compile(r"/admin/$"))
        desk.step("admin home", axe=False)  # Django's own admin pages are not ours to audit

        desk.go(f"/admin/bookings/appointment/day/?date={today:%Y-%m-%d}")
        cell = page.locator("td.slot-appointment", has_text="Mia Client")
        expect(cell).to_contain_text("Hydrating facial")
        expect(cell.locator(".slot-status")).to_have_text(re.compile("confirmed", re.IGNORECASE))
        desk.step("day schedule")

        page.get_by_role("button", name="Check in Mia Client").click()
        expect(page).to_have_url(re.compile(rf"/day/\?date={today:%Y-%m-%d}$"))
        cell = page.locator("td.slot-appointment", has_text="Mia Client")
        expect(cell.locator(".slot-status")).to_have_text(re.compile("checked in", re.IGNORECASE))
        expect(page.get_by_role("button", name="Check in Mia Client")).to_have_count(0)
        desk.step("checked in")

    client = visit(viewport)
    client.go(appointment.get_absolute_url())
    status_is(client.page, "checked in")
    expect(client.page.get_by_text("You are checked in.")).to_be_visible()
    client.step("manage checked in")

    desk.assert_clean()
    client.assert_clean()
