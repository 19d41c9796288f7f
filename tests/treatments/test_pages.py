"""The public catalogue: home, the list of treatments, one treatment's page."""

import re

import pytest
from django.http import HttpResponse
from django.urls import NoReverseMatch, include, path

from tests.factories import (
    CategoryFactory,
    MedicalTreatmentFactory,
    PhysicianFactory,
    PractitionerFactory,
    TreatmentContraindicationFactory,
    TreatmentFactory,
    UserFactory,
    role,
)

pytestmark = pytest.mark.django_db

# Exact query counts per page, whatever the size of the catalogue. The pages open no
# transaction (they only read). A page is rendered, then served from the cache for a
# minute (medspa/page_cache.py) without a query (CACHED_QUERIES). Every page's footer
# adds the opening hours (FOOTER), themselves cached for that minute.
FOOTER = 1
HOME_QUERIES = 2 + FOOTER  # featured day-spa treatments, featured medical treatments
LIST_QUERIES = 1 + FOOTER  # active treatments with their category
DETAIL_QUERIES = 3 + FOOTER  # treatment with category, its practitioners, its rules
CACHED_QUERIES = 0


def _fake_booking_page(request, slug):
    return HttpResponse(f"booking {slug}")


# Used by tests marked @pytest.mark.urls(__name__): the site plus a stand-in for the
# booking page, which another part of the project provides.
urlpatterns = [
    path(
        "",
        include(([path("book/<slug:slug>/", _fake_booking_page, name="book")], "bookings")),
    ),
    path("", include("medspa.urls")),
]


def build_catalogue(size: int) -> list:
    """`size` active treatments of both kinds in three categories, each performed by
    `size` active practitioners; plus one retired practitioner and one rule each."""
    categories = CategoryFactory.create_batch(3)
    treatments = []
    for index in range(size):
        factory = MedicalTreatmentFactory if index % 2 else TreatmentFactory
        treatment = factory(category=categories[index % 3], requires_gfe=bool(index % 2))
        if treatment.is_medical:
            TreatmentContraindicationFactory(treatment=treatment)
        treatments.append(treatment)
    for _ in range(size):
        PractitionerFactory(qualified_treatments=treatments)
    PractitionerFactory(qualified_treatments=treatments, is_active=False)
    return treatments


def assert_csp_friendly(html: str) -> None:
    """No inline script or style: the Content-Security-Policy can forbid both."""
    scripts = re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE)
    assert all("src=" in tag for tag in scripts), scripts
    assert not re.search(r"<[^>]+\sstyle\s*=", html, flags=re.IGNORECASE)
    assert "<style" not in html.lower()


def assert_one_h1(html: str) -> None:
    assert len(re.findall(r"<h1\b", html)) == 1


# Home


def test_home_introduces_both_halves_and_features_treatments(client):
    facial = TreatmentFactory(name="Signature facial")
    botox = MedicalTreatmentFactory(name="Botox")
    TreatmentFactory(name="Retired wrap", is_active=False)

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Lumen Med Spa" in html
    assert "under physician supervision" in html
    assert facial.name in html and botox.name in html
    assert facial.get_absolute_url() in html and botox.get_absolute_url() in html
    assert "Retired wrap" not in html
    assert 'href="/treatments/?kind=day_spa"' in html
    assert 'href="/treatments/?kind=medical"' in html
    assert_one_h1(html)
    assert_csp_friendly(html)


def test_home_works_with_an_empty_catalogue(client):
    response = client.get("/")

    assert response.status_code == 200
    assert_one_h1(response.content.decode())


@pytest.mark.parametrize("size", [3, 30])
def test_home_costs_the_same_queries_at_any_catalogue_size(client, django_assert_num_queries, size):
    build_catalogue(size)

    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/")

    with django_assert_num_queries(CACHED_QUERIES):
        assert client.get("/").content == response.content

    assert response.status_code == 200


# Catalogue


def test_catalogue_lists_active_treatments_of_both_kinds_grouped_by_category(client):
    facials = CategoryFactory(name="Facials", display_order=1)
    injectables = CategoryFactory(name="Injectables", display_order=2)
    facial = TreatmentFactory(category=facials, name="Signature facial", price="120.00")
    botox = MedicalTreatmentFactory(category=injectables, name="Botox", duration_minutes=30)
    TreatmentFactory(category=facials, name="Retired facial", is_active=False)

    response = client.get("/treatments/")

    assert response.status_code == 200
    html = response.content.decode()
    assert facial.name in html and botox.name in html
    assert "Retired facial" not in html
    assert html.index("Facials") < html.index(facial.name) < html.index("Injectables")
    assert html.index("Injectables") < html.index(botox.name)
    assert "$120" in html and "30 min" in html
    assert "kind-badge--day-spa" in html and "kind-badge--medical" in html
    assert_one_h1(html)
    assert_csp_friendly(html)


