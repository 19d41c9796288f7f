"""One Botox visit walked in order by every role, on a phone and a desk (issue 17):
the client books; the doctor approves subject to a good-faith exam at the visit; the
front desk checks the client in; the NP records the exam; the nurse completes the
visit and charts it; the doctor co-signs. Screenshots: tests/browser/screenshots/.

The server's clock (time-machine, ticking) moves to the visit's day for the visit
itself; it only ever moves forward, so the browser's cookies stay valid."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from bookings.models import Appointment
from tests.browser.support import DOCTOR_USERNAME, FRONT_DESK_USERNAME, expect, log_in, status_is
from tests.browser.test_journeys import choose_another_day_and_a_time, fill_contact
from tests.factories import PractitionerFactory, UserFactory, role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic(browser_spa):
    spa = browser_spa
    spa.botox.requires_gfe = True
    spa.botox.save()
    spa.nurse.user = UserFactory(username="nurse")
    spa.nurse.save()
    spa.nurse.supervision_agreements.update(chart_review_percent=100)
    PractitionerFactory(
        display_name="Elena Petrova, NP",
        role=role("nurse-practitioner"),
        user=UserFactory(username="elena"),
        licence_expires_on=datetime.date(2029, 1, 1),
    )
    return spa


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_botox_visit_in_order_for_every_role(visit, clinic, viewport):
    client = visit(viewport)
    page = client.page
    client.go("/book/botox/")
    page.get_by_role("link", name=re.compile("Nora Nurse")).click()
    choose_another_day_and_a_time(client, "client")
    expect(page.get_by_text("good-faith exam").first).to_be_visible()
    fill_contact(page)
    page.get_by_label("Date of birth").fill("1990-04-02")
    for question in page.get_by_role("group", name=re.compile(r"\?$")).all():
        question.get_by_label("No").check()
    page.get_by_label("I have read the consent above and agree to it.").check()
    client.step("client books")
    page.get_by_role("button", name="Request appointment").click()
    status_is(page, "pending review")
    appointment = Appointment.objects.get()

    doctor = visit(viewport, who="doctor")
    log_in(doctor, "/accounts/login/?next=/doctor/", DOCTOR_USERNAME)
    doctor.page.get_by_role("link", name="Review Mia Client").click()
    doctor.page.get_by_label("Approve", exact=True).check()
    doctor.page.get_by_label("Approve subject to a good-faith exam at the visit").check()
    doctor.step("doctor approves subject to an exam")
    doctor.page.get_by_role("button", name="Save decision").click()
    expect(doctor.page.get_by_text("Review approved.")).to_be_visible()
    page.reload()
    status_is(page, "confirmed")
    expect(page.get_by_text("at the start of your visit")).to_be_visible()
    client.step("client told about the exam")

    arrival = appointment.start - datetime.timedelta(minutes=20)
    with time_machine.travel(max(arrival, datetime.datetime.now(datetime.UTC)), tick=True):
        desk = visit(viewport, who="frontdesk")
        log_in(desk, "/admin/login/?next=/admin/", FRONT_DESK_USERNAME)
        day = timezone.localtime(appointment.start).date()
        desk.go(f"/admin/bookings/appointment/day/?date={day}")
        desk.page.get_by_role("button", name="Check in Mia Client").click()
        desk.step("front desk checks in", axe=False)

        examiner = visit(viewport, who="np")
        log_in(examiner, "/accounts/login/?next=/staff/", "elena")
        examiner.page.get_by_role("link", name="Record the exam of Mia Client").click()
        examiner.page.get_by_label("History, exam and plan").fill("No contraindications found.")
        examiner.page.get_by_label("cleared", exact=True).check()
        examiner.step("np records the exam")
        examiner.page.get_by_role("button", name="Save the exam").click()
        expect(examiner.page.get_by_text("Exam recorded for Mia Client: cleared.")).to_be_visible()

    with time_machine.travel(appointment.start + datetime.timedelta(minutes=35), tick=True):
        nurse = visit(viewport, who="nurse")
        log_in(nurse, "/accounts/login/?next=/staff/", "nurse")
        nurse.page.get_by_role("button", name="Mark completed Mia Client").click()
        nurse.page.get_by_role("link", name="Write record for Mia Client").click()
        nurse.page.get_by_label("What was done").fill("Glabellar lines treated.")
        nurse.page.get_by_label("Product").fill("Botox Cosmetic")
        nurse.page.get_by_label("Lot number").fill("C1234")
        nurse.page.get_by_label("Lot expiry").fill("2030-01-01")
        nurse.page.get_by_label(re.compile("Units per area")).fill("Glabella: 20")
        nurse.step("nurse charts")
        nurse.page.get_by_role("button", name="Save record").click()
        expect(nurse.page.get_by_text("Treatment record saved.")).to_be_visible()

        log_in(doctor, "/accounts/login/?next=/doctor/", DOCTOR_USERNAME)
        doctor.go("/doctor/?tab=cosign")
        doctor.page.get_by_role("link", name="Open the chart of Mia Client").click()
        doctor.page.get_by_role("button", name=re.compile("^Co-sign version 1")).click()
        doctor.step("doctor co-signs")

    appointment.refresh_from_db()
    assert appointment.status == "completed"
    record = appointment.treatment_records.get()
    assert record.cosigned_by == clinic.doctor
    for visitor in (client, doctor, examiner, nurse):
        visitor.assert_clean()
