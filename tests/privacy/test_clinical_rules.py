"""Issue 16, finding 4: a treatment's clinical rules are the medical director's. The
front desk sees them read-only (a tampered POST changes nothing); the director
changes them, and nothing else; every change is kept with who, when, before, after."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from bookings.demo.seed import seed_demo
from tests.factories import UserFactory
from tests.page_forms import form_data
from tests.security.helpers import figure, front_desk_user
from treatments.models import ClinicalRuleChange, Treatment, TreatmentContraindication

pytestmark = pytest.mark.django_db


def _url(treatment: Treatment) -> str:
    return f"/admin/treatments/treatment/{treatment.pk}/change/"


@pytest.fixture
def director():
    user = UserFactory(username="doctor", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="change_clinical_rules"),
        Permission.objects.get(codename="view_treatment"),
        Permission.objects.get(codename="view_clinicalrulechange"),
    )
    return user


def _post(client, treatment: Treatment, **changes):
    """The change form as the browser shows it, with `changes` typed or tampered in."""
    data = form_data(client.get(_url(treatment)).content.decode(), "treatment_form")
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return client.post(_url(treatment), data)


def _rules(treatment: Treatment) -> tuple:
    treatment.refresh_from_db()
    return (
        treatment.kind,
        treatment.requires_gfe,
        treatment.requires_consent,
        treatment.minimum_age,
        treatment.consent_text,
        treatment.charting,
        sorted(treatment.allowed_roles.values_list("code", flat=True)),
        sorted(treatment.contraindication_rules.values_list("severity", flat=True)),
    )


def _rule_index(treatment: Treatment, code: str) -> int:
    rules = list(treatment.contraindication_rules.order_by("contraindication__name"))
    return next(n for n, rule in enumerate(rules) if rule.contraindication.code == code)


def test_the_front_desk_cannot_switch_off_a_safeguard(client, spa):
    spa.botox.requires_gfe = True
    spa.botox.save()
    client.force_login(front_desk_user())
    before = _rules(spa.botox)
    pregnant = _rule_index(spa.botox, "pregnant-or-breastfeeding")

    page = client.get(_url(spa.botox)).content.decode()
    assert 'name="requires_gfe"' not in page and 'name="kind"' not in page
    for tampered in [
        {"requires_gfe": []},
        {"kind": "day_spa"},
        {"minimum_age": "12"},
        {"consent_text": "Nothing to consent to."},
        {f"contraindication_rules-{pregnant}-severity": "relative"},
    ]:
        response = _post(client, spa.botox, **tampered)
        assert response.status_code == 302, tampered

    figure(
        f"G18 clinical-rules front_desk_tampered_posts=5 "
        f"rules_changed={int(_rules(spa.botox) != before)} "
        f"history_rows={ClinicalRuleChange.objects.count()}"
    )
    assert _rules(spa.botox) == before
    assert not ClinicalRuleChange.objects.exists()
    # The rest of the treatment is still the front desk's.
    _post(client, spa.botox, price="399.00")
    spa.botox.refresh_from_db()
    assert str(spa.botox.price) == "399.00"


def test_the_medical_director_changes_the_rules_and_only_them(client, spa, director):
    client.force_login(director)
    pregnant = _rule_index(spa.botox, "pregnant-or-breastfeeding")
    price = spa.botox.price

    response = _post(
        client,
        spa.botox,
        requires_gfe="on",
        price="1.00",
        **{f"contraindication_rules-{pregnant}-severity": "relative"},
    )

    assert response.status_code == 302
    spa.botox.refresh_from_db()
    assert spa.botox.requires_gfe is True and spa.botox.price == price
    rule = TreatmentContraindication.objects.get(
        treatment=spa.botox, contraindication__code="pregnant-or-breastfeeding"
    )
    assert rule.severity == "relative"
    history = {
        (c.rule, c.old_value, c.new_value, c.changed_by.username)
        for c in ClinicalRuleChange.objects.filter(treatment=spa.botox)
    }
    assert ("needs a good-faith exam first", "False", "True", "doctor") in history
    assert any(r.startswith("contraindication:") and o == "absolute" for r, o, _, _ in history)
    # The history is there to read.
    assert client.get("/admin/treatments/clinicalrulechange/").status_code == 200


def test_the_demo_doctor_is_the_medical_director_and_the_front_desk_is_not(client, settings):
    settings.DEBUG = True
    seed_demo(password="pw-for-tests-only", totp_secret="JBSWY3DPEHPK3PXP")
    users = get_user_model().objects
    doctor, frontdesk, doctor2 = (users.get(username=n) for n in ("doctor", "frontdesk", "doctor2"))
    assert doctor.is_staff and doctor.has_perm("treatments.change_clinical_rules")
    assert not doctor.has_perm("treatments.change_treatment")
    assert not frontdesk.has_perm("treatments.change_clinical_rules")
    assert not doctor2.has_perm("treatments.change_clinical_rules")
