"""Issue 21 in a real browser, on a phone and a desk: a signed-in client books a medical
treatment a second time, sees their last answers, confirms some and changes one."""

import datetime

import pytest
from django.core import mail

from bookings.models import Appointment, Client
from bookings.services.appointments import appointment_book
from tests.accounts.helpers import mailed_sign_in_path
from tests.browser.support import DOCTOR_USERNAME, expect, log_in
from tests.browser.test_journeys import MANAGE_URL
from tests.spa import CONSENT, at, client_details, intake_answers, next_working_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_signed_in_client_confirms_and_changes_their_last_answers(visit, browser_spa, viewport):
    spa = browser_spa
    mia = Client.objects.create(
        first_name="Mia",
        last_name="Client",
        email="mia@example.com",
        phone="+12125550100",
        date_of_birth=datetime.date(1990, 4, 2),
    )
    appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=at(next_working_day(3), 9),
        client=client_details("mia@example.com"),
        intake=intake_answers(medications="Ibuprofen 200 mg"),
        consent=CONSENT,
        client_record=mia,
    )
    mail.outbox.clear()
    client = visit(viewport)
    page = client.page

    client.go("/account/")
    page.locator("#id_email").fill("mia@example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    client.go(mailed_sign_in_path("mia@example.com"))
    client.page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Mia")

    start = at(next_working_day(5), 11).isoformat()
    client.go(f"/book/{spa.botox.slug}/?start={start}&practitioner={spa.nurse.pk}")
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    expect(page.get_by_label("Email")).not_to_be_editable()
    expect(page.get_by_label("First name")).to_have_value("Mia")
    thinners = page.locator("#div_id_blood_thinners")
    expect(thinners).to_contain_text("Your answer for your visit on")
    expect(page.locator("#div_id_confirm_medications")).to_contain_text("Ibuprofen 200 mg")
    client.step("saved answers shown")

    # Sending without an explicit act per answer is refused: nothing was chosen for her.
    page.get_by_label("I have read the consent above and agree to it.").check()
    page.get_by_role("button", name="Request appointment").click()
    expect(page.locator("#form-errors")).to_contain_text("Please check the form")
    expect(thinners).to_contain_text("Please confirm your last answer or change it.")
    client.step("each answer to confirm")

    page.locator("#div_id_pregnant_or_breastfeeding").get_by_text("Still no").click()
    page.locator("#div_id_isotretinoin_last_6_months").get_by_text("Still no").click()
    thinners.get_by_text("Yes (changed)").click()
    page.locator("#div_id_confirm_medications").get_by_text("Still the same").click()
    page.get_by_label("I have read the consent above and agree to it.").check()
    client.step("confirmed one, changed one")
    page.get_by_role("button", name="Request appointment").click()
    expect(page).to_have_url(MANAGE_URL)

    booked = Appointment.objects.filter(client=mia).order_by("-pk").first()
    assert booked.intake.changes["blood-thinners"]["after"] is True
    assert booked.intake.medications == "Ibuprofen 200 mg"
    client.assert_clean()

    # The doctor reads the change where they review the request.
    doctor = visit(viewport, who="doctor")
    log_in(doctor, "/accounts/login/", DOCTOR_USERNAME)
    doctor.go(f"/doctor/reviews/{booked.review.pk}/")
    expect(doctor.page.locator(".answer-note--changed")).to_contain_text("was No, now Yes")
    expect(doctor.page.locator("body")).to_contain_text("Confirmed unchanged since")
    doctor.step("the change in the doctor's review")
    doctor.assert_clean()
