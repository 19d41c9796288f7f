"""Shared pieces of the security and reliability gates (SECURITY.md).

Each gate test prints one figure line (see with `pytest -s`) and fails when a figure
is off. The builders here make the contract's form payloads (CONTRACT.md).
"""

import re

from django.contrib.auth.models import Group
from django.test import Client as TestClient

from bookings.demo.catalogue import FRONT_DESK
from bookings.demo.seed import set_up_groups
from tests.factories import UserFactory
from tests.spa import at, next_working_day

PASSWORD = "correct horse battery staple"
SUBMISSION = re.compile(r'name="submission" value="([A-Za-z0-9_-]+)"')


def figure(line: str) -> str:
    """The gate's one figure line: printed for `pytest -s` and SECURITY.md."""
    print(line)
    return line


def facial_post(spa, day, hour: int = 10, minute: int = 0, **overrides) -> dict:
    data = {
        "start": at(day, hour, minute).isoformat(),
        "practitioner": str(spa.esthetician.pk),
        "first_name": "Mia",
        "last_name": "Client",
        "email": "mia@example.com",
        "phone": "212 555 0100",
        "notes": "",
    }
    data.update(overrides)
    return data


def botox_post(spa, day, hour: int = 10, minute: int = 0, **overrides) -> dict:
    data = facial_post(spa, day, hour, minute, practitioner=str(spa.nurse.pk))
    data.update(
        {
            "date_of_birth": "1990-04-02",
            "pregnant_or_breastfeeding": "no",
            "isotretinoin_last_6_months": "no",
            "blood_thinners": "no",
            "medications": "",
            "allergies": "",
            "conditions": "",
            "consent": "on",
        }
    )
    data.update(overrides)
    return data


def form_nonce(client: TestClient, slug: str, start: str, practitioner: int | str) -> str:
    """GET the booking form for a chosen time and return its hidden `submission` value."""
    response = client.get(f"/book/{slug}/", {"start": start, "practitioner": practitioner})
    match = SUBMISSION.search(response.content.decode())
    assert match, "the booking form carries no submission nonce"
    return match.group(1)


def front_desk_user(username: str = "desk"):
    """A staff user in the "Front desk" group with exactly seed_demo's permissions."""
    groups = set_up_groups()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(groups[FRONT_DESK])
    return user


def front_desk_group() -> Group:
    return set_up_groups()[FRONT_DESK]


def is_server_error(status: int) -> bool:
    return status >= 500


def working_days(count: int, days_ahead: int = 3) -> list:
    """`count` distinct Monday-to-Saturday days from a few days ahead (real today)."""
    days: list = []
    ahead = days_ahead
    while len(days) < count:
        day = next_working_day(ahead)
        if day not in days:
            days.append(day)
        ahead += 1
    return days
