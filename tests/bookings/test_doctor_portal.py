"""The supervising doctor's portal: who sees what, decisions, GFE, charts, logs."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bookings.models import (
    Appointment,
    GoodFaithExam,
    MedicalAuditLog,
    Review,
    TreatmentRecord,
)
from bookings.services import records
from bookings.services.appointments import appointment_book
from bookings.services.clients import appointment_prove_email
from bookings.services.records import ChartEntry, ExamFindings
from bookings.services.reviews import review_decide, review_reassign
from tests.factories import PhysicianFactory, SupervisionAgreementFactory, UserFactory
from tests.spa import (
    INJECTION,
    NY,
    at,
    book_botox,
    client_details,
    complete_visit,
    next_working_day,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(spa):
    spa.nurse.user = UserFactory(username="nurse")
    spa.nurse.save()
    other_doctor = PhysicianFactory(
        display_name="Dr. Other", licence_expires_on=datetime.date(2029, 1, 1)
    )
    return {
        "anonymous": None,
        "front desk": UserFactory(username="frontdesk", is_staff=True),
        "practitioner": spa.nurse.user,
        "doctor A": spa.doctor.user,
        "doctor B": other_doctor.user,
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
        "_other_doctor": other_doctor,
    }


@pytest.fixture
def pending(spa):
    return book_botox(spa)


def as_user(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


complete = complete_visit


class TestPermissionMatrix:
    """Every role against every page that shows or changes a medical record."""

    EXPECTED = {
        # role: (queue, review, decide, record page, co-sign, admin intake list)
        "anonymous": (302, 302, 302, 302, 302, 302),
        "front desk": (403, 403, 403, 403, 403, 403),
        "practitioner": (403, 403, 403, 200, 403, 302),
        "doctor A": (200, 200, 302, 404, 302, 302),
        "doctor B": (200, 404, 404, 404, 404, 302),
        "superuser": (403, 403, 403, 403, 403, 200),
    }

    @pytest.mark.parametrize("role", list(EXPECTED))
    def test_each_cell(self, client, spa, people, pending, role):
        complete_one = book_botox(spa, hour=14, email="done@example.com")
        Review.objects.filter(appointment=complete_one).update(
            decision="approved", decided_at=timezone.now()
        )
        complete(complete_one)
        record = records.chart_write(appointment=complete_one, user=spa.nurse.user, entry=INJECTION)
        TreatmentRecord.objects.filter(pk=record.pk).update(needs_cosign=True)
        review = pending.review

        as_user(client, people[role])
        got = (
            client.get("/doctor/").status_code,
            client.get(f"/doctor/reviews/{review.pk}/").status_code,
            client.post(
                f"/doctor/reviews/{review.pk}/", {"decision": "approve", "note": "ok"}
            ).status_code,
            client.get(f"/staff/appointments/{complete_one.pk}/record/").status_code,
            client.post(f"/doctor/charts/{record.pk}/").status_code,
            client.get("/admin/bookings/intake/").status_code,
        )
        assert got == self.EXPECTED[role]
        review.refresh_from_db()
        record.refresh_from_db()
        decided = review.decision != "pending"
        assert decided == (role == "doctor A")
        assert record.is_cosigned == (role == "doctor A")

    def test_intake_answers_never_reach_the_wrong_role(self, client, spa, people, pending):
        pending.intake.allergies = "UNIQUE-ALLERGY-MARKER"
        pending.intake.save()
        for role in ["anonymous", "front desk", "practitioner", "doctor B"]:
            as_user(client, people[role])
            for url in [
                "/doctor/",
                f"/doctor/reviews/{pending.review.pk}/",
                f"/bookings/{pending.token}/",
                "/admin/bookings/intake/",
                f"/admin/bookings/intake/{pending.intake.pk}/change/",
            ]:
                assert b"UNIQUE-ALLERGY-MARKER" not in client.get(url, follow=True).content, (
                    role,
                    url,
                )


def test_queue_shows_flags_age_and_soonest_first(client, spa, people):
    later = book_botox(spa, hour=15, email="later@example.com")
    sooner = book_botox(spa, hour=9, blood_thinners=False, email="sooner@example.com")
    as_user(client, people["doctor A"])
    response = client.get("/doctor/")
    html, rows = response.content.decode(), response.context["rows"]
    assert [row["appointment"].pk for row in rows] == [sooner.pk, later.pk]
    assert [str(flag) for flag in rows[1]["flags"]] == ["Blood thinners"]
    assert "Flag:</span> Blood thinners" in html
    assert rows[0]["age"] >= 18
    assert "To review" in html and ">2<" in html


def test_approve_confirms_and_mails_without_naming_the_treatment(
    client, spa, people, pending, django_capture_on_commit_callbacks
):
    as_user(client, people["doctor A"])
    GoodFaithExam.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/doctor/reviews/{pending.review.pk}/", {"decision": "approve", "note": "Fine."}
        )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "confirmed"
    sent = [m for m in mail.outbox if "confirmed" in m.subject]
    assert sent and "Botox" not in sent[0].subject + sent[0].body


def test_decline_frees_the_time_and_asks_the_client_to_call(client, spa, people, pending):
    as_user(client, people["doctor A"])
    refused = client.post(
        f"/doctor/reviews/{pending.review.pk}/", {"decision": "decline", "note": ""}
    )
    assert "Say why" in refused.content.decode()
    client.post(
        f"/doctor/reviews/{pending.review.pk}/", {"decision": "decline", "note": "Pregnancy"}
    )
    pending.refresh_from_db()
    assert pending.status == "declined"
    # The time is free again.
    appointment_book(
        treatment=spa.facial,
        practitioner=spa.nurse,
        start=pending.start,
        client=client_details("next@example.com"),
    )


def test_deciding_twice_is_refused(spa, people, pending):
    review_decide(review=pending.review, user=spa.doctor.user, decision="approved")
    with pytest.raises(ValidationError, match="already decided"):
        review_decide(review=pending.review, user=spa.doctor.user, decision="declined", note="x")


def test_tampered_decision_is_refused(client, spa, people, pending):
    as_user(client, people["doctor A"])
    response = client.post(f"/doctor/reviews/{pending.review.pk}/", {"decision": "approved!!"})
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == "pending_review"


class TestGoodFaithExam:
    @pytest.fixture
    def gfe_botox(self, spa):
        spa.botox.requires_gfe = True
        spa.botox.save()
        return spa

    def test_approval_needs_an_exam_when_none_is_on_record(self, gfe_botox, pending):
        with pytest.raises(ValidationError, match="good-faith exam"):
            review_decide(review=pending.review, user=gfe_botox.doctor.user, decision="approved")
        pending.refresh_from_db()
        assert pending.status == "pending_review"

    def test_the_exam_recorded_at_review_clears_the_client(self, gfe_botox, pending):
        review_decide(
            review=pending.review,
            user=gfe_botox.doctor.user,
            decision="approved",
            exam=ExamFindings(performed_on=timezone.localdate(), findings="History, exam, plan."),
        )
        exam = GoodFaithExam.objects.get()
        assert exam.examiner == gfe_botox.doctor
        assert exam.expires_on == records.gfe_expiry(timezone.localdate())
        assert records.exam_for_visit(pending) == exam

    def test_a_valid_exam_on_record_is_enough_and_an_expired_one_is_not(self, gfe_botox, pending):
        pending = appointment_prove_email(appointment=pending)  # the record is the client's
        day = timezone.localtime(pending.start).date()
        exam = records.gfe_record(
            client=pending.client,
            examiner=gfe_botox.doctor,
            treatment=gfe_botox.botox,
            exam=ExamFindings(performed_on=day - datetime.timedelta(days=400), findings="Old."),
            recorded_by=gfe_botox.doctor.user,
        )
        assert exam.expires_on < day
        with pytest.raises(ValidationError):
            review_decide(review=pending.review, user=gfe_botox.doctor.user, decision="approved")
        records.gfe_record(
            client=pending.client,
            examiner=gfe_botox.doctor,
            treatment=gfe_botox.botox,
            exam=ExamFindings(performed_on=timezone.localdate(), findings="Recent."),
            recorded_by=gfe_botox.doctor.user,
        )
        review_decide(review=pending.review, user=gfe_botox.doctor.user, decision="approved")

    def test_only_physicians_nps_and_pas_may_examine(self, gfe_botox, pending):
        with pytest.raises(ValidationError, match="nurse practitioner or physician assistant"):
            records.gfe_record(
                client=pending.client,
                examiner=gfe_botox.nurse,
                treatment=gfe_botox.botox,
                exam=ExamFindings(performed_on=timezone.localdate(), findings="x"),
                recorded_by=gfe_botox.doctor.user,
            )

    @pytest.mark.parametrize(
        ("performed", "expires"),
        [
            (datetime.date(2027, 1, 31), datetime.date(2028, 1, 31)),
            (datetime.date(2028, 2, 29), datetime.date(2029, 2, 28)),
        ],
    )
    def test_expiry_is_configurable_months_later(self, settings, performed, expires):
        assert records.gfe_expiry(performed) == expires
        settings.GFE_VALID_MONTHS = 6
        assert records.gfe_expiry(datetime.date(2027, 8, 31)) == datetime.date(2028, 2, 29)


class TestCharts:
    @pytest.fixture
    def treated(self, spa, people, pending):
        review_decide(review=pending.review, user=spa.doctor.user, decision="approved")
        return complete(pending)

    def test_record_only_after_completion_by_the_performer(self, spa, people, pending):
        with pytest.raises(ValidationError, match="completed"):
            records.chart_write(appointment=pending, user=spa.nurse.user, entry=INJECTION)
        complete(pending)
        with pytest.raises(PermissionDenied):
            records.chart_write(appointment=pending, user=spa.doctor.user, entry=INJECTION)

    def test_injectables_need_an_unexpired_lot(self, spa, treated):
        expired = ChartEntry(**{**INJECTION.__dict__, "lot_expiry": datetime.date(2020, 1, 1)})
        with pytest.raises(ValidationError) as error:
            records.chart_write(appointment=treated, user=spa.nurse.user, entry=expired)
        assert "expired" in " ".join(error.value.message_dict["lot_expiry"])
        missing = ChartEntry(what_was_done="Injected.")
        with pytest.raises(ValidationError) as error:
            records.chart_write(appointment=treated, user=spa.nurse.user, entry=missing)
        assert {"product", "lot_number", "lot_expiry", "units_per_area"} <= set(
            error.value.message_dict
        )
        assert not TreatmentRecord.objects.exists()

    def test_cosigned_records_never_change_amendments_are_new_versions(self, spa, treated):
        first = records.chart_write(appointment=treated, user=spa.nurse.user, entry=INJECTION)
        TreatmentRecord.objects.filter(pk=first.pk).update(needs_cosign=True)
        records.chart_cosign(record=first, user=spa.doctor.user)
        with pytest.raises(ValidationError, match="already co-signed"):
            records.chart_cosign(record=first, user=spa.doctor.user)
        amended = records.chart_write(
            appointment=treated,
            user=spa.nurse.user,
            entry=ChartEntry(**{**INJECTION.__dict__, "adverse_reactions": "Mild bruising."}),
        )
        first.refresh_from_db()
        assert (amended.version, amended.amends_id, amended.needs_cosign) == (2, first.pk, True)
        assert first.adverse_reactions == "" and first.is_cosigned
        with pytest.raises(ValidationError, match="already co-signed"):
            records.chart_cosign(record=first, user=spa.doctor.user)
        records.chart_cosign(record=amended, user=spa.doctor.user)

    def test_only_the_supervising_physician_cosigns(self, spa, people, treated):
        record = records.chart_write(appointment=treated, user=spa.nurse.user, entry=INJECTION)
        TreatmentRecord.objects.filter(pk=record.pk).update(needs_cosign=True)
        with pytest.raises(PermissionDenied):
            records.chart_cosign(record=record, user=people["doctor B"])

    @pytest.mark.parametrize(("percent", "low", "high"), [(0, 0, 0), (100, 200, 200), (25, 30, 70)])
    def test_the_agreements_share_is_picked_reproducibly(self, spa, percent, low, high):
        spa.nurse.supervision_agreements.update(chart_review_percent=percent)
        appointments = [
            Appointment(
                pk=n,
                practitioner=spa.nurse,
                supervising_physician=spa.doctor,
                treatment=spa.botox,
                start=at(next_working_day(), 10),
            )
            for n in range(1, 201)
        ]
        picked = [records.needs_cosignature(a) for a in appointments]
        assert low <= sum(picked) <= high
        assert picked == [records.needs_cosignature(a) for a in appointments]


def test_every_read_of_a_medical_record_is_logged(client, spa, people, pending):
    as_user(client, people["doctor A"])
    client.get(f"/doctor/reviews/{pending.review.pk}/")
    log = MedicalAuditLog.objects.get(action="viewed")
    assert (log.user, log.appointment) == (spa.doctor.user, pending)
    as_user(client, people["doctor B"])
    client.get(f"/doctor/reviews/{pending.review.pk}/")
    assert MedicalAuditLog.objects.filter(action="viewed").count() == 1


def test_reassignment_only_to_a_physician_supervising_that_day(spa, people, pending):
    other = people["_other_doctor"]
    with pytest.raises(ValidationError, match="does not supervise"):
        review_reassign(review=pending.review, to_physician=other, user=people["front desk"])
    SupervisionAgreementFactory(
        practitioner=spa.nurse,
        physician=other,
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2028, 12, 31),
    )
    review_reassign(review=pending.review, to_physician=other, user=people["front desk"])
    pending.refresh_from_db()
    assert pending.supervising_physician == other and pending.review.physician == other
    assert MedicalAuditLog.objects.filter(action="reassigned").count() == 1


def test_queue_costs_the_same_queries_at_two_sizes(
    client, spa, people, django_assert_num_queries, monkeypatch
):
    # The session is refreshed at most once a minute: not in the middle of a count.
    monkeypatch.setattr("medspa.sessions.REFRESH_SECONDS", 10**9)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    as_user(client, people["doctor A"])
    client.get("/doctor/")  # the session's once-a-minute refresh (medspa/sessions.py)
    book_botox(spa, hour=9, email="a@example.com")  # after a write the page is built again
    with CaptureQueriesContext(connection) as small:
        client.get("/doctor/")
    for hour in range(10, 16):
        book_botox(spa, hour=hour, email=f"p{hour}@example.com")
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/doctor/").context["rows"]) == 7
    assert len(small) == len(large)


def test_agreement_export_is_csv_with_formulas_neutralised(client, spa, people, pending):
    Appointment.objects.filter(pk=pending.pk).update(client_first_name="=HYPERLINK(evil)")
    as_user(client, people["doctor A"])
    agreement = spa.nurse.supervision_agreements.get()
    response = client.get(f"/doctor/agreements/{agreement.pk}/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
    as_user(client, people["doctor B"])
    assert client.get(f"/doctor/agreements/{agreement.pk}/export.csv").status_code == 404


def test_front_desk_reassigns_in_the_admin_without_seeing_answers(client, spa, people, pending):
    frontdesk = people["front desk"]
    frontdesk.user_permissions.set(
        Permission.objects.filter(codename__in=["view_review", "change_review"])
    )
    other = people["_other_doctor"]
    as_user(client, frontdesk)
    url = f"/admin/bookings/review/{pending.review.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "blood" not in page.content.decode().lower()
    refused = client.post(url, {"physician": other.pk})
    assert "does not supervise" in refused.content.decode()
    SupervisionAgreementFactory(
        practitioner=spa.nurse,
        physician=other,
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2028, 12, 31),
    )
    assert client.post(url, {"physician": other.pk}).status_code == 302
    pending.refresh_from_db()
    assert pending.supervising_physician == other
    assert MedicalAuditLog.objects.filter(action="reassigned", user=frontdesk).exists()


def test_each_kind_of_staff_lands_on_their_own_page_after_signing_in(client, spa, people):
    for role, target in [
        ("doctor A", "/doctor/"),
        ("practitioner", "/staff/"),
        ("front desk", "/admin/"),
    ]:
        as_user(client, people[role])
        assert client.get("/accounts/home/")["Location"] == target


def test_practitioner_home_lists_completed_appointments_to_chart(client, spa, people, pending):
    review_decide(review=pending.review, user=spa.doctor.user, decision="approved")
    Appointment.objects.filter(pk=pending.pk).update(
        start=timezone.now() - datetime.timedelta(hours=2),
        end=timezone.now() - datetime.timedelta(hours=1, minutes=30),
        blocked_until=timezone.now() - datetime.timedelta(hours=1, minutes=20),
        status="completed",
    )
    as_user(client, people["practitioner"])
    page = client.get("/staff/").content.decode()
    assert "Write record" in page and f"/staff/appointments/{pending.pk}/record/" in page
    as_user(client, people["front desk"])
    assert client.get("/staff/").status_code == 403


def test_queue_shows_a_page_at_a_time_soonest_first(client, spa, people, monkeypatch):
    from bookings.views import doctor

    monkeypatch.setattr(doctor, "QUEUE_PAGE_SIZE", 4)
    for hour in range(9, 15):  # 6 pending reviews, one per hour
        book_botox(spa, hour=hour, email=f"q{hour}@example.com")
    as_user(client, people["doctor A"])
    first = client.get("/doctor/")
    second = client.get("/doctor/?page=2")
    hours = [row["appointment"].start.astimezone(NY).hour for row in first.context["rows"]]
    hours += [row["appointment"].start.astimezone(NY).hour for row in second.context["rows"]]
    assert hours == list(range(9, 15))
    assert "Page 1 of 2" in first.content.decode() and 'rel="next"' in first.content.decode()
    assert first.context["counts"]["pending"] == 6
    # Out of range or odd page numbers show a real page, never an error.
    assert len(client.get("/doctor/?page=99").context["rows"]) == 2
    assert len(client.get("/doctor/?page=x").context["rows"]) == 4
