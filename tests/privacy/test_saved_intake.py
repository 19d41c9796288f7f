"""Issue 21: booking while signed in, and the intake saved between visits.

A signed-in client's booking joins their record at once (signing in proved the
email) and always carries the account's email. Their next medical booking shows their
last answers and asks them to confirm or change each one; nothing is sent for them,
and what changed reaches the doctor as a change. Nobody else sees those answers."""

import datetime
import time
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Appointment, Client, Intake, TextOptOut
from bookings.services.appointments import appointment_book
from bookings.services.saved_intake import NOT_ASKED, OUT_OF_DATE
from bookings.views.client_session import CLIENT_KEY, CLIENT_SIGNED_IN_KEY
from medspa.clock import client_date, spa_local, staff_date
from practitioners.hours import opening_hours
from tests.bookings.test_free_times_cache import REDIS, redis_is_up
from tests.factories import (
    ContraindicationFactory,
    TreatmentContraindicationFactory,
    UserFactory,
)
from tests.page_forms import form_data
from tests.spa import CONSENT, at, client_details, intake_answers, next_working_day

pytestmark = pytest.mark.django_db

LAST_ANSWER = "Your answer for your visit on"


@pytest.fixture
def mia(spa):
    """A client on record with one earlier Botox visit: no blood thinners, ibuprofen."""
    record = Client.objects.create(
        first_name="Mia",
        last_name="Client",
        email="mia@example.com",
        phone="+12125550100",
        date_of_birth=datetime.date(1990, 4, 2),
    )
    earlier = appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=at(next_working_day(3), 9),
        client=client_details("mia@example.com"),
        intake=intake_answers(medications="Ibuprofen 200 mg"),
        consent=CONSENT,
        client_record=record,
    )
    record.earlier = earlier
    return record


def sign_in(browser, client: Client):
    session = browser.session
    session[CLIENT_KEY] = client.pk
    session[CLIENT_SIGNED_IN_KEY] = int(time.time())
    session.save()
    return browser


def botox_url(spa, hour: int = 11) -> str:
    start = at(next_working_day(4), hour).isoformat()
    return f"/book/{spa.botox.slug}/?start={start}&practitioner={spa.nurse.pk}"


def filled(html: str, **answers) -> dict:
    """The booking form as the page rendered it, with the client's own choices added."""
    data = form_data(html, "booking-form")
    data.update({name: [value] for name, value in answers.items()})
    data["consent"] = ["on"]
    return data


CONFIRM_ALL = {
    "pregnant_or_breastfeeding": "no",
    "isotretinoin_last_6_months": "no",
    "blood_thinners": "no",
    "confirm_medications": "same",
}


def new_intake() -> Intake:
    return Intake.objects.order_by("-pk").first()