def test_catalogue_card_shows_thumbnail_with_its_description(client):
    TreatmentFactory(
        name="Salt glow",
        image_thumbnail="treatments/thumbs/salt-thumb.webp",
        image_alt="Sea salt in a stone bowl",
    )

    html = client.get("/treatments/").content.decode()

    assert 'src="/media/treatments/thumbs/salt-thumb.webp"' in html
    assert 'alt="Sea salt in a stone bowl"' in html


def test_catalogue_filters_medical(client):
    facial = TreatmentFactory(name="Signature facial")
    botox = MedicalTreatmentFactory(name="Botox")

    response = client.get("/treatments/", {"kind": "medical"})

    assert response.status_code == 200
    html = response.content.decode()
    assert botox.name in html
    assert facial.name not in html
    assert re.search(r'href="/treatments/\?kind=medical" aria-current="page">Medical<', html)


def test_catalogue_filters_day_spa(client):
    facial = TreatmentFactory(name="Signature facial")
    botox = MedicalTreatmentFactory(name="Botox")

    html = client.get("/treatments/", {"kind": "day_spa"}).content.decode()

    assert facial.name in html
    assert botox.name not in html


def test_catalogue_unfiltered_marks_all_as_current(client):
    html = client.get("/treatments/").content.decode()

    assert re.search(r'href="/treatments/" aria-current="page">All<', html)


@pytest.mark.parametrize("kind", ["surgery", "", "MEDICAL", "<script>"])
def test_catalogue_shows_everything_for_an_unknown_kind(client, kind):
    facial = TreatmentFactory(name="Signature facial")
    botox = MedicalTreatmentFactory(name="Botox")

    response = client.get("/treatments/", {"kind": kind})

    assert response.status_code == 200
    html = response.content.decode()
    assert facial.name in html and botox.name in html
    assert "<script>" not in html


@pytest.mark.parametrize("kind", ["", "medical"])
@pytest.mark.parametrize("size", [3, 30])
def test_catalogue_costs_the_same_queries_at_any_catalogue_size(
    client, django_assert_num_queries, size, kind
):
    build_catalogue(size)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/treatments/", {"kind": kind})

    with django_assert_num_queries(CACHED_QUERIES):
        assert client.get("/treatments/", {"kind": kind}).content == response.content

    assert response.status_code == 200


# One treatment


def test_detail_shows_what_the_treatment_is(client):
    treatment = TreatmentFactory(
        name="Seaweed wrap",
        summary="A mineral-rich wrap.",
        description="Warm seaweed, then rest.",
        what_to_expect="Arrive ten minutes early.",
        duration_minutes=80,
        price="160.00",
        image="treatments/wrap.webp",
        image_alt="A folded towel beside seaweed",
    )

    response = client.get(f"/treatments/{treatment.slug}/")

    assert response.status_code == 200
    html = response.content.decode()
    for text in ["Seaweed wrap", "A mineral-rich wrap.", "Warm seaweed, then rest."]:
        assert text in html
    assert "Arrive ten minutes early." in html
    assert "$160" in html and "80 minutes" in html
    assert 'src="/media/treatments/wrap.webp"' in html
    assert 'alt="A folded towel beside seaweed"' in html
    assert_one_h1(html)
    assert_csp_friendly(html)


def test_detail_is_404_for_an_unknown_treatment(client):
    assert client.get("/treatments/no-such-thing/").status_code == 404


def test_detail_is_404_for_a_retired_treatment(client):
    treatment = TreatmentFactory(is_active=False)

    assert client.get(f"/treatments/{treatment.slug}/").status_code == 404


def test_medical_detail_explains_supervision_intake_consent_and_exam(client):
    treatment = MedicalTreatmentFactory(name="Lip filler", requires_gfe=True)
    TreatmentContraindicationFactory(
        treatment=treatment,
        contraindication__name="Pregnancy or breastfeeding",
        severity="absolute",
    )
    TreatmentContraindicationFactory(
        treatment=treatment, contraindication__name="Taking blood thinners", severity="relative"
    )

    html = client.get(f"/treatments/{treatment.slug}/").content.decode()

    assert "under physician supervision" in html
    assert "medical intake" in html
    assert "written consent" in html
    assert "good-faith exam" in html
    assert "can't book it online if any of these apply" in html
    assert html.index("can't book it online") < html.index("Pregnancy or breastfeeding")
    assert html.index("you can book online") < html.index("Taking blood thinners")
    assert "not suitable if" not in html and "still book" not in html
    assert_csp_friendly(html)


