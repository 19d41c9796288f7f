"""Accessibility in a real browser: axe-core on every public page and on the pages
behind them, the booking by keyboard alone, named time buttons, errors tied to their
fields and announced. CSP violations fail these tests too (tests/browser/support.py).
"""

import datetime
import re

import pytest

from tests.browser.support import DOCTOR_USERNAME, expect, format_violations, log_in, status_is
from tests.spa import (
    CONSENT,
    INJECTION,
    at,
    client_details,
    complete_visit,
    intake_answers,
    next_working_day,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOT_NAME = re.compile(r"^\d{1,2}:\d{2} [AP]M with .+")


def first_time(page):
    """Choose the first free time shown (the first day with times is preselected)."""
    page.get_by_role("button", name=SLOT_NAME).first.click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()


# --- every public page -----------------------------------------------------------------


@pytest.mark.parametrize("viewport", ["phone", "desk"])
@pytest.mark.parametrize("kind", ["day_spa", "medical"])
def test_every_public_page_has_no_axe_violation_under_any_rule(visit, demo_data, viewport, kind):
    """The demo catalogue (seed_demo: images, both kinds, every category): the pages
    of all treatments of one kind and their booking pages, plus the pages around them."""
    visitor = visit(viewport)
    page = visitor.page

    overview = ["/", "/treatments/"] if kind == "day_spa" else ["/accounts/login/"]
    for path in [*overview, f"/treatments/?kind={kind}"]:
        visitor.go(path)
        visitor.step(path)
    treatments = page.eval_on_selector_all(
        "main a[href^='/treatments/']",
        "links => [...new Set(links.map(a => a.getAttribute('href')))]"
        ".filter(h => /^\\/treatments\\/[\\w-]+\\/$/.test(h))",
    )
    assert len(treatments) >= 6, treatments
    for path in treatments:
        visitor.go(path)
        visitor.step(path, full_page=False)
        book = page.get_by_role("link", name=re.compile("^Book a time"))
        if book.count():
            book.click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("Book")
            visitor.step(f"book {path}", full_page=False)

    if kind == "medical":
        visitor.expected_console.append("404 (Not Found)")
        visitor.go("/no-such-page/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        visitor.step("not found")

    visitor.assert_clean()


# --- the booking form: errors tied to their fields and announced -----------------------


def assert_errors_tied_to_fields(page, expected_fields: list[str]) -> None:
    summary = page.locator("#form-errors")
    expect(summary).to_have_attribute("role", "alert")
    # booking.js moves the focus to the summary once the page has loaded.
    expect(summary).to_be_focused()

    invalid = page.eval_on_selector_all(
        "#booking-form [aria-invalid='true']",
        # A yes/no question's error describes its fieldset (the group the radios are in).
        """controls => controls.map(c => {
            const owner = c.hasAttribute('aria-describedby') ? c
              : c.closest('fieldset[aria-describedby]') || c;
            return {
              name: c.name,
              described: (owner.getAttribute('aria-describedby') || '').split(/\\s+/)
                .filter(Boolean)
                .map(id => (document.getElementById(id) || {textContent: ''}).textContent.trim()),
            };
        })""",
    )
    by_name = {}
    for control in invalid:
        by_name.setdefault(control["name"], []).append(control["described"])
    missing = [name for name in expected_fields if name not in by_name]
    assert not missing, f"no aria-invalid on {missing}; invalid controls: {invalid}"
    for name, descriptions in by_name.items():
        for texts in descriptions:
            assert any(texts), f"{name}: aria-describedby points at no error text ({texts})"

    # Each line of the summary links to its field.
    targets = page.eval_on_selector_all(
        "#form-errors a[href^='#']",
        "links => links.map(a => a.getAttribute('href').slice(1))",
    )
    for target in targets:
        if target.startswith("step-"):
            continue
        element = page.locator(f"[id='{target}']")
        expect(element).to_have_count(1)
        assert element.evaluate("e => ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName)")


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_medical_booking_errors_are_announced_and_tied_to_fields(visit, browser_spa, viewport):
    visitor = visit(viewport)
    page = visitor.page
    visitor.go("/book/botox/")
    first_time(page)
    visitor.step("details")
    page.get_by_role("button", name="Request appointment").click()
    expected = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
        "pregnant_or_breastfeeding",
        "isotretinoin_last_6_months",
        "blood_thinners",
        "consent",
    ]
    assert_errors_tied_to_fields(page, expected)
    expect(page.locator("#form-errors")).to_contain_text("Please check the form")
    visitor.step("all errors")

    page.get_by_label("First name").fill("Mia")
    page.get_by_label("Last name").fill("Client")
    page.get_by_label("Email").fill("not an email")
    page.get_by_label("Phone").fill("12")
    page.get_by_label("Date of birth").fill("1990-04-02")
    page.get_by_role("button", name="Request appointment").click()
    assert_errors_tied_to_fields(page, ["email", "phone", "consent"])
    visitor.step("some errors")
    visitor.assert_clean()


def test_day_spa_booking_errors_are_announced_and_tied_to_fields(visit, browser_spa):
    visitor = visit("desk")
    page = visitor.page
    visitor.go("/book/hydrating-facial/")
    first_time(page)
    page.get_by_label("Email").fill("mia@")
    page.get_by_role("button", name="Book appointment").click()
    assert_errors_tied_to_fields(page, ["first_name", "last_name", "email", "phone"])
    visitor.step("errors")
    visitor.assert_clean()


# --- the booking by keyboard alone ---------------------------------------------------------


@pytest.mark.parametrize("treatment", ["hydrating-facial", "botox"])
def test_the_whole_booking_works_by_keyboard_with_a_visible_focus(visit, browser_spa, treatment):
    visitor = visit("desk")
    page = visitor.page
    keyboard = page.keyboard
    visitor.go(f"/book/{treatment}/")

    # The skip link comes first and shows.
    keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    visitor.assert_focus_visible()

    # A day, by Enter on its link (another day than the one shown).
    visitor.tab_to("a.day-chip:not(.is-selected)")
    day = page.evaluate("document.activeElement.href")
    keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(day.split("#")[0])))
    visitor.step("day by keyboard")

    # A time, by Space on its button.
    focused = visitor.tab_to("button.slot-button")
    assert SLOT_NAME.match(focused["text"]), focused
    keyboard.press("Space")
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    expect(page.locator(".chosen-time")).to_contain_text("Your time")
    visitor.step("time by keyboard")

    visitor.tab_to("#id_first_name")
    keyboard.type("Kay")
    visitor.tab_to("#id_last_name")
    keyboard.type("Board")
    visitor.tab_to("#id_email")
    keyboard.type("kay@example.com")
    visitor.tab_to("#id_phone")
    keyboard.type("212 555 0199")
    if treatment == "botox":
        visitor.tab_to("#id_date_of_birth")
        keyboard.type("04021990")  # Chromium's date field takes the digits in order
        for name in ("pregnant_or_breastfeeding", "isotretinoin_last_6_months", "blood_thinners"):
            # Radio groups: Tab reaches the group, arrows move within it; "No" is first.
            visitor.tab_to(f"input[name='{name}']")
            keyboard.press("Space")
            expect(page.locator(f"input[name='{name}'][value='no']")).to_be_checked()
        visitor.tab_to("#id_consent")
        keyboard.press("Space")
        expect(page.locator("#id_consent")).to_be_checked()
    visitor.step("details by keyboard")
    submit = "Request appointment" if treatment == "botox" else "Book appointment"
    focused = visitor.tab_to("#booking-form .booking-form__submit button")
    assert focused["text"] == submit
    keyboard.press("Enter")
    status_is(page, "pending review" if treatment == "botox" else "confirmed")
    visitor.step("booked by keyboard")
    visitor.assert_clean()