class TestBookingWhileSignedIn:
    def test_the_booking_joins_the_record_at_once_with_the_accounts_email(self, client, spa, mia):
        sign_in(client, mia)
        start = at(next_working_day(5), 10).isoformat()
        url = f"/book/{spa.facial.slug}/?start={start}&practitioner={spa.esthetician.pk}"
        page = client.get(url)
        html = page.content.decode()
        assert 'name="email"' not in html  # shown, not editable
        assert "mia@example.com" in html and 'value="Mia"' in html
        assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]
        data = form_data(html, "booking-form")
        data["email"] = ["attacker@example.com"]  # tampered: ignored
        response = client.post(f"/book/{spa.facial.slug}/", data)
        assert response.status_code == 302
        booked = Appointment.objects.get(treatment=spa.facial)
        assert booked.client == mia
        assert booked.client_email == "mia@example.com"
        assert booked.email_proven_at is not None
        assert not Client.objects.filter(email="attacker@example.com").exists()

    @pytest.mark.parametrize(
        ("wording", "stopped", "ticked"),
        [("current", False, True), ("older words", False, False), ("current", True, False)],
    )
    def test_texts_are_ticked_only_for_the_words_agreed_to_and_never_after_stop(
        self, client, spa, mia, settings, wording, stopped, ticked
    ):
        settings.TEXTS_ENABLED = True
        mia.sms_opt_in_at = timezone.now()
        mia.sms_consent_wording = settings.SMS_CONSENT_WORDING if wording == "current" else wording
        mia.save()
        if stopped:
            TextOptOut.objects.create(phone=mia.phone)
        start = at(next_working_day(5), 10).isoformat()
        url = f"/book/{spa.facial.slug}/?start={start}&practitioner={spa.esthetician.pk}"
        data = form_data(sign_in(client, mia).get(url).content.decode(), "booking-form")
        assert (data.get("sms_opt_in") == ["on"]) is ticked

    def test_an_anonymous_booking_with_the_same_email_joins_nobody(self, client, spa, mia):
        start = at(next_working_day(5), 10).isoformat()
        url = f"/book/{spa.facial.slug}/?start={start}&practitioner={spa.esthetician.pk}"
        data = form_data(client.get(url).content.decode(), "booking-form")
        data.update(
            first_name=["Mia"],
            last_name=["Client"],
            email=["mia@example.com"],
            phone=["2125550100"],
        )
        assert client.post(f"/book/{spa.facial.slug}/", data).status_code == 302
        booked = Appointment.objects.get(treatment=spa.facial)
        assert booked.client is None and booked.email_proven_at is None


class TestWhoSeesSavedAnswers:
    def test_only_the_signed_in_client_sees_their_last_answers(self, client, spa, mia):
        anonymous = client.get(botox_url(spa)).content.decode()
        assert LAST_ANSWER not in anonymous and "Ibuprofen" not in anonymous

        bob = Client.objects.create(
            first_name="Bob", last_name="Other", email="bob@example.com", phone="+12125550199"
        )
        client.cookies.clear()
        other = sign_in(client, bob).get(botox_url(spa)).content.decode()
        assert LAST_ANSWER not in other and "Ibuprofen" not in other
        assert 'name="saved_intake"' not in other

        client.cookies.clear()
        own = sign_in(client, mia).get(botox_url(spa)).content.decode()
        since = client_date(mia.earlier.start)
        assert f"{LAST_ANSWER} {since}: No" in own
        assert f"{LAST_ANSWER} {since}: Ibuprofen 200 mg" in own
        assert 'value="1990-04-02"' in own  # date of birth from the record
        # Nothing is chosen for the client: every answer waits for their own act.
        assert "checked" not in own.split('id="div_id_pregnant_or_breastfeeding"')[1][:2000]

    def test_a_booking_only_typed_with_the_email_is_not_saved_for_the_account(self, client, spa):
        appointment_book(
            treatment=spa.botox,
            practitioner=spa.nurse,
            start=at(next_working_day(3), 9),
            client=client_details("zoe@example.com"),
            intake=intake_answers(blood_thinners=True),
            consent=CONSENT,
        )
        zoe = Client.objects.create(
            first_name="Zoe", last_name="Z", email="zoe@example.com", phone="+12125550142"
        )
        html = sign_in(client, zoe).get(botox_url(spa)).content.decode()
        assert LAST_ANSWER not in html

    def test_a_signed_in_page_never_enters_the_shared_page_cache(self, client, spa, mia, settings):
        if not redis_is_up():
            pytest.skip("no Redis at 127.0.0.1:6379")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://{REDIS[0]}:{REDIS[1]}/15",
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            }
        }
        settings.FREE_TIMES_CACHE_SECONDS = 30
        day = next_working_day(4).isoformat()
        picker = f"/book/{spa.botox.slug}/?practitioner={spa.nurse.pk}&date={day}"
        key = f"page:bookings.views.public.book:{spa.botox.slug}|{spa.nurse.pk}||{day}"
        try:
            assert sign_in(client, mia).get(picker).status_code == 200
            assert cache.get(key) is None
        finally:
            cache.clear()


