"""Intake answers and flags read in words everywhere staff see them (the doctor's queue
and review page, the admin's intake page, the inspector's export), never as the codes
they are stored under."""

import csv
import io

import pytest

from bookings.services.appointments import appointment_book
from bookings.services.intake import contraindication_labels
from tests.factories import (
    ContraindicationFactory,
    TreatmentContraindicationFactory,
    UserFactory,
)
from tests.spa import CONSENT, at, client_details, intake_answers, next_working_day

pytestmark = pytest.mark.django_db

INFECTION = "Active skin infection or open wound"


@pytest.fixture
def flagged(spa):
    """Botox asks one more question (an absolute contraindication), which the client
    left unanswered; they take blood thinners (a relative one)."""
    TreatmentContraindicationFactory(
        treatment=spa.botox,
        contraindication=ContraindicationFactory(code="active-skin-infection", name=INFECTION),
        severity="absolute",
    )
    TreatmentContraindicationFactory(
        treatment=spa.botox,
        contraindication=ContraindicationFactory(
            code="neuromuscular-disorder", name="Neuromuscular disorder"
        ),
        severity="absolute",
    )
    return appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=at(next_working_day(), 10),
        client=client_details(),
        intake=intake_answers(
            blood_thinners=True,
            extra_answers={"active-skin-infection": None, "neuromuscular-disorder": False},
        ),
        consent=CONSENT,
    )


def test_the_review_page_shows_every_answer_and_flag_under_its_name(client, spa, flagged):
    client.force_login(spa.doctor.user)
    html = client.get(f"/doctor/reviews/{flagged.review.pk}/").content.decode()
    assert "active-skin-infection" not in html and "neuromuscular-disorder" not in html
    assert f"<dt>{INFECTION}</dt><dd><strong>Not answered</strong></dd>" in html
    assert "<dt>Neuromuscular disorder</dt><dd>No</dd>" in html
    assert "<dt>Blood thinners</dt><dd><strong>Yes</strong></dd>" in html
    assert f"Not answered:</span> {INFECTION} (absolute)" in html
    assert "Flag:</span> Blood thinners" in html


def test_the_queue_shows_the_flags_under_their_names(client, spa, flagged):
    client.force_login(spa.doctor.user)
    html = client.get("/doctor/").content.decode()
    assert "active-skin-infection" not in html
    assert f"Not answered:</span> {INFECTION} (absolute)" in html
    assert "Flag:</span> Blood thinners" in html


def test_the_admins_intake_page_shows_names_not_codes(client, spa, flagged):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    html = client.get(f"/admin/bookings/intake/{flagged.intake.pk}/change/").content.decode()
    assert "active-skin-infection" not in html and '"code"' not in html
    assert f"<div>{INFECTION}: Not answered</div>" in html
    assert "<div>Blood thinners: Yes</div>" in html
    assert f"<div>Not answered: {INFECTION} (absolute)</div>" in html


def test_the_inspectors_export_lists_the_flags_by_name(client, spa, flagged):
    client.force_login(spa.doctor.user)
    agreement = spa.nurse.supervision_agreements.get()
    body = client.get(f"/doctor/agreements/{agreement.pk}/export.csv").content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    header = next(row for row in rows if row and row[0] == "Appointment start")
    visit = rows[rows.index(header) + 1]
    assert visit[header.index("Intake flags")] == (
        f"Not answered: {INFECTION} (absolute); Blood thinners"
    )


def test_a_code_that_left_the_catalogue_is_spelled_out():
    ContraindicationFactory(code="cold-sores", name="Cold sores")
    labels = contraindication_labels(["cold-sores", "old-retired-question"])
    assert labels == {"cold-sores": "Cold sores", "old-retired-question": "Old retired question"}
