"""Check-in, completion and no-show are in the appointment's history, with who and
when: on the client's manage page and in the admin's History. They are written by
bookings/services/visits.py, whichever screen the step was taken on."""

import datetime
import re

import pytest
import time_machine

from bookings.services.reviews import review_decide
from tests.factories import UserFactory
from tests.security.helpers import front_desk_user
from tests.spa import NY, at, book_botox_at, book_facial_at

pytestmark = pytest.mark.django_db
DAY = datetime.date(2027, 6, 8)  # a Tuesday
BOOKED_AT = datetime.datetime(2027, 6, 1, 9, 0, tzinfo=NY)


def _history(client, appointment) -> list[str]:
    """The manage page's History: "<when> | <what> by <who>" per entry."""
    html = client.get(appointment.get_absolute_url()).content.decode()
    section = html[html.index('id="history-title"') :]
    section = section[: section.index("</section>")]
    entries = re.findall(r"<li[^>]*><time[^>]*>(.*?)</time>(.*?)</li>", section)
    return [f"{when} | {what}" for when, what in entries]


def test_a_medical_visit_checked_in_at_the_desk_and_completed_by_the_nurse(client, spa):
    spa.nurse.user = UserFactory(username="nora")
    spa.nurse.save()
    desk = front_desk_user()
    with time_machine.travel(BOOKED_AT, tick=False):
        visit = book_botox_at(spa, at(DAY, 11))
        review_decide(review=visit.review, user=spa.doctor.user, decision="approved")
    with time_machine.travel(at(DAY, 10, 52), tick=False):
        client.force_login(desk)
        client.post(f"/admin/bookings/appointment/{visit.pk}/status/", {"status": "checked_in"})
    with time_machine.travel(at(DAY, 11, 40), tick=False):
        client.force_login(spa.nurse.user)
        client.post(f"/staff/appointments/{visit.pk}/complete/")
    client.logout()

    assert _history(client, visit) == [
        "Tuesday 1 June 2027, 9:00 AM | Booked by you, online",
        "Tuesday 1 June 2027, 9:00 AM | Reviewed by Dr. Reyes",
        "Tuesday 8 June 2027, 10:52 AM | Checked in by the front desk",
        "Tuesday 8 June 2027, 11:40 AM | Completed by Nora Nurse",
    ]

    # The front desk's History page and the appointment page's History say the same,
    # with the login of whoever did it.
    client.force_login(desk)
    history = _rows(client, f"/admin/bookings/appointment/{visit.pk}/history/")
    doctor = spa.doctor.user.get_username()
    assert history == [
        "Tue 1 Jun 2027, 9:00 AM the client, online booked online, "
        "Tue 8 Jun 2027, 11:00 AM with Nora Nurse",
        f"Tue 1 Jun 2027, 9:00 AM {doctor} reviewed review approved",
        "Tue 8 Jun 2027, 10:52 AM desk checked in from confirmed",
        "Tue 8 Jun 2027, 11:40 AM nora completed from checked in",
    ]
    inline = _rows(client, f"/admin/bookings/appointment/{visit.pk}/change/")
    assert any("Tue 8 Jun 2027, 10:52 AM desk checked in" in row for row in inline), inline
    assert any("Tue 8 Jun 2027, 11:40 AM nora completed" in row for row in inline), inline


def _rows(client, url: str) -> list[str]:
    """The text of each body row of the page's tables."""
    html = client.get(url).content.decode()
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", html, flags=re.S))
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_a_no_show_is_in_the_history(client, spa):
    desk = front_desk_user()
    with time_machine.travel(BOOKED_AT, tick=False):
        visit = book_facial_at(spa, at(DAY, 11))
    with time_machine.travel(at(DAY, 11, 20), tick=False):
        client.force_login(desk)
        client.post(f"/admin/bookings/appointment/{visit.pk}/status/", {"status": "no_show"})
    client.logout()
    assert _history(client, visit)[-1] == (
        "Tuesday 8 June 2027, 11:20 AM | Marked as missed by the front desk"
    )


def test_a_refused_step_writes_nothing(client, spa):
    """Completing before the visit starts is refused (visits.py): no history entry."""
    desk = front_desk_user()
    with time_machine.travel(BOOKED_AT, tick=False):
        visit = book_facial_at(spa, at(DAY, 11))
    with time_machine.travel(at(DAY, 10, 30), tick=False):
        client.force_login(desk)
        client.post(f"/admin/bookings/appointment/{visit.pk}/status/", {"status": "no_show"})
    client.logout()
    assert [line.split(" | ")[1] for line in _history(client, visit)] == ["Booked by you, online"]
