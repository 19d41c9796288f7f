"""Mail after a visit: aftercare once it is over, "time to book again" after the
treatment's interval, and the one-click unsubscribe that stops the latter.

TASKS_SYNC=1 (pyproject) runs each worker task in the test itself, at commit; the clock
is pinned (time_machine) and moved to each moment that matters."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client as BrowserClient

from bookings.demo import catalogue
from bookings.models import Appointment, MailOptOut, OutboundEmail
from bookings.services import delivery, follow_ups
from bookings.services.mail_opt_out import unsubscribe_url
from tests.privacy.test_clinical_rules import _post, _url, director  # noqa: F401 (fixture)
from tests.security.helpers import front_desk_user
from tests.spa import NOW, TUESDAY, at, book_botox_at, book_facial_at, complete_visit
from treatments.models import ClinicalRuleChange

pytestmark = pytest.mark.django_db

FACIAL_CARE = "Skip exfoliants and saunas for a day; moisturise well."
BOTOX_CARE = "Stay upright for four hours and do not rub the treated area."
AFTERCARE_SUBJECT = "After your visit"
BOOK_AGAIN_SUBJECT = "Time to book your next"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def with_follow_ups(spa):
    spa.facial.aftercare, spa.facial.rebook_after_days = FACIAL_CARE, 28
    spa.facial.save()
    spa.botox.aftercare, spa.botox.rebook_after_days = BOTOX_CARE, 84
    spa.botox.save()
    return spa


@pytest.fixture
def facial_visit(with_follow_ups, clock):
    """A facial on Tuesday at 10:00 with the esthetician, completed."""
    appointment = book_facial_at(
        with_follow_ups, at(TUESDAY, 10), practitioner=with_follow_ups.esthetician
    )
    return complete_visit(appointment)


@pytest.fixture
def botox_visit(with_follow_ups, clock):
    """Botox on Tuesday at 11:00 with the nurse, under Dr. Reyes, completed."""
    return complete_visit(book_botox_at(with_follow_ups, at(TUESDAY, 11)))


def run_schedule(django_capture_on_commit_callbacks) -> None:
    """Both ways the schedule runs: manage.py send_reminders, then the worker's minute."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
        delivery.run_schedule()


def sent(subject: str) -> list[mail.EmailMessage]:
    """The mail sent so far whose subject starts so (confirmations are sent too)."""
    return [message for message in mail.outbox if message.subject.startswith(subject)]


def html_of(message) -> str:
    return message.alternatives[0][0]


# Aftercare


def test_aftercare_goes_once_when_the_completed_visit_is_over(
    facial_visit, clock, django_capture_on_commit_callbacks
):
    clock.move_to(facial_visit.end - datetime.timedelta(minutes=5))  # completed, not over
    run_schedule(django_capture_on_commit_callbacks)
    assert sent(AFTERCARE_SUBJECT) == []

    clock.move_to(facial_visit.end + datetime.timedelta(minutes=1))
    run_schedule(django_capture_on_commit_callbacks)
    run_schedule(django_capture_on_commit_callbacks)
    [message] = sent(AFTERCARE_SUBJECT)
    assert message.to == ["mia@example.com"]
    # A day-spa treatment's aftercare is in the mail itself, with the treatment's name.
    assert FACIAL_CARE in message.body and "Hydrating facial" in message.body
    assert "Ella Esthetician" in message.body
    assert OutboundEmail.objects.filter(kind="aftercare").count() == 1
    assert OutboundEmail.objects.get(kind="aftercare").unsubscribe_url == ""


def test_a_visit_not_completed_gets_no_aftercare(
    with_follow_ups, clock, django_capture_on_commit_callbacks
):
    appointment = book_facial_at(with_follow_ups, at(TUESDAY, 10))  # confirmed, never seen
    clock.move_to(appointment.end + datetime.timedelta(hours=1))
    run_schedule(django_capture_on_commit_callbacks)
    assert sent(AFTERCARE_SUBJECT) == []


def test_aftercare_planned_for_a_visit_no_longer_completed_is_skipped(facial_visit, clock):
    clock.move_to(facial_visit.end + datetime.timedelta(minutes=1))
    [planned] = follow_ups.plan_follow_ups()  # its task not run (no commit here)
    Appointment.objects.filter(pk=facial_visit.pk).update(status="no_show")
    assert delivery.deliver_email(planned.pk) == "skipped"
    planned.refresh_from_db()
    assert planned.last_error == "The appointment is no-show."


def test_a_first_run_on_an_old_database_mails_no_history(
    facial_visit, clock, django_capture_on_commit_callbacks
):
    clock.move_to(facial_visit.end + follow_ups.AFTERCARE_WITHIN + datetime.timedelta(minutes=1))
    run_schedule(django_capture_on_commit_callbacks)
    clock.move_to(facial_visit.start + datetime.timedelta(days=28) + follow_ups.BOOK_AGAIN_WITHIN)
    run_schedule(django_capture_on_commit_callbacks)
    assert not OutboundEmail.objects.filter(kind__in=follow_ups.FOLLOW_UP_KINDS).exists()