class TestConfirmOrChange:
    def test_confirmed_unchanged_stores_the_same_answers_and_no_change(self, client, spa, mia):
        html = sign_in(client, mia).get(botox_url(spa)).content.decode()
        response = client.post(f"/book/{spa.botox.slug}/", filled(html, **CONFIRM_ALL))
        assert response.status_code == 302
        earlier, now = mia.earlier.intake, new_intake()
        assert now.appointment.client == mia
        for name in ("pregnant_or_breastfeeding", "isotretinoin_last_6_months", "blood_thinners"):
            assert getattr(now, name) == getattr(earlier, name)
        assert now.medications == earlier.medications == "Ibuprofen 200 mg"
        assert all(c["before"] == c["after"] for c in now.changes.values())
        assert set(now.changes) >= {"blood-thinners", "medications"}

    def test_a_changed_answer_reaches_the_doctor_as_a_change(self, client, spa, mia):
        html = sign_in(client, mia).get(botox_url(spa)).content.decode()
        answers = {
            **CONFIRM_ALL,
            "blood_thinners": "yes",
            "confirm_medications": "changed",
            "medications": "Warfarin",
        }
        response = client.post(f"/book/{spa.botox.slug}/", filled(html, **answers))
        assert response.status_code == 302
        intake = new_intake()
        since = spa_local(mia.earlier.start).date().isoformat()
        assert intake.changes["blood-thinners"] == {"before": False, "after": True, "since": since}
        assert intake.medications == "Warfarin"
        # A relative contraindication is still a flag for the doctor, as before.
        assert [f["code"] for f in intake.flags] == ["blood-thinners"]

        client.force_login(spa.doctor.user)
        review = client.get(f"/doctor/reviews/{intake.appointment.review.pk}/").content.decode()
        day = staff_date(mia.earlier.start)
        assert f"Changed since {day}: was No, now Yes" in review
        assert (
            f"Changed since {day}: was \u201cIbuprofen 200 mg\u201d, now \u201cWarfarin\u201d"
            in (review)
        )
        assert f"Confirmed unchanged since {day}" in review

        # The practitioner reads the same change where they read the intake.
        spa.nurse.user = UserFactory(username="nurse")
        spa.nurse.save()
        client.force_login(spa.nurse.user)
        page = client.get(f"/staff/appointments/{intake.appointment_id}/intake/").content.decode()
        assert f"Changed since {day}: was No, now Yes" in page

    def test_the_same_form_posted_twice_gets_the_same_booking(self, client, spa, mia):
        html = sign_in(client, mia).get(botox_url(spa)).content.decode()
        data = filled(html, **CONFIRM_ALL)
        first = client.post(f"/book/{spa.botox.slug}/", data)
        again = client.post(f"/book/{spa.botox.slug}/", data)
        assert first.status_code == again.status_code == 302
        assert first["Location"] == again["Location"]
        assert Appointment.objects.count() == 2  # the earlier visit and this one

    def test_a_change_to_an_absolute_contraindication_is_refused_as_before(self, client, spa, mia):
        html = sign_in(client, mia).get(botox_url(spa)).content.decode()
        answers = {**CONFIRM_ALL, "pregnant_or_breastfeeding": "yes"}
        response = client.post(f"/book/{spa.botox.slug}/", filled(html, **answers))
        assert response.status_code == 200
        assert "we can&#x27;t book this treatment online" in response.content.decode()
        assert Appointment.objects.count() == 1