def test_medical_detail_without_exam_does_not_mention_one(client):
    treatment = MedicalTreatmentFactory(requires_gfe=False)

    html = client.get(f"/treatments/{treatment.slug}/").content.decode()

    assert "under physician supervision" in html
    assert "good-faith exam" not in html


def test_day_spa_detail_has_no_medical_notice(client):
    treatment = TreatmentFactory(name="Signature facial")

    html = client.get(f"/treatments/{treatment.slug}/").content.decode()

    assert "under physician supervision" not in html
    assert "medical intake" not in html
    assert "good-faith exam" not in html


def test_detail_shows_active_qualified_practitioners_with_role(client):
    treatment = MedicalTreatmentFactory()
    nurse = PractitionerFactory(display_name="Priya Shah", qualified_treatments=[treatment])
    doctor = PhysicianFactory(display_name="Dr. Helen Okafor", qualified_treatments=[treatment])
    PractitionerFactory(display_name="Gone Away", qualified_treatments=[treatment], is_active=False)
    PractitionerFactory(
        display_name="Not Trained",
        role=role("esthetician"),
        qualified_treatments=[TreatmentFactory()],
    )

    html = client.get(f"/treatments/{treatment.slug}/").content.decode()

    assert nurse.display_name in html and "Registered nurse" in html
    assert doctor.display_name in html and "Physician" in html
    assert "Gone Away" not in html
    assert "Not Trained" not in html


def test_detail_shows_practitioner_photo_thumbnail(client):
    treatment = TreatmentFactory()
    PractitionerFactory(
        display_name="Maya Lindqvist",
        photo_thumbnail="practitioners/thumbs/maya.webp",
        qualified_treatments=[treatment],
    )

    html = client.get(f"/treatments/{treatment.slug}/").content.decode()

    assert 'src="/media/practitioners/thumbs/maya.webp"' in html
    assert 'alt="Portrait of Maya Lindqvist"' in html


def test_detail_without_booking_page_asks_to_call(client, monkeypatch, settings):
    def booking_page_missing(*args, **kwargs):
        raise NoReverseMatch("no booking page")

    monkeypatch.setattr("treatments.views.reverse", booking_page_missing)
    treatment = TreatmentFactory()

    html = client.get(f"/treatments/{treatment.slug}/").content.decode()

    assert "Call us to book" in html
    assert settings.SPA_PHONE in html
    assert 'href="tel:' in html
    assert "/book/" not in html


@pytest.mark.urls(__name__)
def test_detail_links_to_the_booking_page_when_it_exists(client):
    treatment = TreatmentFactory(name="Salt glow")

    html = client.get(f"/treatments/{treatment.slug}/").content.decode()

    assert f'href="/book/{treatment.slug}/"' in html
    assert "Call us to book" not in html


@pytest.mark.parametrize("size", [3, 30])
def test_detail_costs_the_same_queries_at_any_catalogue_size(
    client, django_assert_num_queries, size
):
    treatments = build_catalogue(size)
    medical = next(treatment for treatment in treatments if treatment.is_medical)

    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(f"/treatments/{medical.slug}/")

    with django_assert_num_queries(CACHED_QUERIES):
        assert client.get(f"/treatments/{medical.slug}/").content == response.content

    assert response.status_code == 200
    assert response.content.decode().count('class="practitioner"') == size


# Staff sign-in page (same look as the site)


def test_login_page_hides_the_code_field_when_mfa_is_off(client, settings):
    settings.STAFF_MFA = False

    response = client.get("/accounts/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert 'name="otp_token"' not in html
    assert_one_h1(html)
    assert_csp_friendly(html)


def test_login_page_asks_for_the_code_when_mfa_is_on(client, settings):
    settings.STAFF_MFA = True

    html = client.get("/accounts/login/").content.decode()

    assert 'name="otp_token"' in html
    assert 'autocomplete="one-time-code"' in html


def test_login_page_signs_in_and_shows_a_failed_attempt(client, settings):
    settings.STAFF_MFA = False
    UserFactory(username="frontdesk", password="a-long-test-password")

    failed = client.post(
        "/accounts/login/", {"username": "frontdesk", "password": "wrong", "otp_token": ""}
    )
    signed_in = client.post(
        "/accounts/login/",
        {"username": "frontdesk", "password": "a-long-test-password", "otp_token": ""},
    )

    assert failed.status_code == 200
    assert 'role="alert"' in failed.content.decode()
    assert signed_in.status_code == 302