def test_medical_aftercare_names_nothing_and_links_to_the_manage_page_which_shows_it(
    botox_visit, clock, client, django_capture_on_commit_callbacks
):
    clock.move_to(botox_visit.end + datetime.timedelta(minutes=1))
    run_schedule(django_capture_on_commit_callbacks)
    [message] = sent(AFTERCARE_SUBJECT)
    manage_url = settings.SITE_URL + botox_visit.get_absolute_url()
    everything = " ".join([message.subject, message.body, html_of(message)])
    for secret in ("Botox", "botox", "Nora", "Nurse", "Reyes", BOTOX_CARE):
        assert secret not in everything
    assert manage_url in message.body and manage_url in html_of(message)

    page = client.get(botox_visit.get_absolute_url())
    assert page.status_code == 200
    assert "Your aftercare" in page.content.decode() and BOTOX_CARE in page.content.decode()


def test_the_manage_page_shows_no_aftercare_before_the_visit(with_follow_ups, clock, client):
    appointment = book_facial_at(with_follow_ups, at(TUESDAY, 10))
    page = client.get(appointment.get_absolute_url()).content.decode()
    assert FACIAL_CARE not in page


# Book again


def test_book_again_goes_after_the_interval_not_before(
    facial_visit, clock, django_capture_on_commit_callbacks
):
    moment = facial_visit.start + datetime.timedelta(days=28)
    clock.move_to(moment - datetime.timedelta(minutes=1))
    run_schedule(django_capture_on_commit_callbacks)
    assert sent(BOOK_AGAIN_SUBJECT) == []

    clock.move_to(moment)
    run_schedule(django_capture_on_commit_callbacks)
    run_schedule(django_capture_on_commit_callbacks)
    [message] = sent(BOOK_AGAIN_SUBJECT)
    assert message.subject.startswith("Time to book your next Hydrating facial")
    assert f"{settings.SITE_URL}/book/hydrating-facial/" in message.body
    row = OutboundEmail.objects.get(kind="book_again")
    assert row.about_start == facial_visit.start
    # The one-click unsubscribe (RFC 8058), in the headers and in the text.
    assert message.extra_headers["List-Unsubscribe"] == f"<{row.unsubscribe_url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert row.unsubscribe_url == unsubscribe_url("mia@example.com")
    assert row.unsubscribe_url in message.body
    headers = message.message()
    assert headers["List-Unsubscribe"] == f"<{row.unsubscribe_url}>"


def test_no_book_again_for_a_client_who_booked_again(
    facial_visit, with_follow_ups, clock, django_capture_on_commit_callbacks
):
    clock.move_to(facial_visit.start + datetime.timedelta(days=20))
    # Booked again under another spelling of the same address.
    book_facial_at(
        with_follow_ups, at(TUESDAY + datetime.timedelta(days=35), 10), email="MIA@example.com"
    )
    clock.move_to(facial_visit.start + datetime.timedelta(days=28, minutes=1))
    run_schedule(django_capture_on_commit_callbacks)
    assert sent(BOOK_AGAIN_SUBJECT) == []
    assert not OutboundEmail.objects.filter(kind="book_again").exists()


def test_a_cancelled_booking_does_not_count_as_booked_again(
    facial_visit, with_follow_ups, clock, django_capture_on_commit_callbacks
):
    clock.move_to(facial_visit.start + datetime.timedelta(days=20))
    later = book_facial_at(with_follow_ups, at(TUESDAY + datetime.timedelta(days=35), 10))
    Appointment.objects.filter(pk=later.pk).update(status="cancelled")
    clock.move_to(facial_visit.start + datetime.timedelta(days=28, minutes=1))
    run_schedule(django_capture_on_commit_callbacks)
    assert len(sent(BOOK_AGAIN_SUBJECT)) == 1


def test_book_again_planned_then_booked_meanwhile_is_skipped(facial_visit, with_follow_ups, clock):
    clock.move_to(facial_visit.start + datetime.timedelta(days=28))
    [planned] = [row for row in follow_ups.plan_follow_ups() if row.kind == "book_again"]
    book_facial_at(with_follow_ups, at(TUESDAY + datetime.timedelta(days=35), 10))
    assert delivery.deliver_email(planned.pk) == "skipped"
    planned.refresh_from_db()
    assert planned.last_error == "The client has booked again."
    assert sent(BOOK_AGAIN_SUBJECT) == []


def test_no_book_again_after_unsubscribing(facial_visit, clock, django_capture_on_commit_callbacks):
    clock.move_to(facial_visit.start + datetime.timedelta(days=10))
    assert BrowserClient().post(unsubscribe_url("Mia@Example.com")).status_code == 200
    clock.move_to(facial_visit.start + datetime.timedelta(days=28, minutes=1))
    run_schedule(django_capture_on_commit_callbacks)
    assert sent(BOOK_AGAIN_SUBJECT) == []
    assert not OutboundEmail.objects.filter(kind="book_again").exists()