class TestNothingSentForTheClient:
    def test_an_untouched_form_is_refused_and_saves_nothing(self, client, spa, mia):
        html = sign_in(client, mia).get(botox_url(spa)).content.decode()
        response = client.post(f"/book/{spa.botox.slug}/", filled(html))
        assert response.status_code == 200
        page = response.content.decode()
        assert page.count("Please confirm your last answer or change it.") >= 4
        assert Appointment.objects.count() == 1 and Intake.objects.count() == 1

    def test_still_the_same_with_new_text_is_refused(self, client, spa, mia):
        html = sign_in(client, mia).get(botox_url(spa)).content.decode()
        answers = {**CONFIRM_ALL, "medications": "Warfarin"}
        response = client.post(f"/book/{spa.botox.slug}/", filled(html, **answers))
        assert response.status_code == 200
        assert "but wrote something new" in response.content.decode()
        assert Appointment.objects.count() == 1

    @pytest.mark.parametrize(
        "tampered",
        [
            {"confirm_allergies": "same"},  # "unchanged" for an answer never given
            {"answer_active_skin_infection": "no"},  # another treatment's question
        ],
    )
    def test_a_claim_the_form_did_not_ask_is_refused(self, client, spa, mia, tampered):
        ContraindicationFactory(code="active-skin-infection")
        html = sign_in(client, mia).get(botox_url(spa)).content.decode()
        response = client.post(f"/book/{spa.botox.slug}/", filled(html, **CONFIRM_ALL, **tampered))
        assert response.status_code == 200
        assert NOT_ASKED.replace("'", "&#x27;") in response.content.decode()
        assert Appointment.objects.count() == 1

    @pytest.mark.parametrize("version", ["", "999999"])
    def test_answers_checked_against_something_else_are_refused(self, client, spa, mia, version):
        html = sign_in(client, mia).get(botox_url(spa)).content.decode()
        data = filled(html, **CONFIRM_ALL)
        data["saved_intake"] = [version]
        response = client.post(f"/book/{spa.botox.slug}/", data)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Please check your answers again" in page
        assert OUT_OF_DATE.split("(")[0].strip() in page
        assert Appointment.objects.count() == 1

    def test_an_anonymous_post_naming_saved_answers_is_refused(self, client, spa, mia):
        html = client.get(botox_url(spa)).content.decode()
        data = filled(html, **CONFIRM_ALL)
        data.update(
            saved_intake=[str(mia.earlier.intake.pk)],
            first_name=["Eve"],
            last_name=["E"],
            email=["mia@example.com"],
            phone=["2125550100"],
            date_of_birth=["1990-04-02"],
        )
        response = client.post(f"/book/{spa.botox.slug}/", data)
        assert response.status_code == 200
        assert Appointment.objects.count() == 1

    def test_a_question_new_since_last_time_is_asked_normally(self, client, spa, mia):
        TreatmentContraindicationFactory(
            treatment=spa.botox,
            contraindication=ContraindicationFactory(
                code="cold-sores", question="Do you get cold sores?"
            ),
            severity="relative",
        )
        html = sign_in(client, mia).get(botox_url(spa)).content.decode()
        assert "Do you get cold sores?" in html
        block = html.split('id="div_id_answer_cold_sores"')[1].split("</fieldset>")[0]
        assert LAST_ANSWER not in block
        response = client.post(f"/book/{spa.botox.slug}/", filled(html, **CONFIRM_ALL))
        assert response.status_code == 302
        intake = new_intake()
        assert "cold-sores" not in intake.changes  # not asked before: nothing to compare


def test_the_signed_in_booking_page_costs_the_same_queries_whatever_the_history(client, spa, mia):
    """The saved answers are one query, however many earlier visits the record has."""
    opening_hours()
    sign_in(client, mia)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(botox_url(spa))
        assert response.status_code == 200 and LAST_ANSWER in response.content.decode()
        return len(queries)

    small = count()
    for hour in range(12, 17):
        appointment_book(
            treatment=spa.botox,
            practitioner=spa.nurse,
            start=at(next_working_day(6), hour),
            client=client_details("mia@example.com"),
            intake=intake_answers(medications=f"Visit at {hour}"),
            consent=CONSENT,
            client_record=mia,
        )
    assert count() == small
