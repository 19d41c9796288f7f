"""The staff portals in a real browser, on a phone (390x844) and a desk (1280x800): the
doctor works the queue and a review; a nurse works her day at /staff/, reads an intake
and charts two visits, each on the form its treatment needs. Every step is screenshotted
and checked with axe-core (every rule) and for sideways scrolling (support.py).

The visits are booked through the services (the public pages have tests of their own),
on today's date so that /staff/ opens on them."""

import datetime
import re

import pytest

from bookings.services.appointments import appointment_book
from tests.browser.support import DOCTOR_USERNAME, expect, log_in
from tests.factories import (
    ContraindicationFactory,
    MedicalTreatmentFactory,
    TreatmentContraindicationFactory,
    UserFactory,
)
from tests.spa import (
    CONSENT,
    NY,
    at,
    client_details,
    complete_visit,
    intake_answers,
    next_working_day,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = ["phone", "desk"]
INFECTION = "Active skin infection or open wound"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_doctor_works_the_queue_and_a_review(visit, browser_spa, viewport):
    spa = browser_spa
    TreatmentContraindicationFactory(
        treatment=spa.botox,
        contraindication=ContraindicationFactory(code="active-skin-infection", name=INFECTION),
        severity="absolute",
    )
    appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=at(next_working_day(), 11),
        client=client_details(),
        intake=intake_answers(blood_thinners=True, extra_answers={"active-skin-infection": None}),
        consent=CONSENT,
    )
    doctor = visit(viewport, who="doctor")
    page = doctor.page
    log_in(doctor, "/accounts/login/?next=/doctor/", DOCTOR_USERNAME)
    visit_row = page.get_by_role("row", name=re.compile("Mia Client"))
    expect(visit_row).to_contain_text("Flag: Blood thinners")
    expect(visit_row).to_contain_text(f"Not answered: {INFECTION} (absolute)")
    review = visit_row.get_by_role("link", name="Review Mia Client")
    expect(review).to_be_in_viewport()  # on a phone too: nothing sits off to the right
    doctor.step("queue")

    review.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review: Botox")
    intake = page.get_by_role("region", name="Intake")
    expect(intake).to_contain_text(re.compile(rf"{INFECTION}\s*Not answered"))
    expect(intake).not_to_contain_text("active-skin-infection")
    doctor.step("review")
    if viewport == "phone":
        page.get_by_role("link", name="Go to the decision").click()
        expect(page.get_by_role("heading", name="Decision")).to_be_in_viewport()
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Note").fill("Asked about the skin on the phone: clear.")
    doctor.step("decision")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("Review approved.")).to_be_visible()
    expect(page.get_by_text("Nothing waiting for review.")).to_be_visible()

    page.get_by_role("link", name=re.compile("^Decided")).click()
    expect(page.get_by_role("row", name=re.compile("Mia Client"))).to_contain_text("approved")
    doctor.step("decided")
    doctor.assert_clean()


@pytest.fixture
def nurses_day(browser_spa):
    """Today: a Botox visit (an injectable) and a laser visit, both done, and a facial to
    come, all the nurse's; booked earlier today."""
    spa = browser_spa
    spa.nurse.user = UserFactory(username="nurse")
    spa.nurse.save()
    laser = MedicalTreatmentFactory(
        name="Laser hair removal", slug="laser-hair-removal", charting="energy_device"
    )
    spa.nurse.qualified_treatments.add(laser)
    today = datetime.datetime.now(NY).date()
    booked = {"now": at(today, 0), "enforce_notice": False}
    botox = appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=at(today, 9),
        client=client_details(),
        intake=intake_answers(blood_thinners=True, medications="Aspirin 81 mg"),
        consent=CONSENT,
        **booked,
    )
    legs = appointment_book(
        treatment=laser,
        practitioner=spa.nurse,
        start=at(today, 10),
        client=client_details("lee@example.com", first_name="Lee", last_name="Laser"),
        intake=intake_answers(),
        consent=CONSENT,
        **booked,
    )
    appointment_book(
        treatment=spa.facial,
        practitioner=spa.nurse,
        start=at(today, 15),
        client=client_details("fay@example.com", first_name="Fay", last_name="Facial"),
        **booked,
    )
    complete_visit(botox)
    complete_visit(legs)
    return spa


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_nurse_reads_an_intake_and_charts_her_day(visit, nurses_day, viewport):
    nurse = visit(viewport, who="nurse")
    page = nurse.page
    log_in(nurse, "/accounts/login/?next=/staff/", "nurse")
    expect(page.get_by_role("heading", level=1)).to_have_text("My day")
    day = page.get_by_role("table")
    expect(day.get_by_role("row")).to_have_count(4)  # the header and three visits
    expect(page.get_by_role("row", name=re.compile("Fay Facial"))).to_contain_text(
        "Day spa: no medical records"
    )
    expect(page.get_by_role("row", name=re.compile("Mia Client"))).to_contain_text(
        "Flag: Blood thinners"
    )
    nurse.step("day")

    page.get_by_role("link", name="Read the intake of Mia Client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Intake: Mia Client")
    expect(page.get_by_text("Aspirin 81 mg")).to_be_visible()
    nurse.step("intake")
    page.get_by_role("link", name="Back to my day").click()

    page.get_by_role("link", name="Write record for Mia Client").click()
    expect(page.get_by_label("Device")).to_have_count(0)
    page.get_by_label("What was done").fill("Glabellar lines treated.")
    page.get_by_label("Product").fill("Botox Cosmetic")
    page.get_by_label("Lot number").fill("C1234")
    page.get_by_label("Lot expiry").fill("2030-01-01")
    page.get_by_label(re.compile("Units per area")).fill("Glabella: 20")
    nurse.step("injectable chart")
    page.get_by_role("button", name="Save record").click()
    expect(page.get_by_text("Treatment record saved.")).to_be_visible()
    page.get_by_role("link", name="Back to my day").click()
    expect(page.get_by_role("link", name="View or amend for Mia Client")).to_be_visible()

    page.get_by_role("link", name="Write record for Lee Laser").click()
    expect(page.get_by_label("Product")).to_have_count(0)
    expect(page.get_by_label("Lot number")).to_have_count(0)
    page.get_by_label("What was done").fill("Lower legs, one pass.")
    page.get_by_label("Device").fill("Candela GentleMax Pro")
    page.get_by_label("Settings").fill("755 nm, 18 mm spot, 10 J/cm2")
    nurse.step("laser chart")
    page.get_by_role("button", name="Save record").click()
    expect(page.get_by_text("Treatment record saved.")).to_be_visible()
    nurse.step("laser charted")
    nurse.assert_clean()
