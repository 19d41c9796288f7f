"""The day schedule's client markers in a real browser: "Confirmed by client", "Not
confirmed yet", "Texts off (STOP)" and "Texts on" read as words inside each visit's
card, on a phone (390 px) and a desk, never past the card's edge; every step checked
with axe-core (tests/browser/support.py)."""

import datetime
import re

import pytest

from tests.browser.support import FRONT_DESK_USERNAME, expect, log_in
from tests.spa import NY, at, client_details, next_working_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def book(spa, practitioner, day, hour: int, name: str, phone: str, texts: bool):
    from bookings.services.appointments import appointment_book

    return appointment_book(
        treatment=spa.facial,
        practitioner=practitioner,
        start=at(day, hour),
        client=client_details(
            f"{name.lower()}@example.com", first_name=name, phone=phone, sms_opt_in=texts
        ),
    )


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_the_markers_read_as_words_inside_each_card(visit, browser_spa, viewport):
    from bookings.models import Appointment, TextOptOut

    spa = browser_spa
    day = next_working_day()
    cora = book(spa, spa.esthetician, day, 10, "Cora", "+12125550111", texts=True)
    book(spa, spa.nurse, day, 10, "Stan", "+12125550113", texts=True)
    book(spa, spa.esthetician, day, 13, "Una", "+12125550112", texts=False)
    Appointment.objects.filter(pk=cora.pk).update(client_confirmed_at=datetime.datetime.now(NY))
    TextOptOut.objects.create(phone="+12125550113")

    desk = visit(viewport, who="frontdesk")
    page = desk.page
    log_in(desk, "/admin/login/?next=/admin/", FRONT_DESK_USERNAME)
    desk.go(f"/admin/bookings/appointment/day/?date={day:%Y-%m-%d}")
    expected = {
        "Cora": ["Confirmed by client", "Texts on"],
        "Stan": ["Not confirmed yet", "Texts off (STOP)"],
        "Una": ["Not confirmed yet"],
    }
    width = page.viewport_size["width"]
    for name, words in expected.items():
        card = page.locator("td.slot-appointment", has_text=f"{name} Client")
        markers = card.get_by_role("list", name=f"{name} Client's replies").get_by_role("listitem")
        expect(markers).to_have_text(words)
        card_box = card.bounding_box()
        for index in range(len(words)):
            box = markers.nth(index).bounding_box()
            assert box["x"] >= card_box["x"] - 1, (name, box, card_box)
            assert box["x"] + box["width"] <= card_box["x"] + card_box["width"] + 1
            assert box["x"] + box["width"] <= width
    expect(page.get_by_text(re.compile("^Texts off \\(STOP\\)$"))).to_be_visible()
    desk.step("markers")
    desk.assert_clean()
