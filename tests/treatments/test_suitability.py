"""'Is it right for you?' says one true thing: what an absolute and a relative
contraindication really do to an online booking. Every demo treatment has its own
suitability and consent text."""

import pytest
from django.core.exceptions import ValidationError

from bookings.demo.catalogue import spa as demo_spa
from bookings.models import Appointment
from tests.spa import NOW, TUESDAY, at, book_botox_at, intake_answers

pytestmark = pytest.mark.django_db


def test_the_box_says_what_booking_online_does(client, spa):
    spa.botox.suitability = "For frown lines, forehead lines and crow's feet."
    spa.botox.save()
    html = client.get(spa.botox.get_absolute_url()).content.decode()
    box = html[html.index('id="suitability-heading"') : html.index("suitability__call")]
    assert "For frown lines, forehead lines and crow&#x27;s feet." in box
    refused, flagged = box.split("you can book online")
    assert "We can't book it online if any of these apply" in refused
    for code in ("pregnant-or-breastfeeding", "isotretinoin-last-6-months"):
        name = spa.botox.contraindications.get(code=code).name
        assert name in refused and name not in flagged
    thinners = spa.botox.contraindications.get(code="blood-thinners").name
    assert thinners in flagged and thinners not in refused
    assert "supervising physician reads your answers before your appointment is confirmed" in (
        flagged
    )

    # What the box says is what the booking service does.
    with pytest.raises(ValidationError, match="can't book this treatment online"):
        book_botox_at(
            spa,
            at(TUESDAY, 10),
            intake=intake_answers(pregnant_or_breastfeeding=True),
            now=NOW,
        )
    booked = book_botox_at(
        spa, at(TUESDAY, 10), intake=intake_answers(blood_thinners=True), now=NOW
    )
    assert booked.status == Appointment.Status.PENDING_REVIEW
    assert [flag["code"] for flag in booked.intake.flags] == ["blood-thinners"]


def test_a_day_spa_treatment_shows_its_own_words_and_no_lists(client, spa):
    spa.facial.suitability = "Not on sunburnt or broken skin."
    spa.facial.save()
    html = client.get(spa.facial.get_absolute_url()).content.decode()
    assert "Is it right for you?" in html and "Not on sunburnt or broken skin." in html
    assert "book it online" not in html and "book online:" not in html


def test_every_demo_treatment_has_its_own_suitability_and_consent():
    treatments = demo_spa().treatments
    suitability = [t.suitability for t in treatments]
    assert all(suitability) and len(set(suitability)) == len(suitability)
    medical = [t for t in treatments if t.is_medical]
    consents = [t.consent_text for t in medical]
    assert all(consents) and len(set(consents)) == len(consents)
    consent = {t.slug: t.consent_text for t in medical}
    # Each names what it is: the product, the acid, the light or the needles.
    for slug, words in {
        "botox-wrinkle-relaxer": "Botox Cosmetic",
        "restylane-lip-filler": "Restylane Kysse",
        "juvederm-cheek-filler": "Juvederm Voluma",
        "medium-chemical-peel": "trichloroacetic acid",
        "laser-hair-removal": "diode laser",
        "ipl-photofacial": "intense pulsed light",
        "clinical-acne-treatment": "salicylic-acid peel",
        "acne-scar-microneedling": "microneedling",
    }.items():
        assert words in consent[slug], slug
    # ...and no other treatment's risks.
    assert "filler" not in consent["botox-wrinkle-relaxer"].lower()
    assert "laser" not in consent["ipl-photofacial"].lower()
    for slug in ("restylane-lip-filler", "juvederm-cheek-filler"):
        assert "toxin" not in consent[slug]
