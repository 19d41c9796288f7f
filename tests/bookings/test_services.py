"""The booking service: every rule, through the functions every entry point calls."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from bookings.availability import Policy
from bookings.models import Appointment, Client, Consent, Intake, OutboundEmail, Review
from bookings.selectors.booking import available_slots
from bookings.services.appointment_changes import (
    appointment_can_change_online,
    appointment_cancel,
    appointment_reschedule,
)
from bookings.services.appointments import SLOT_TAKEN, appointment_book
from bookings.services.clients import appointment_prove_email
from bookings.services.intake import ConsentGiven
from tests.factories import TimeOffFactory
from tests.spa import (
    CONSENT,
    NOW,
    TUESDAY,
    at,
    book_botox_at,
    book_facial_at,
    client_details,
    intake_answers,
)

pytestmark = pytest.mark.django_db(transaction=False)


def book_facial(spa, start, practitioner=None, email="mia@example.com", **kwargs):
    return book_facial_at(spa, start, practitioner, email, now=NOW, **kwargs)


def book_botox(spa, start, intake=None, consent=CONSENT, email="mia@example.com"):
    return book_botox_at(spa, start, intake, consent, email, now=NOW)


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_day_spa_booking_is_confirmed_with_price_and_buffer(
    spa, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_facial(spa, at(TUESDAY, 10), practitioner=spa.esthetician)
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.price == spa.facial.price
    assert appointment.end - appointment.start == datetime.timedelta(minutes=60)
    assert appointment.blocked_until - appointment.end == datetime.timedelta(minutes=15)
    assert len(appointment.token) >= 43  # 256 bits, URL-safe
    assert appointment.supervising_physician is None
    assert len(mail.outbox) == 1
    assert "Hydrating facial" in mail.outbox[0].body
    when = "Tuesday 8 June 2027, 10:00 AM (EDT)"  # the spa's local time, in words
    assert f"When: {when}" in mail.outbox[0].body
    assert when in mail.outbox[0].alternatives[0][0]
    assert mail.outbox[0].attachments[0][0] == "appointment.ics"


def test_the_booked_slot_vanishes_from_availability(spa):
    policy = Policy.from_settings()
    before = available_slots(
        spa.facial,
        first_day=TUESDAY,
        days=1,
        now=NOW,
        policy=policy,
        practitioner_id=spa.esthetician.pk,
    )
    book_facial(spa, at(TUESDAY, 10), practitioner=spa.esthetician)
    after = available_slots(
        spa.facial,
        first_day=TUESDAY,
        days=1,
        now=NOW,
        policy=policy,
        practitioner_id=spa.esthetician.pk,
    )
    gone = {s.start for s in before} - {s.start for s in after}
    # 10:00 itself, and every start whose 75 minutes would touch 10:00-11:15.
    assert at(TUESDAY, 10) in gone
    assert at(TUESDAY, 8, 45) not in gone
    assert at(TUESDAY, 9) in gone and at(TUESDAY, 11) in gone
    assert at(TUESDAY, 11, 15) not in gone


def test_any_practitioner_takes_the_first_free_one(spa):
    first = book_facial(spa, at(TUESDAY, 10))
    second = book_facial(spa, at(TUESDAY, 10), email="other@example.com")
    assert {first.practitioner, second.practitioner} == {spa.nurse, spa.esthetician}
    with pytest.raises(ValidationError) as error:
        book_facial(spa, at(TUESDAY, 10), email="third@example.com")
    assert "just taken" in messages(error.value)
    assert error.value.error_dict["start"][0].code == SLOT_TAKEN


def test_overlap_with_the_buffer_is_refused_and_nothing_is_saved(spa):
    book_facial(spa, at(TUESDAY, 10), practitioner=spa.esthetician)
    with pytest.raises(ValidationError) as error:
        book_facial(spa, at(TUESDAY, 11), practitioner=spa.esthetician, email="x@example.com")
    assert "just taken" in messages(error.value)
    assert Appointment.objects.count() == 1
    assert not Client.objects.filter(email="x@example.com").exists()


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (at(TUESDAY, 10, 5), "every 15 minutes"),
        (at(TUESDAY, 8, 30), "not working"),
        (at(TUESDAY, 16, 30), "not working"),
        (at(datetime.date(2027, 6, 13), 10), "not working"),  # Sunday
        (at(datetime.date(2027, 6, 7), 9), "hours' notice"),
        (at(datetime.date(2027, 6, 6), 10), "already passed"),
        (at(datetime.date(2027, 9, 6), 10), "90 days ahead"),
        (datetime.datetime(9999, 12, 31, 10, tzinfo=datetime.UTC), "90 days ahead"),
    ],
)
def test_time_rules_refuse_with_a_message(spa, start, message):
    with pytest.raises(ValidationError) as error:
        book_facial(spa, start, practitioner=spa.esthetician)
    assert message in messages(error.value)
    assert not Appointment.objects.exists()


def test_time_off_is_respected(spa):
    TimeOffFactory(practitioner=spa.esthetician, starts_at=at(TUESDAY, 12), ends_at=at(TUESDAY, 14))
    with pytest.raises(ValidationError):
        book_facial(spa, at(TUESDAY, 13), practitioner=spa.esthetician)
    book_facial(spa, at(TUESDAY, 14), practitioner=spa.esthetician)


def test_an_unqualified_inactive_or_unlicensed_practitioner_is_refused(spa):
    with pytest.raises(ValidationError) as error:
        appointment_book(
            treatment=spa.botox,
            practitioner=spa.esthetician,
            start=at(TUESDAY, 10),
            client=client_details(),
            intake=intake_answers(),
            consent=CONSENT,
            now=NOW,
        )
    assert "does not perform this treatment" in messages(error.value)
    spa.esthetician.is_active = False
    spa.esthetician.save()
    with pytest.raises(ValidationError):
        book_facial(spa, at(TUESDAY, 10), practitioner=spa.esthetician)
    spa.nurse.licence_expires_on = datetime.date(2027, 6, 7)
    spa.nurse.save()
    with pytest.raises(ValidationError) as error:
        book_facial(spa, at(TUESDAY, 10), practitioner=spa.nurse)
    assert "cannot perform this treatment on that day" in messages(error.value)


def test_a_retired_treatment_is_refused(spa):
    spa.facial.is_active = False
    spa.facial.save()
    with pytest.raises(ValidationError) as error:
        book_facial(spa, at(TUESDAY, 10))
    assert "no longer offered" in messages(error.value)


def test_medical_booking_waits_for_review_with_intake_consent_and_review(
    spa, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_botox(spa, at(TUESDAY, 10), intake=intake_answers(blood_thinners=True))
    assert appointment.status == Appointment.Status.PENDING_REVIEW
    assert appointment.supervising_physician == spa.doctor
    intake = Intake.objects.get(appointment=appointment)
    assert [flag["code"] for flag in intake.flags] == ["blood-thinners"]
    consent = Consent.objects.get(appointment=appointment)
    assert consent.ip_address == "203.0.113.9"
    assert consent.text == spa.botox.consent_text
    review = Review.objects.get(appointment=appointment)
    assert review.physician == spa.doctor and review.decision == Review.Decision.PENDING
    # Mail about a medical appointment never names the treatment.
    sent = mail.outbox[0]
    assert "Botox" not in sent.subject + sent.body + sent.alternatives[0][0]
    assert "Appointment at" in sent.body


def test_medical_booking_needs_a_supervising_physician_that_day(spa):
    spa.nurse.supervision_agreements.update(valid_until=datetime.date(2027, 6, 7))
    with pytest.raises(ValidationError) as error:
        book_botox(spa, at(TUESDAY, 10))
    assert "cannot perform this treatment on that day" in messages(error.value)
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("intake", "consent", "field", "message"),
    [
        (
            intake_answers(date_of_birth=datetime.date(2010, 6, 9)),
            CONSENT,
            "date_of_birth",
            "aged 18 or over",
        ),
        (
            intake_answers(date_of_birth=datetime.date(2030, 1, 1)),
            CONSENT,
            "date_of_birth",
            "check your date of birth",
        ),
        (intake_answers(), ConsentGiven(given=False), "consent", "tick the box"),
        (intake_answers(pregnant_or_breastfeeding=True), CONSENT, "__all__", "Please call us"),
        (
            intake_answers(isotretinoin_last_6_months=True),
            CONSENT,
            "__all__",
            "can't book this treatment online",
        ),
    ],
)
def test_clinical_rules_refuse_with_a_kind_message(spa, intake, consent, field, message):
    with pytest.raises(ValidationError) as error:
        book_botox(spa, at(TUESDAY, 10), intake=intake, consent=consent)
    assert message in " ".join(error.value.message_dict[field])
    assert not Appointment.objects.exists()
    assert not Intake.objects.exists()


def test_age_is_counted_on_the_day_of_the_appointment(spa):
    turns_18_on_tuesday = datetime.date(2009, 6, 8)
    book_botox(spa, at(TUESDAY, 10), intake=intake_answers(date_of_birth=turns_18_on_tuesday))


def test_the_same_form_twice_books_once(spa):
    who = spa.esthetician
    first = book_facial(spa, at(TUESDAY, 10), practitioner=who, submission_key="k" * 32)
    again = book_facial(spa, at(TUESDAY, 10), practitioner=who, submission_key="k" * 32)
    assert again.pk == first.pk
    assert Appointment.objects.count() == 1
    assert OutboundEmail.objects.count() == 1
    with pytest.raises(ValidationError, match="just taken"):
        book_facial(spa, at(TUESDAY, 10), practitioner=who, submission_key="other-form" * 4)


def test_the_same_form_twice_for_anyone_free_books_once(spa):
    first = book_facial(spa, at(TUESDAY, 10), submission_key="k" * 32)
    # Someone else is free at 10 too, but this form already has its booking.
    again = book_facial(spa, at(TUESDAY, 10), email="typo@example.com", submission_key="k" * 32)
    assert again.pk == first.pk
    assert Appointment.objects.count() == 1
    assert OutboundEmail.objects.count() == 1
    assert list(Appointment.objects.values_list("client_email", flat=True)) == ["mia@example.com"]


def test_a_treatment_nobody_can_perform_is_refused_with_a_message(spa):
    spa.botox.qualified_practitioners.clear()
    with pytest.raises(ValidationError, match="Nobody offers this treatment"):
        appointment_book(
            treatment=spa.botox,
            practitioner=None,
            start=at(TUESDAY, 10),
            client=client_details(),
            intake=intake_answers(),
            consent=CONSENT,
            now=NOW,
        )


def test_a_proven_email_finds_its_client_by_normalised_email_and_overwrites_nothing(spa):
    first = book_facial(spa, at(TUESDAY, 10), email="Mia@Example.com")
    second = appointment_book(
        treatment=spa.facial,
        practitioner=None,
        start=at(TUESDAY, 14),
        client=client_details(" mia@example.COM ", first_name="Mallory"),
        now=NOW,
    )
    assert Client.objects.count() == 0  # booking joins no record by itself
    first, second = (appointment_prove_email(appointment=a) for a in (first, second))
    assert first.client_id == second.client_id
    assert Client.objects.get().first_name == "Mia"
    assert second.client_first_name == "Mallory"  # the booking keeps what was typed


def test_a_stored_record_is_never_changed_by_a_later_proof(spa):
    """The first proof makes the record from what was typed; later proofs link to it
    and change nothing, a missing date of birth included (it stays the booking's)."""
    born = datetime.date(1990, 4, 2)
    first = appointment_prove_email(
        appointment=book_botox(spa, at(TUESDAY, 10), intake=intake_answers(date_of_birth=born))
    )
    stored = Client.objects.get()
    assert first.client_id == stored.pk and stored.date_of_birth == born
    later = book_botox(
        spa, at(TUESDAY, 16), intake=intake_answers(date_of_birth=datetime.date(1991, 1, 1))
    )
    later = appointment_prove_email(appointment=later)
    stored.refresh_from_db()
    assert later.client_id == stored.pk and stored.date_of_birth == born
    assert later.client_date_of_birth == datetime.date(1991, 1, 1)


def test_cancel_frees_the_time_and_mails(spa):
    appointment = book_facial(spa, at(TUESDAY, 10), practitioner=spa.esthetician)
    appointment_cancel(appointment=appointment, by_client=True, now=NOW)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert OutboundEmail.objects.filter(kind="cancelled").count() == 1
    book_facial(spa, at(TUESDAY, 10), practitioner=spa.esthetician, email="next@example.com")


def test_clients_cannot_change_inside_the_cancellation_window(spa):
    appointment = book_facial(spa, at(TUESDAY, 10), practitioner=spa.esthetician)
    late = at(TUESDAY, 9) - datetime.timedelta(hours=23)
    assert appointment_can_change_online(appointment, NOW)
    assert not appointment_can_change_online(appointment, late)
    with pytest.raises(ValidationError, match="24 hours before"):
        appointment_cancel(appointment=appointment, by_client=True, now=late)
    with pytest.raises(ValidationError, match="24 hours before"):
        appointment_reschedule(
            appointment=appointment, start=at(TUESDAY, 15), by_client=True, now=late
        )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


def test_reschedule_moves_keeps_the_token_and_frees_the_old_time(spa):
    appointment = book_facial(spa, at(TUESDAY, 10), practitioner=spa.esthetician)
    token = appointment.token
    moved = appointment_reschedule(
        appointment=appointment, start=at(TUESDAY, 10, 30), by_client=True, now=NOW
    )
    assert moved.token == token
    assert moved.start == at(TUESDAY, 10, 30)
    assert moved.blocked_until == at(TUESDAY, 11, 45)
    with pytest.raises(ValidationError):
        book_facial(spa, at(TUESDAY, 10), practitioner=spa.esthetician, email="b@example.com")
    book_facial(spa, at(TUESDAY, 12), practitioner=spa.esthetician, email="d@example.com")


def test_a_cancelled_appointment_cannot_be_rescheduled_from_an_old_link(spa):
    appointment = book_facial(spa, at(TUESDAY, 10))
    appointment_cancel(appointment=appointment, by_client=True, now=NOW)
    with pytest.raises(ValidationError, match="cancelled"):
        appointment_reschedule(
            appointment=appointment, start=at(TUESDAY, 14), by_client=True, now=NOW
        )
    with pytest.raises(ValidationError):
        appointment_cancel(appointment=appointment, by_client=True, now=NOW)


def test_reschedule_is_held_to_the_booking_rules(spa):
    appointment = book_facial(spa, at(TUESDAY, 10), practitioner=spa.esthetician)
    with pytest.raises(ValidationError, match="every 15 minutes"):
        appointment_reschedule(
            appointment=appointment, start=at(TUESDAY, 10, 7), by_client=True, now=NOW
        )
    appointment.refresh_from_db()
    assert appointment.start == at(TUESDAY, 10)


def test_a_mail_server_failure_keeps_the_booking_and_the_mail(
    spa, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_facial(spa, at(TUESDAY, 10))
    assert Appointment.objects.filter(pk=appointment.pk).exists()
    queued = OutboundEmail.objects.get(appointment=appointment)
    assert queued.state == OutboundEmail.State.QUEUED
    assert queued.attempts == 1 and queued.last_error
    assert queued.next_attempt_at > queued.created_at

    from bookings.services.delivery import deliver_email

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_email(queued.pk) == ""  # not before its back-off
    assert deliver_email(queued.pk, now=queued.next_attempt_at) == OutboundEmail.State.SENT
    queued.refresh_from_db()
    assert queued.state == OutboundEmail.State.SENT
    assert len(mail.outbox) == 1
    assert deliver_email(queued.pk, now=queued.next_attempt_at) == ""


def test_a_rolled_back_booking_sends_nothing(spa, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                book_facial(spa, at(TUESDAY, 10))
                raise RuntimeError("payment failed")
        except RuntimeError:
            pass
    assert not Appointment.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert mail.outbox == []
    assert callbacks == []


def test_moving_to_the_same_time_is_refused_not_reported_as_moved(spa):
    appointment = book_facial(spa, at(TUESDAY, 10), practitioner=spa.esthetician)
    with pytest.raises(ValidationError, match="already the time"):
        appointment_reschedule(
            appointment=appointment, start=at(TUESDAY, 10), by_client=True, now=NOW
        )
    assert not OutboundEmail.objects.filter(kind="rescheduled").exists()
