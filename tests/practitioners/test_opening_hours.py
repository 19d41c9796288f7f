"""The footer's opening hours come from the active practitioners' weeks, follow a
change within a minute, and cost no query while cached."""

import datetime
import re

import pytest
import time_machine
from django.template.loader import render_to_string

from practitioners.hours import opening_hours
from practitioners.models import WorkingHours
from tests.factories import PractitionerFactory, WorkingHoursFactory
from tests.spa import NY, at, next_working_day

pytestmark = pytest.mark.django_db


def _week(practitioner, weekdays, starts, ends):
    for weekday in weekdays:
        WorkingHoursFactory(
            practitioner=practitioner, weekday=weekday, starts_at=starts, ends_at=ends
        )


@pytest.fixture
def staff():
    """Mornings, evenings until 7:30 pm, a Saturday, and a Sunday worker who left."""
    early, late, weekend, gone = PractitionerFactory.create_batch(4)
    _week(early, range(5), datetime.time(9), datetime.time(17))
    _week(late, range(5), datetime.time(12), datetime.time(19, 30))
    _week(weekend, [5], datetime.time(9), datetime.time(17))
    _week(gone, [6], datetime.time(10), datetime.time(14))
    gone.is_active = False
    gone.save()
    return late


def _footer(client) -> list[str]:
    html = client.get("/").content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    rows = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", footer)
    return [f"{days}: {hours}" for days, hours in rows]


def test_the_footer_sums_up_the_active_practitioners_weeks(client, staff):
    assert _footer(client) == [
        "Monday to Friday: 9:00 AM to 7:30 PM",
        "Saturday: 9:00 AM to 5:00 PM",
        "Sunday: Closed",
    ]


def test_the_footer_follows_a_change_of_hours_within_a_minute(client, staff):
    with time_machine.travel(datetime.datetime(2027, 6, 7, 12, tzinfo=NY), tick=False) as clock:
        assert "Monday to Friday: 9:00 AM to 7:30 PM" in _footer(client)
        # The front desk moves Friday's evening shift to 8 pm.
        WorkingHours.objects.filter(practitioner=staff, weekday=4).update(ends_at=datetime.time(20))
        clock.shift(datetime.timedelta(seconds=61))
        assert _footer(client) == [
            "Monday to Thursday: 9:00 AM to 7:30 PM",
            "Friday: 9:00 AM to 8:00 PM",
            "Saturday: 9:00 AM to 5:00 PM",
            "Sunday: Closed",
        ]


def test_two_days_read_as_a_pair(client, staff):
    _week(staff, [6], datetime.time(9), datetime.time(17))
    assert _footer(client)[-1] == "Saturday and Sunday: 9:00 AM to 5:00 PM"


def test_while_cached_the_footer_costs_no_query(staff, django_assert_num_queries):
    with django_assert_num_queries(1):
        render_to_string("_site_footer.html")
    with django_assert_num_queries(0):
        render_to_string("_site_footer.html")


def test_every_time_offered_lies_inside_the_footers_hours(client, spa):
    """An evening shift moves the closing time, so its evening starts are never shown
    under a footer that says the spa closes earlier."""
    spa.esthetician.working_hours.filter(weekday=2).update(
        starts_at=datetime.time(12), ends_at=datetime.time(20)
    )
    wednesday = next_working_day(3)
    while wednesday.weekday() != 2:
        wednesday += datetime.timedelta(days=1)
    slots = client.get(
        "/api/availability/", {"treatment": spa.facial.slug, "date": wednesday.isoformat()}
    ).json()["slots"]
    row = next(r for r in opening_hours() if "Wednesday" in r.days)
    assert (row.opens, row.closes) == (datetime.time(9), datetime.time(20))
    opens, closes = at(wednesday, 9), at(wednesday, 20)
    starts = [datetime.datetime.fromisoformat(s["start"]) for s in slots]
    assert max(starts) >= at(wednesday, 18)  # the evening shift is offered...
    for slot in slots:  # ...and every time lies inside the footer's hours
        assert opens <= datetime.datetime.fromisoformat(slot["start"]) < closes
        assert datetime.datetime.fromisoformat(slot["end"]) <= closes
