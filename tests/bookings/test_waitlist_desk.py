"""The front desk's waitlist in the admin: listed per treatment and day, searched,
removed, and a time offered by hand through the offer service (the same validator);
refused without the model permissions. And a medical offer asks the intake."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core import mail

from bookings.demo.seed import set_up_groups
from bookings.models import Appointment, WaitlistEntry, WaitlistOffer
from bookings.services.waitlist import WindowWanted, waitlist_join
from bookings.services.waitlist_offers import offer_by_hand
from tests.factories import UserFactory
from tests.spa import NOW, TUESDAY, at, book_facial_at, client_details

pytestmark = pytest.mark.django_db

LIST = "/admin/bookings/waitlistentry/"


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def join(spa, email, treatment=None, day=TUESDAY):
    return waitlist_join(
        treatment=treatment or spa.facial,
        practitioner=None,
        client=client_details(email, first_name=email.split("@")[0].title()),
        windows=[WindowWanted(day, day, datetime.time(9), datetime.time(17))],
    )


@pytest.fixture
def front_desk(client, spa):
    set_up_groups()
    user = UserFactory(username="desk", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(user)
    return client


def results(page) -> str:
    """The change list's table, without the filters beside it."""
    return page.content.decode().split('id="result_list"')[1].split("</table>")[0]


def test_front_desk_lists_per_treatment_and_day_and_searches(front_desk, spa):
    join(spa, "tuesday@example.com")
    wednesday = join(spa, "wednesday@example.com", day=TUESDAY + datetime.timedelta(days=1))
    page = front_desk.get(LIST, {"treatment__id__exact": spa.facial.pk, "day": "2027-06-08"})
    assert page.status_code == 200
    assert "Tuesday Client" in results(page) and "Wednesday Client" not in results(page)
    assert "offer held" not in results(page) and "waiting" in results(page)
    found = front_desk.get(LIST, {"q": "wednesday@example.com"})
    assert "Wednesday Client" in results(found) and "Tuesday Client" not in results(found)
    change = front_desk.get(f"{LIST}{wednesday.pk}/change/")
    assert change.status_code == 200 and "Offer a time by hand" in change.content.decode()


def test_front_desk_offers_a_time_by_hand(front_desk, spa, django_capture_on_commit_callbacks):
    entry = join(spa, "tuesday@example.com")
    form = {"practitioner": spa.esthetician.pk, "start_date": "2027-06-08", "start_time": "14:00"}
    with django_capture_on_commit_callbacks(execute=True):
        response = front_desk.post(f"{LIST}{entry.pk}/offer/", form)
    assert response.status_code == 302
    offer = WaitlistOffer.objects.get()
    assert (offer.entry, offer.start, offer.practitioner) == (
        entry,
        at(TUESDAY, 14),
        spa.esthetician,
    )
    assert offer.offered_by.username == "desk"
    assert [m.to for m in mail.outbox][-1] == ["tuesday@example.com"]


def test_an_offer_by_hand_goes_through_the_validator(front_desk, spa):
    entry = join(spa, "tuesday@example.com")
    book_facial_at(spa, at(TUESDAY, 14), practitioner=spa.esthetician)
    form = {"practitioner": spa.esthetician.pk, "start_date": "2027-06-08", "start_time": "14:00"}
    response = front_desk.post(f"{LIST}{entry.pk}/offer/", form)
    assert response.status_code == 200
    assert "just taken" in response.content.decode()
    assert not WaitlistOffer.objects.exists()


def test_front_desk_removes_an_entry(front_desk, spa):
    entry = join(spa, "tuesday@example.com")
    response = front_desk.post(
        LIST, {"action": "remove", "_selected_action": [entry.pk]}, follow=True
    )
    assert response.status_code == 200
    assert WaitlistEntry.objects.get().state == WaitlistEntry.State.LEFT


def test_staff_without_the_permissions_are_refused(client, spa):
    entry = join(spa, "tuesday@example.com")
    client.force_login(UserFactory(username="nobody", is_staff=True))
    assert client.get(LIST).status_code == 403
    form = {"practitioner": spa.esthetician.pk, "start_date": "2027-06-08", "start_time": "14:00"}
    assert client.post(f"{LIST}{entry.pk}/offer/", form).status_code == 403
    assert not WaitlistOffer.objects.exists()


def test_a_view_only_user_cannot_offer(client, spa):
    entry = join(spa, "tuesday@example.com")
    user = UserFactory(username="viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_waitlistentry"))
    client.force_login(user)
    assert client.get(LIST).status_code == 200
    form = {"practitioner": spa.esthetician.pk, "start_date": "2027-06-08", "start_time": "14:00"}
    assert client.post(f"{LIST}{entry.pk}/offer/", form).status_code == 403


def test_a_medical_offer_asks_the_intake_and_consent(
    spa, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = join(spa, "med@example.com", treatment=spa.botox)
        offer = offer_by_hand(entry=entry, practitioner=spa.nurse, start=at(TUESDAY, 15))
    # Mail never names a medical treatment, nor who performs it.
    assert [m.subject for m in mail.outbox][-1].startswith("A time has come free")
    for sent in mail.outbox:
        assert "Botox" not in sent.body + sent.alternatives[0][0]
        assert "Nora" not in sent.body
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "Health questions" in page and "Botox" in page

    missing = client.post(offer.get_absolute_url(), {"submission": "m-1"})
    assert missing.status_code == 200
    assert "Please read the consent" in missing.content.decode()
    answers = {
        "submission": "m-1",
        "date_of_birth": "1990-04-02",
        "pregnant_or_breastfeeding": "no",
        "isotretinoin_last_6_months": "no",
        "blood_thinners": "no",
        "consent": "on",
    }
    response = client.post(offer.get_absolute_url(), answers)
    appointment = Appointment.objects.get(client_email="med@example.com")
    assert response.status_code == 302
    assert appointment.status == Appointment.Status.PENDING_REVIEW
    assert appointment.intake.date_of_birth == datetime.date(1990, 4, 2)