def test_book_again_planned_then_unsubscribed_is_skipped(facial_visit, clock):
    clock.move_to(facial_visit.start + datetime.timedelta(days=28))
    [planned] = [row for row in follow_ups.plan_follow_ups() if row.kind == "book_again"]
    MailOptOut.objects.create(email="mia@example.com")
    assert delivery.deliver_email(planned.pk) == "skipped"
    planned.refresh_from_db()
    assert planned.last_error == "The address unsubscribed from book-again mail."


def test_medical_book_again_says_only_next_visit_and_its_link_names_nothing(
    botox_visit, clock, client, django_capture_on_commit_callbacks
):
    clock.move_to(botox_visit.start + datetime.timedelta(days=84))
    run_schedule(django_capture_on_commit_callbacks)
    [message] = sent(BOOK_AGAIN_SUBJECT)
    assert message.subject == f"Time to book your next visit - {settings.SPA_NAME}"
    everything = " ".join([message.subject, message.body, html_of(message)])
    for secret in ("Botox", "botox", "Nora", "Nurse", "Reyes"):
        assert secret not in everything
    assert "List-Unsubscribe" in message.extra_headers
    link = f"/bookings/{botox_visit.token}/book-again/"
    assert settings.SITE_URL + link in message.body
    # The neutral link leads to the treatment's booking page, long after the visit.
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == "/book/botox/"


# The unsubscribe page


def test_one_click_unsubscribe_by_the_mail_program(clock):
    url = unsubscribe_url("mia@example.com")
    path = url.removeprefix(settings.SITE_URL)
    # What RFC 8058 says a mail provider sends: a POST without cookies or a CSRF token.
    provider = BrowserClient(enforce_csrf_checks=True)
    response = provider.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert MailOptOut.objects.filter(email="mia@example.com").exists()
    # A second click (or the provider's retry) is fine.
    assert provider.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert MailOptOut.objects.count() == 1


def test_the_unsubscribe_page_asks_first_then_unsubscribes(clock, client):
    path = unsubscribe_url("mia@example.com").removeprefix(settings.SITE_URL)
    page = client.get(path)
    assert page.status_code == 200 and "Unsubscribe?" in page.content.decode()
    assert not MailOptOut.objects.exists()  # mail scanners open every link
    done = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert "You're unsubscribed" in done.content.decode()
    assert MailOptOut.objects.filter(email="mia@example.com").exists()


def _with_token(path: str, token: str) -> str:
    return path.replace(path.rstrip("/").rsplit("/", 1)[1], token)


@pytest.mark.parametrize("how", ["edited", "other key", "other salt"])
def test_a_tampered_unsubscribe_link_is_404_and_changes_nothing(clock, client, how):
    path = unsubscribe_url("mia@example.com").removeprefix(settings.SITE_URL)
    token = path.rstrip("/").rsplit("/", 1)[1]
    if how == "edited":
        path = _with_token(path, token[:-1] + ("A" if token[-1] != "A" else "B"))
    elif how == "other key":
        forged = signing.dumps("victim@example.com", salt="mail-opt-out", key="not-ours" * 8)
        path = _with_token(path, forged)
    else:  # signed by us, but for another purpose
        path = _with_token(path, signing.dumps("victim@example.com"))
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 404
    assert client.get(path).status_code == 404
    assert not MailOptOut.objects.exists()


# Where aftercare and the interval come from


def test_aftercare_is_the_medical_directors_and_the_interval_the_front_desks(
    client,
    spa,
    director,  # noqa: F811 (the fixture)
):
    client.force_login(front_desk_user())
    page = client.get(_url(spa.botox)).content.decode()
    assert "After the visit" in page and 'name="rebook_after_days"' in page
    assert 'name="aftercare"' not in page  # shown read-only
    _post(client, spa.botox, aftercare="Anything goes.", rebook_after_days="90")
    spa.botox.refresh_from_db()
    assert spa.botox.aftercare == "" and spa.botox.rebook_after_days == 90

    client.force_login(director)
    assert _post(client, spa.botox, aftercare=BOTOX_CARE).status_code == 302
    spa.botox.refresh_from_db()
    assert spa.botox.aftercare == BOTOX_CARE
    assert ClinicalRuleChange.objects.filter(rule="aftercare", new_value=BOTOX_CARE).exists()


def test_the_demo_spa_has_aftercare_and_intervals():
    treatments = {spec.slug: spec for spec in catalogue.spa().treatments}
    assert treatments["botox-wrinkle-relaxer"].rebook_after_days == 84
    assert treatments["signature-hydrating-facial"].rebook_after_days == 28
    assert all(spec.aftercare for spec in treatments.values())
