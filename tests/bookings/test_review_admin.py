"""The front desk's review list in the admin."""

import pytest

from tests.factories import PhysicianFactory, PractitionerFactory, UserFactory
from tests.spa import book_botox

pytestmark = pytest.mark.django_db


def test_the_review_lists_physician_filter_offers_only_physicians(client, spa):
    book_botox(spa)
    PractitionerFactory(display_name="Nina Nurse-Two")
    PhysicianFactory(display_name="Dr. Other")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    html = client.get("/admin/bookings/review/").content.decode()
    by_physician = html[html.index("By physician") :]
    by_physician = by_physician[: by_physician.index("</details>")]
    assert spa.doctor.display_name in by_physician and "Dr. Other" in by_physician
    for practitioner in ("Nora Nurse", "Ella Esthetician", "Nina Nurse-Two"):
        assert practitioner not in by_physician
