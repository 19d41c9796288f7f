"""One way to write money, dates and counts: public pages, portals, admin and mail."""

import re
from decimal import Decimal

import pytest

from medspa.money import money
from tests.factories import UserFactory
from tests.spa import book_facial

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("125.00"), "$125"),
        (Decimal("1250.50"), "$1,250.50"),
        (Decimal("0.5"), "$0.50"),
        (Decimal("0"), "$0"),
        (None, ""),
    ],
)
def test_money_is_written_one_way(amount, text):
    assert money(amount) == text


def test_a_price_reads_the_same_on_every_public_page(client, spa):
    spa.facial.price = Decimal("1250.00")
    spa.facial.save()
    appointment = book_facial(spa, 10, "mia@example.com")
    pages = [
        "/treatments/",
        spa.facial.get_absolute_url(),
        f"/book/{spa.facial.slug}/",
        appointment.get_absolute_url(),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "$1,250" in html, url
        assert not re.search(r"1,?250\.00|\$1250", html), url


def test_the_admin_lists_prices_like_the_site(client, spa):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get("/admin/treatments/treatment/").content.decode()
    assert "$120" in html
    assert "120.00" not in html