# --- time slots are named buttons --------------------------------------------------------


def test_time_slots_are_buttons_named_by_time_and_practitioner(visit, browser_spa):
    visitor = visit("desk")
    page = visitor.page

    visitor.go(f"/book/hydrating-facial/?practitioner={browser_spa.nurse.pk}")
    slots = page.locator(".slot-button")
    expect(slots.first).to_be_visible()
    described = slots.evaluate_all(
        "buttons => buttons.map(b => [b.tagName, b.type, b.getAttribute('aria-label'),"
        " b.textContent])"
    )
    assert described
    for tag, kind, name, visible in described:
        assert (tag, kind) == ("BUTTON", "submit")
        assert re.fullmatch(r"\d{1,2}:\d{2} [AP]M with Nora Nurse", name), name
        # What a speech-input user reads on the button starts its name (WCAG 2.5.3).
        assert name.startswith(" ".join(visible.split())), (visible, name)
    # The accessible name is what assistive technology gets.
    first = described[0][2]
    expect(page.get_by_role("button", name=first, exact=True)).to_have_count(1)
    visitor.step("slots with Nora Nurse")

    visitor.go("/book/hydrating-facial/")
    for name in page.locator(".slot-button").evaluate_all(
        "buttons => buttons.map(b => b.getAttribute('aria-label'))"
    ):
        assert re.fullmatch(r"\d{1,2}:\d{2} [AP]M with any available practitioner", name), name
    visitor.step("slots with anyone")
    visitor.assert_clean()


