"""Issue 17, part 1: every time a person reads is on the spa's clock. One Botox visit
at 13:30 New York time (17:30 UTC in June) is moved there by the front desk, then
every staff page, message, export and mail about it is read: the UTC hour never
appears, and the local one does."""

import datetime
import re

import pytest
import time_machine

from bookings.models import Appointment, Client, OutboundEmail
from bookings.services.appointments import appointment_book
from bookings.services.reviews import review_decide
from practitioners.models import TimeOff
from tests.factories import UserFactory
from tests.page_forms import form_data
from tests.spa import CONSENT, NY, at, client_details, intake_answers

pytestmark = pytest.mark.django_db
DAY = datetime.date(2027, 6, 8)  # a Tuesday; New York is UTC-4
NOW = datetime.datetime(2027, 6, 1, 9, 0, tzinfo=NY)
UTC_HOUR = re.compile(r"17:30|5:30\s*(PM|pm|p\.m\.)")
LOCAL_HOUR = re.compile(r"13:30|1:30\s*(PM|pm|p\.m\.)")


def test_no_page_message_export_or_mail_shows_the_utc_hour(client, spa):
    with time_machine.travel(NOW, tick=False):
        record = Client.objects.create(
            first_name="Mia", last_name="Local", email="mia@example.com", phone="212 555 0100"
        )
        visit = appointment_book(
            treatment=spa.botox,
            practitioner=spa.nurse,
            start=at(DAY, 11),
            client=client_details(),
            intake=intake_answers(),
            consent=CONSENT,
            client_record=record,
        )
        review_decide(review=visit.review, user=spa.doctor.user, decision="approved")
        TimeOff.objects.create(
            practitioner=spa.esthetician, starts_at=at(DAY, 13, 30), ends_at=at(DAY, 15), reason="x"
        )
        root = UserFactory(username="root", is_staff=True, is_superuser=True)
        client.force_login(root)
        url = f"/admin/bookings/appointment/{visit.pk}/change/"
        data = form_data(client.get(url).content.decode(), "appointment_form")
        data.update(start_date=[DAY.isoformat()], start_time=["13:30"], _continue=["1"])
        moved = client.post(url, data, follow=True)
        visit.refresh_from_db()
        assert visit.start == at(DAY, 13, 30)
        read = {"message after the move": moved}
        admin = "/admin/bookings"
        for name, url in {
            "appointment list": f"{admin}/appointment/?day=all",
            "appointment page": f"{admin}/appointment/{visit.pk}/change/",
            "appointment history": f"{admin}/appointment/{visit.pk}/history/",
            "day schedule": f"{admin}/appointment/day/?date={DAY}",
            "day CSV": f"{admin}/appointment/export/?date={DAY}",
            "client page": f"{admin}/client/{record.pk}/change/",
            "review list": f"{admin}/review/",
            "review page": f"{admin}/review/{visit.review.pk}/change/",
            "intake list": f"{admin}/intake/",
            "mail list": f"{admin}/outboundemail/",
            "mail page": f"{admin}/outboundemail/{visit.emails.last().pk}/change/",
            "time off list": "/admin/practitioners/timeoff/",
        }.items():
            read[name] = client.get(url)
        client.force_login(spa.doctor.user)
        read["doctor's queue"] = client.get("/doctor/?tab=decided")
        read["doctor's review"] = client.get(f"/doctor/reviews/{visit.review.pk}/")
        agreement = spa.nurse.supervision_agreements.get()
        read["agreement CSV"] = client.get(f"/doctor/agreements/{agreement.pk}/export.csv")

    texts = {name: response.content.decode() for name, response in read.items()}
    for mail in OutboundEmail.objects.filter(appointment=visit, kind="rescheduled"):
        texts[f"mail {mail.kind}"] = mail.subject + mail.body + mail.html_body
    texts["the appointment as a name"] = str(Appointment.objects.get(pk=visit.pk))

    showing_utc = sorted(name for name, text in texts.items() if UTC_HOUR.search(text))
    without_local = sorted(
        name
        for name, text in texts.items()
        if not LOCAL_HOUR.search(text) and name != "mail list"  # lists mails, not visits
    )
    assert all(response.status_code == 200 for response in read.values())
    assert showing_utc == []
    assert without_local == []
