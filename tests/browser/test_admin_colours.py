"""The front desk's admin wears the spa's colours (static/css/admin-theme.css, through
Django's own CSS variables) in the light and the dark scheme, and its text passes
axe-core's contrast rules, the enhanced (7:1) one included, on the pages the desk uses.

Only the contrast rules are asserted here: the rest of Django's own markup (its
select2 widget, for one) is Django's to audit."""

import datetime
import re

import pytest

from tests.browser.support import FRONT_DESK_USERNAME, expect, format_violations, log_in, slug
from tests.spa import NY, at, client_details

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTRAST_RULES = {"color-contrast", "color-contrast-enhanced", "link-in-text-block"}
SPA_DEEP_GREEN = "rgb(34, 55, 46)"  # the header, in both schemes
PAGE_BACKGROUND = {"light": "rgb(255, 255, 255)", "dark": "rgb(22, 26, 24)"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_the_admin_wears_the_spa_colours_with_text_at_7_to_1(visit, browser_spa, viewport, scheme):
    from bookings.services.appointments import appointment_book

    tomorrow = datetime.datetime.now(NY).date() + datetime.timedelta(days=1)
    appointment = appointment_book(
        treatment=browser_spa.facial,
        practitioner=browser_spa.esthetician,
        start=at(tomorrow, 11),
        client=client_details(),
        enforce_notice=False,
    )
    desk = visit(viewport, who="frontdesk")
    page = desk.page
    page.emulate_media(color_scheme=scheme)
    log_in(desk, "/admin/login/?next=/admin/", FRONT_DESK_USERNAME)
    expect(page).to_have_url(re.compile(r"/admin/$"))

    found = {}
    for path in [
        "/admin/",
        "/admin/bookings/appointment/?day=all",
        f"/admin/bookings/appointment/day/?date={tomorrow:%Y-%m-%d}",
        f"/admin/bookings/appointment/{appointment.pk}/change/",
        "/admin/bookings/appointment/add/",
    ]:
        desk.go(path)
        expect(page.locator("#header")).to_have_css("background-color", SPA_DEEP_GREEN)
        expect(page.locator("body")).to_have_css("background-color", PAGE_BACKGROUND[scheme])
        page.screenshot(path=desk.folder / f"{scheme}-{slug(path)}.png", full_page=True)
        contrast = [v for v in desk.axe(path) if v["id"] in CONTRAST_RULES]
        if contrast:
            found[path] = format_violations(contrast)
    assert not found, "\n".join(f"{path}:\n{text}" for path, text in found.items())