# --- the doctor portal ----------------------------------------------------------------------


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_doctor_portal_pages_have_no_axe_violation_under_any_rule(visit, browser_spa, viewport):
    from bookings.models import TreatmentRecord
    from bookings.services.appointments import appointment_book
    from bookings.services.records import chart_write
    from tests.factories import UserFactory

    appointment_book(
        treatment=browser_spa.botox,
        practitioner=browser_spa.nurse,
        start=at(next_working_day(), 11),
        client=client_details(),
        intake=intake_answers(blood_thinners=True, medications="Aspirin 81 mg"),
        consent=CONSENT,
    )
    # A chart to co-sign (the co-sign tab's rows and the chart page).
    browser_spa.nurse.user = UserFactory(username="nurse")
    browser_spa.nurse.save()
    treated = appointment_book(
        treatment=browser_spa.botox,
        practitioner=browser_spa.nurse,
        start=at(next_working_day(), 14),
        client=client_details("cole@example.com", first_name="Cole"),
        intake=intake_answers(),
        consent=CONSENT,
    )
    complete_visit(treated)
    record = chart_write(appointment=treated, user=browser_spa.nurse.user, entry=INJECTION)
    TreatmentRecord.objects.filter(pk=record.pk).update(needs_cosign=True)
    doctor = visit(viewport, who="doctor")
    page = doctor.page
    log_in(doctor, "/accounts/login/?next=/doctor/", DOCTOR_USERNAME)
    expect(page.get_by_role("heading", level=1)).to_have_text("Doctor portal")
    expect(page.get_by_role("row", name=re.compile("Mia Client"))).to_contain_text("Blood")
    doctor.step("queue with a flag")

    page.get_by_role("link", name="Review Mia Client").click()
    doctor.step("review")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("Choose approve or decline.")).to_be_visible()
    doctor.step("review with an error")

    for label, path in [
        ("decided", "/doctor/?tab=decided"),
        ("to co-sign", "/doctor/?tab=cosign"),
        ("supervised", "/doctor/supervised/practitioners/"),
    ]:
        doctor.go(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        doctor.step(label)
    doctor.go(f"/doctor/charts/{record.pk}/")
    expect(page.get_by_role("button", name=re.compile("^Co-sign version 1"))).to_be_visible()
    doctor.step("chart")
    doctor.assert_clean()


# --- the practitioner's pages (/staff/) -----------------------------------------------------


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_staff_pages_have_no_axe_violation_under_any_rule(visit, browser_spa, viewport):
    """The practitioner's pages the journeys (test_portals.py) do not walk: a day with a
    visit waiting for the doctor (an exam needed) beside a day-spa one, that visit's
    intake, an empty day, and the page that turns a nurse away from the doctor portal."""
    from bookings.services.appointments import appointment_book
    from tests.factories import UserFactory

    spa = browser_spa
    spa.botox.requires_gfe = True
    spa.botox.save()
    spa.nurse.user = UserFactory(username="nurse")
    spa.nurse.save()
    day = next_working_day()
    appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=at(day, 11),
        client=client_details(),
        intake=intake_answers(blood_thinners=True),
        consent=CONSENT,
    )
    appointment_book(
        treatment=spa.facial,
        practitioner=spa.nurse,
        start=at(day, 14),
        client=client_details("fay@example.com", first_name="Fay"),
    )
    nurse = visit(viewport, who="nurse")
    page = nurse.page
    log_in(nurse, "/accounts/login/?next=/staff/", "nurse")
    expect(page.get_by_role("heading", level=1)).to_have_text("My day")
    nurse.go(f"/staff/?day={day:%Y-%m-%d}")
    expect(page.get_by_text("None on record yet: the doctor decides at the review")).to_be_visible()
    nurse.step("a day with a visit waiting for the doctor")
    page.get_by_role("link", name="Read the intake of Mia Client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Intake: Mia Client")
    nurse.step("intake")
    nurse.go(f"/staff/?day={day - datetime.timedelta(days=7):%Y-%m-%d}")
    expect(page.get_by_text("No appointments on this day.")).to_be_visible()
    nurse.step("an empty day")
    nurse.expected_console.append("403 (Forbidden)")
    nurse.go("/doctor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This page is not for your sign-in")
    nurse.step("the doctor portal turns a nurse away")
    nurse.assert_clean()


def test_the_axe_check_catches_a_real_violation(visit, browser_spa):
    """A control: the same check that passes the site's pages fails a broken one, on
    an experimental rule (a visible label left out of the accessible name) as well."""
    visitor = visit("desk")
    visitor.go("/treatments/")
    visitor.page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        ' \'<button type="button"></button><img src="/static/img/leaves.svg">'
        '<button type="button" aria-label="Book with Maya">9:00 AM</button>\')'
    )
    blocking = visitor.axe("broken on purpose")
    assert {"button-name", "image-alt", "label-content-name-mismatch"} <= {
        violation["id"] for violation in blocking
    }
    text = format_violations(blocking)
    assert "[critical] button-name" in text and "<button" in text
