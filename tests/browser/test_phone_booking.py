"""The front desk books Botox for a new caller on the phone, in a real browser on a
phone and a desk: the free-time finder, the website's questions, the confirmation,
then a search by the caller's number and a move through the same finder."""

import re

import pytest

from bookings.models import Appointment
from tests.browser.support import FRONT_DESK_USERNAME, expect, log_in
from tests.factories import ContraindicationFactory, TreatmentContraindicationFactory
from tests.spa import at, next_working_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_phone_booking_of_botox_found_by_phone_then_moved(visit, browser_spa, viewport):
    spa = browser_spa
    TreatmentContraindicationFactory(
        treatment=spa.botox,
        contraindication=ContraindicationFactory(
            code="active-skin-infection",
            name="Active skin infection",
            question="Do you have a skin infection where you would be treated?",
        ),
        severity="absolute",
    )
    day = next_working_day()
    desk = visit(viewport, who="desk")
    page = desk.page
    log_in(desk, "/admin/login/?next=/admin/", FRONT_DESK_USERNAME)

    # Step 1: the finder, the website's free times.
    desk.go("/admin/bookings/appointment/add/")
    expect(page.get_by_role("heading", name="Book by phone: find a free time")).to_be_visible()
    page.get_by_label("Treatment").select_option(label="Botox")
    page.get_by_label("Day").fill(day.isoformat())
    page.get_by_role("button", name="Show free times").click()
    expect(page.get_by_role("heading", name=re.compile(r"free times for Botox"))).to_be_visible()
    desk.step("free times", axe=False)  # Django's admin pages are not ours to audit
    page.get_by_role("link", name="11:00 AM with Nora Nurse", exact=True).click()

    # Step 2: the client and the website's questions, none answered yet.
    expect(page.get_by_label("Time")).to_have_value("11:00")
    expect(
        page.get_by_text("Do you have a skin infection where you would be treated?")
    ).to_be_visible()
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    page.get_by_label("First name").fill("New")
    page.get_by_label("Last name").fill("Caller")
    page.locator("#id_phone").fill("(917) 555-0103")
    page.get_by_label("Date of birth").fill("1990-04-02")
    for question in (
        "pregnant_or_breastfeeding",
        "isotretinoin_last_6_months",
        "blood_thinners",
        "answer_active_skin_infection",
    ):
        page.locator(f"input[name={question}][value=no]").check()
    page.get_by_label("Consent read to the client and given").check()
    desk.step("questions asked", axe=False)
    page.get_by_role("button", name="Save", exact=True).click()

    confirmation = page.locator(".messagelist")
    expect(confirmation).to_contain_text("Booked Botox for New Caller")
    expect(confirmation).to_contain_text("11:00")
    expect(confirmation).to_contain_text("call the client at +1 917-555-0103")
    desk.step("confirmation", axe=False)
    booked = Appointment.objects.get()
    assert booked.client_phone == "+19175550103" and booked.status == "pending_review"

    # A search by the number as the caller says it.
    desk.go("/admin/bookings/appointment/")
    page.locator("#searchbar").fill("917 555 0103")
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list")).to_contain_text("New Caller")
    desk.step("found by phone", axe=False)

    # A move through the same finder: the pick fills the Move fields.
    page.locator("#result_list a", has_text=re.compile(r"\d")).first.click()
    page.get_by_role("link", name="Find a free time to move to").click()
    expect(page.get_by_text("Its own time counts as free")).to_be_visible()
    page.get_by_role("link", name="2:00 PM with Nora Nurse", exact=True).click()
    expect(page.get_by_label("New time")).to_have_value("14:00")
    desk.step("move filled in", axe=False)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    booked.refresh_from_db()
    assert booked.start == at(day, 14)
    desk.assert_clean()
