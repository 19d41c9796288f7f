"""`manage.py seed_demo`: the demo spa meets CONTRACT.md and a second run changes nothing."""

import base64
import datetime
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image, ImageStat

from bookings.availability import Policy
from bookings.demo import catalogue, pictures, seed
from bookings.models import ResourceAllocation
from bookings.selectors.booking import available_slots
from practitioners.models import (
    Practitioner,
    SupervisionAgreement,
    TimeOff,
    WorkingHours,
    treatments_outside_role,
)
from practitioners.supervision import supervising_physician
from tests.allocations import (
    assert_one_resource_per_need,
    holds_during_out_of_service,
    most_at_once,
    overlapping_holds,
    rooms,
    users_of,
)
from tests.factories import TreatmentFactory, UserFactory
from treatments.images import DISPLAY_SIZE, THUMBNAIL_SIZE
from treatments.models import (
    Contraindication,
    Resource,
    ResourceNeed,
    ResourceOutOfService,
    Treatment,
    TreatmentContraindication,
)

DEFAULT_PASSWORD = "medspa-demo"
DEFAULT_SECRET = "JBSWY3DPEHPK3PXP"
DEMO_LOGINS = ("admin", "frontdesk", "doctor", "doctor2")
INJECTABLES = ("botox-wrinkle-relaxer", "restylane-lip-filler", "juvederm-cheek-filler")
LASERS = ("laser-hair-removal", "ipl-photofacial")
LASER = "Laser and IPL platform"
HYDRAFACIAL_MACHINE = "HydraFacial machine"


def run_seed(*args: str) -> str:
    """Run the command as the tests' DEBUG=0 environment needs it; return its output."""
    out = StringIO()
    call_command("seed_demo", "--allow-production", *args, stdout=out)
    return out.getvalue()


def media_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def row_counts() -> dict[str, int]:
    """Rows of every installed model that has a table (booking models may not yet)."""
    tables = set(connection.introspection.table_names())
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.db_table in tables
    }


@pytest.fixture(autouse=True)
def _default_demo_environment(monkeypatch):
    """The defaults of CONTRACT.md, whatever the developer's shell exports."""
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    monkeypatch.delenv("DEMO_TOTP_SECRET", raising=False)


@pytest.fixture
def small_pictures(monkeypatch):
    """Smaller generated pictures keep the tests fast (one test checks the real size)."""
    monkeypatch.setattr(pictures, "TREATMENT_SIZE", (240, 180))
    monkeypatch.setattr(pictures, "AVATAR_SIZE", (160, 160))


@pytest.fixture
def seeded(db, small_pictures) -> str:
    """The demo spa without its week of appointments (tests/bookings/test_demo_week.py)."""
    return run_seed("--no-week")


@pytest.fixture
def seeded_with_week(db, small_pictures) -> str:
    return run_seed()


def test_catalogue_data_is_consistent():
    """The data module itself: every name it refers to exists and every role may do its work."""
    categories = {spec.slug for spec in catalogue.CATEGORIES}
    contraindications = {spec.code for spec in catalogue.CONTRAINDICATIONS}
    treatments = {spec.slug: spec for spec in catalogue.TREATMENTS}
    practitioners = {spec.slug: spec for spec in catalogue.PRACTITIONERS}
    assert len(treatments) == len(catalogue.TREATMENTS)
    for spec in catalogue.TREATMENTS:
        assert spec.category in categories
        assert set(spec.motifs) <= set(pictures.MOTIFS)
        assert {code for code, _ in spec.contraindications} <= contraindications
    for spec in catalogue.PRACTITIONERS:
        for slug in spec.treatments:
            treatment = treatments[slug]
            assert not treatment.is_medical or spec.role in treatment.allowed_roles, (
                f"{spec.display_name} ({spec.role}) may not perform {slug}"
            )
        assert set(spec.hours) <= set(catalogue.WEEKDAYS)
    supervised = {spec.practitioner for spec in catalogue.AGREEMENTS}
    for spec in catalogue.AGREEMENTS:
        assert practitioners[spec.physician].role == "physician"
    for spec in catalogue.PRACTITIONERS:
        does_medical = any(treatments[slug].is_medical for slug in spec.treatments)
        if spec.role != "physician" and does_medical:
            assert spec.slug in supervised, f"{spec.display_name} has no supervision agreement"


def _spa_file(tmp_path: Path, edit) -> Path:
    """A copy of spa.yaml with one edit (a function of the parsed data)."""
    data = yaml.safe_load(catalogue.SPA_FILE.read_text())
    edit(data)
    path = tmp_path / "spa.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def _named(data: dict, section: str, slug: str) -> dict:
    return next(entry for entry in data[section] if entry.get("slug") == slug)


def _keyed(data: dict, section: str, key: str) -> dict:
    return next(entry for entry in data[section] if entry.get("key") == key)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(
            lambda d: _named(d, "treatments", "botox-wrinkle-relaxer")["allowed_roles"].append(
                "nurse"
            ),
            r"^spa\.yaml: treatments entry 10 \(botox-wrinkle-relaxer\): allowed_roles: "
            r"unknown 'nurse'; expected one of: esthetician, registered-nurse, ",
            id="unknown role",
        ),
        pytest.param(
            lambda d: _named(d, "treatments", "restylane-lip-filler")["contraindications"][
                "relative"
            ].append("bleeding"),
            r"treatments entry 11 \(restylane-lip-filler\): contraindications: unknown "
            r"'bleeding'; expected one of: pregnant-or-breastfeeding, ",
            id="unknown contraindication code",
        ),
        pytest.param(
            lambda d: _named(d, "practitioners", "maya-chen").pop("role"),
            r"practitioners entry 3 \(maya-chen\): missing field 'role'$",
            id="missing field",
        ),
        pytest.param(
            lambda d: _named(d, "treatments", "sea-salt-glow").update(prize=95),
            r"treatments entry 5 \(sea-salt-glow\): unknown field 'prize'; the fields are: ",
            id="misspelt field",
        ),
        pytest.param(
            lambda d: _named(d, "practitioners", "maya-chen")["treatments"].append(
                "botox-wrinkle-relaxer"
            ),
            r"practitioners entry 3 \(maya-chen\): the role esthetician may not perform "
            r"botox-wrinkle-relaxer \(its allowed_roles: registered-nurse, ",
            id="treatment outside the role",
        ),
        pytest.param(
            lambda d: _named(d, "practitioners", "marcus-bell")["time_off"][0].update(start=780),
            r"practitioners entry 8 \(marcus-bell\): time_off: entry 1: start: expected a "
            r'time like "13:00" \(in quotes\), got 780$',
            id="unquoted time",
        ),
        pytest.param(
            lambda d: d["agreements"][0].update(physician="maya-chen"),
            r"agreements entry 1: maya-chen is not of a role that may supervise$",
            id="physician who may not supervise",
        ),
        pytest.param(
            lambda d: _named(d, "treatments", "hydrafacial")["needs"].append("laser-room"),
            r"treatments entry 4 \(hydrafacial\): needs: unknown 'laser-room'; expected one "
            r"of: treatment-room, wet-room, laser-suite, laser, hydrafacial-machine$",
            id="unknown need",
        ),
        pytest.param(
            lambda d: _keyed(d, "needs", "laser")["any_of"].append("Laser room"),
            r"needs entry 4 \(laser\): any_of: unknown 'Laser room'; expected one of: "
            r"Treatment room 1, ",
            id="unknown resource",
        ),
        pytest.param(
            lambda d: _keyed(d, "needs", "laser")["any_of"].append("Laser suite"),
            r"treatments entry 14 \(laser-hair-removal\): needs: a resource is listed by two "
            r"of its needs$",
            id="one resource for two needs",
        ),
        pytest.param(
            lambda d: d["resources"][0].update(kind="chair"),
            r"resources entry 1 \(Treatment room 1\): kind: unknown 'chair'; expected one of: "
            r"room, device$",
            id="unknown kind of resource",
        ),
        pytest.param(
            lambda d: d["resources"][5]["out_of_service"][0].update(weekday="Tuesday"),
            r"resources entry 6 \(Laser and IPL platform\): out_of_service: entry 1: weekday: "
            r"unknown 'Tuesday'; expected one of: Mon, ",
            id="unknown weekday",
        ),
        pytest.param(
            lambda d: d["extra_rooms"][0].update(like="Laser and IPL platform"),
            r"extra_rooms entry 1 \(Laser and IPL platform\): like: unknown 'Laser and IPL "
            r"platform'; expected one of: Treatment room 1, Treatment room 2, Treatment room 3, "
            r"Wet room, Laser suite$",
            id="extra rooms like a device",
        ),
        pytest.param(
            lambda d: d["extra_rooms"][0].update(every_hired=0),
            r"extra_rooms entry 1 \(Treatment room 1\): every_hired: expected a number from 1 "
            r"to 1000, like 2 or 1.5, got 0$",
            id="extra rooms for nobody",
        ),
        pytest.param(
            lambda d: d["staff_users"][1].update(group="front-desk"),
            r"staff_users entry 2 \(frontdesk\): group: unknown 'front-desk'; expected one "
            r"of: front_desk, supervising_doctors, medical_director, practitioners$",
            id="unknown group",
        ),
    ],
)
def test_a_malformed_spa_file_is_refused_naming_the_entry(tmp_path, edit, message):
    with pytest.raises(catalogue.DemoDataError, match=message):
        catalogue.load(_spa_file(tmp_path, edit))


def test_a_repeated_key_in_the_spa_file_is_refused_with_its_line(tmp_path):
    lines = catalogue.SPA_FILE.read_text().splitlines(keepends=True)
    monday = next(n for n, line in enumerate(lines) if line.strip().startswith("Mon: "))
    path = tmp_path / "spa.yaml"
    path.write_text("".join([*lines[: monday + 1], lines[monday], *lines[monday + 1 :]]))
    with pytest.raises(catalogue.DemoDataError, match=rf"line {monday + 2}: 'Mon' appears twice"):
        catalogue.load(path)


@pytest.mark.django_db
def test_seed_demo_stops_on_a_malformed_spa_file_before_writing(monkeypatch, tmp_path):
    path = _spa_file(tmp_path, lambda d: _named(d, "treatments", "ipl-photofacial").pop("price"))
    monkeypatch.setattr(catalogue, "spa", lambda: catalogue.load(path))
    with pytest.raises(
        CommandError, match=r"treatments entry 15 \(ipl-photofacial\): missing field 'price'"
    ):
        run_seed()
    assert not Treatment.objects.exists()
    assert not get_user_model().objects.exists()


def test_treatments_of_both_kinds_with_clinical_rules(seeded):
    treatments = list(Treatment.objects.prefetch_related("allowed_roles", "contraindication_rules"))
    day_spa = [t for t in treatments if t.kind == Treatment.Kind.DAY_SPA]
    medical = [t for t in treatments if t.kind == Treatment.Kind.MEDICAL]
    assert len(treatments) >= 12
    assert len(day_spa) >= 5
    assert len(medical) >= 5
    names = " ".join(t.name.lower() for t in treatments)
    for word in (
        "facial",
        "salt glow",
        "seaweed wrap",
        "massage",
        "peel",
        "botox",
        "restylane",
        "juvederm",
        "laser hair removal",
        "ipl",
        "acne",
        "scar",
    ):
        assert word in names
    for treatment in treatments:
        assert treatment.summary
        assert treatment.description
        assert treatment.what_to_expect
        assert treatment.image_alt
        assert treatment.price > 0
        assert treatment.duration_minutes >= 5
    for treatment in day_spa:
        assert not treatment.requires_gfe
        assert not treatment.requires_consent
    for treatment in medical:
        assert treatment.minimum_age >= 18
        assert treatment.requires_consent
        assert treatment.consent_text
        assert treatment.allowed_roles.exists()
        assert treatment.contraindication_rules.exists()
    for slug in INJECTABLES + LASERS:
        treatment = Treatment.objects.get(slug=slug)
        roles = set(treatment.allowed_roles.values_list("code", flat=True))
        assert treatment.requires_gfe
        assert "esthetician" not in roles
        assert {"registered-nurse", "physician"} <= roles
        pregnancy = treatment.contraindication_rules.get(
            contraindication__code="pregnant-or-breastfeeding"
        )
        assert pregnancy.severity == TreatmentContraindication.Severity.ABSOLUTE
    for slug in INJECTABLES:
        rule = TreatmentContraindication.objects.get(
            treatment__slug=slug, contraindication__code="blood-thinners"
        )
        assert rule.severity == TreatmentContraindication.Severity.RELATIVE
    for slug in (*LASERS, "medium-chemical-peel"):
        rule = TreatmentContraindication.objects.get(
            treatment__slug=slug, contraindication__code="isotretinoin-last-6-months"
        )
        assert rule.severity == TreatmentContraindication.Severity.ABSOLUTE


def test_contraindications_ask_the_intake_questions(seeded):
    codes = set(Contraindication.objects.values_list("code", flat=True))
    assert {
        "pregnant-or-breastfeeding",
        "isotretinoin-last-6-months",
        "blood-thinners",
        "recent-tanning",
        "keloid-scarring",
        "cold-sores",
    } <= codes
    for contraindication in Contraindication.objects.all():
        assert contraindication.question.endswith("?")
        assert contraindication.guidance


@pytest.mark.django_db
def test_every_treatment_and_practitioner_gets_a_real_picture(settings):
    """Full-size pictures: stored, within the upload sizes, and more than a flat box."""
    run_seed("--no-week")
    pairs = [(t.image, t.image_thumbnail) for t in Treatment.objects.all()]
    pairs += [(p.photo, p.photo_thumbnail) for p in Practitioner.objects.all()]
    assert len(pairs) >= 20
    for display, thumbnail in pairs:
        assert display.name
        assert thumbnail.name
        assert default_storage.exists(display.name)
        assert default_storage.exists(thumbnail.name)
        with default_storage.open(thumbnail.name) as stored, Image.open(stored) as image:
            assert image.format == "WEBP"
            assert image.width <= THUMBNAIL_SIZE[0]
            assert image.height <= THUMBNAIL_SIZE[1]
    with default_storage.open(pairs[0][0].name) as stored, Image.open(stored) as image:
        assert image.size == DISPLAY_SIZE
        picture = image.convert("RGB")
    # Thousands of colours (gradients and shapes), and colour rather than grey.
    assert len(picture.getcolors(maxcolors=1_000_000)) > 1000
    red, green, blue = ImageStat.Stat(picture).mean
    assert max(red, green, blue) - min(red, green, blue) > 5


def test_practitioners_across_roles_with_two_physicians(seeded):
    today = timezone.localdate()
    physicians = list(Practitioner.objects.physicians().select_related("user"))
    others = list(Practitioner.objects.exclude(role__can_supervise=True).select_related("role"))
    assert len(physicians) == 2
    assert {physician.user.username for physician in physicians} == {"doctor", "doctor2"}
    assert len(others) >= 6
    assert len({practitioner.role.code for practitioner in others}) >= 3
    for practitioner in physicians + others:
        assert practitioner.display_name
        assert practitioner.bio
        assert practitioner.licence_number
        assert practitioner.licence_valid_on(today)
        assert practitioner.qualified_treatments.exists()
    assert any(practitioner.licence_expires_soon for practitioner in others)


def test_working_hours_monday_to_saturday_with_split_and_late_shifts(seeded):
    every_block = list(WorkingHours.objects.all())
    assert {block.weekday for block in every_block} == set(range(6))
    for practitioner in Practitioner.objects.exclude(role__can_supervise=True):
        weekdays = set(practitioner.working_hours.values_list("weekday", flat=True))
        assert weekdays == set(range(6)), practitioner.display_name
    days = [(block.practitioner_id, block.weekday) for block in every_block]
    assert any(days.count(day) == 2 for day in days), "no split shift"
    assert any(block.ends_at.hour == 20 for block in every_block), "no late day"
    for block in every_block:
        assert block.starts_at < block.ends_at
        clashes = [other for other in every_block if other.pk != block.pk and block.overlaps(other)]
        assert not [other for other in clashes if other.practitioner_id == block.practitioner_id]
    upcoming = TimeOff.objects.filter(starts_at__gt=timezone.now())
    assert upcoming.exists()
    for time_off in upcoming:
        assert time_off.starts_at < time_off.ends_at
        assert time_off.reason


def test_no_practitioner_is_qualified_for_what_their_role_may_not_do(seeded):
    practitioners = Practitioner.objects.select_related("role").prefetch_related(
        "qualified_treatments__allowed_roles"
    )
    for practitioner in practitioners:
        outside = treatments_outside_role(
            practitioner.role, practitioner.qualified_treatments.all()
        )
        assert outside == [], practitioner.display_name
    # And every qualification of the data module made it (none dropped as outside the role).
    for spec in catalogue.PRACTITIONERS:
        practitioner = Practitioner.objects.get(slug=spec.slug)
        slugs = set(practitioner.qualified_treatments.values_list("slug", flat=True))
        assert slugs == set(spec.treatments)


def test_every_supervised_practitioner_has_a_physician_today(seeded):
    today = timezone.localdate()
    supervisors = {}
    for practitioner in Practitioner.objects.exclude(role__can_supervise=True):
        for treatment in practitioner.qualified_treatments.filter(kind=Treatment.Kind.MEDICAL):
            physician = supervising_physician(
                practitioner=practitioner, treatment=treatment, day=today
            )
            assert physician is not None, f"{practitioner} unsupervised for {treatment}"
            supervisors[practitioner.slug] = physician.user.username
    assert len(supervisors) >= 4
    # The two doctors split the supervised practitioners.
    assert set(supervisors.values()) == {"doctor", "doctor2"}


def test_agreements_are_accepted_by_the_physicians_own_login(seeded):
    now = timezone.now()
    today = timezone.localdate()
    agreements = list(SupervisionAgreement.objects.select_related("physician__user"))
    accepted = [agreement for agreement in agreements if agreement.is_accepted]
    assert len(accepted) >= 5
    for agreement in accepted:
        assert agreement.accepted_by == agreement.physician.user
        assert agreement.accepted_at < now
        assert agreement.accepted_at.date() <= agreement.valid_from
        assert 0 <= agreement.chart_review_percent <= 100
    in_force = SupervisionAgreement.objects.in_force_on(today)
    assert any(agreement.expires_soon for agreement in in_force), "no expiry warning to show"
    assert {agreement.chart_review_percent for agreement in accepted} >= {100, 25}
    # A renewal waiting for the doctor's own acceptance supervises nothing yet.
    pending = [agreement for agreement in agreements if not agreement.is_accepted]
    assert pending
    assert all(agreement.accepted_by is None for agreement in pending)


def test_one_laser_platform_for_the_laser_and_light_treatments_and_their_staff(seeded):
    laser = Resource.objects.get(name=LASER)
    assert laser.kind == Resource.Kind.DEVICE
    lasered = list(Treatment.objects.filter(resource_needs__resources=laser).distinct())
    assert {treatment.slug for treatment in lasered} >= set(LASERS)
    assert all(treatment.is_medical for treatment in lasered)
    # Shared by the practitioners qualified for them, each supervised for them today.
    staff = users_of([laser])
    assert len(staff) >= 2
    today = timezone.localdate()
    for practitioner in staff:
        if practitioner.role.can_supervise:
            continue
        for treatment in practitioner.qualified_treatments.filter(pk__in=[t.pk for t in lasered]):
            assert supervising_physician(practitioner=practitioner, treatment=treatment, day=today)
    # One platform: the two treatments' needs list it alone, in the laser suite.
    for treatment in lasered:
        needs = {need.label: list(need.resources.all()) for need in treatment.resource_needs.all()}
        assert [laser] in needs.values()
        assert [Resource.objects.get(name="Laser suite")] in needs.values()


def test_a_hydrafacial_machine_for_the_hydrafacial(seeded):
    machine = Resource.objects.get(name=HYDRAFACIAL_MACHINE)
    assert machine.kind == Resource.Kind.DEVICE
    hydrafacial = Treatment.objects.get(resource_needs__resources=machine)
    assert hydrafacial.slug == "hydrafacial" and hydrafacial.kind == Treatment.Kind.DAY_SPA
    assert hydrafacial.price > 0 and hydrafacial.description and hydrafacial.suitability
    assert users_of([machine]), "nobody performs the HydraFacial"


def test_every_treatment_is_held_in_a_room_and_the_rooms_bind(seeded):
    for treatment in Treatment.objects.prefetch_related("resource_needs__resources"):
        kinds = [{r.kind for r in need.resources.all()} for need in treatment.resource_needs.all()]
        assert kinds.count({Resource.Kind.ROOM}) == 1, treatment.slug
    for slug in (*INJECTABLES, "signature-hydrating-facial", "swedish-relaxation-massage"):
        assert Treatment.objects.get(slug=slug).resource_needs.get().label == "a treatment room"
    # Fewer rooms than the practitioners who could use them at once: the rooms, not only
    # the people, decide how much can be booked at a busy hour.
    assert rooms().count() < most_at_once(users_of(rooms()))
    treatment_rooms = Resource.objects.filter(needs__label="a treatment room").distinct()
    assert 2 <= treatment_rooms.count() < most_at_once(users_of(treatment_rooms))


def test_the_laser_is_out_of_service_one_working_morning_in_the_coming_weeks(seeded):
    laser = Resource.objects.get(name=LASER)
    [period] = ResourceOutOfService.objects.filter(resource=laser)
    now = timezone.now()
    assert now < period.starts_at < now + datetime.timedelta(days=21)
    starts, ends = timezone.localtime(period.starts_at), timezone.localtime(period.ends_at)
    assert starts.date() == ends.date() and ends.hour <= 13 and period.reason
    staff_at_work = [
        practitioner
        for practitioner in users_of([laser])
        for block in practitioner.working_hours.all()
        if block.weekday == starts.weekday()
        and block.starts_at < ends.time()
        and starts.time() < block.ends_at
    ]
    assert staff_at_work, "the maintenance blocks nobody's morning"
    # The booking page offers no laser time over it, and the rest of the day as usual.
    treatment = Treatment.objects.get(slug="laser-hair-removal")
    slots = available_slots(
        treatment,
        first_day=starts.date(),
        days=1,
        now=now,
        policy=Policy.from_settings(treatment),
    )
    hold = datetime.timedelta(minutes=treatment.buffer_minutes)
    assert slots
    assert not [s for s in slots if s.start < period.ends_at and period.starts_at < s.end + hold]


def test_the_demo_week_holds_one_room_or_device_per_need(seeded_with_week):
    assert not overlapping_holds().exists()
    assert not holds_during_out_of_service().exists()
    assert assert_one_resource_per_need() > 0
    for name in (LASER, HYDRAFACIAL_MACHINE, "Wet room", "Treatment room 1"):
        assert ResourceAllocation.objects.filter(resource__name=name, holds_time=True).exists()


def test_a_treatment_without_its_needs_gets_them_again(seeded):
    ResourceNeed.objects.filter(treatment__slug="hydrafacial").delete()
    ResourceOutOfService.objects.all().delete()

    run_seed("--no-week")

    needs = ResourceNeed.objects.filter(treatment__slug="hydrafacial")
    assert [need.label for need in needs] == ["a treatment room", "the HydraFacial machine"]
    assert [r.name for r in needs[1].resources.all()] == [HYDRAFACIAL_MACHINE]
    assert ResourceOutOfService.objects.count() == 1
    assert Resource.objects.count() == len(catalogue.RESOURCES)


def test_second_run_changes_nothing(seeded_with_week, settings):
    counts = row_counts()
    files = media_files(settings)
    passwords = dict(get_user_model().objects.values_list("username", "password"))
    updated = dict(Treatment.objects.values_list("slug", "updated_at"))
    permissions = {group.name: set(group.permissions.all()) for group in Group.objects.all()}

    output = run_seed()

    assert "nothing changed" in output
    assert row_counts() == counts
    assert media_files(settings) == files
    assert dict(get_user_model().objects.values_list("username", "password")) == passwords
    assert dict(Treatment.objects.values_list("slug", "updated_at")) == updated
    assert {g.name: set(g.permissions.all()) for g in Group.objects.all()} == permissions
    for username in DEMO_LOGINS:
        assert TOTPDevice.objects.filter(user__username=username).count() == 1


def test_a_missing_image_is_drawn_again(seeded, settings):
    treatment = Treatment.objects.get(slug="sea-salt-glow")
    default_storage.delete(treatment.image.name)

    run_seed("--no-week")

    treatment.refresh_from_db()
    assert default_storage.exists(treatment.image.name)
    assert default_storage.exists(treatment.image_thumbnail.name)
    # The surviving thumbnail was replaced, not left behind as an orphan.
    assert len([name for name in media_files(settings) if "sea-salt-glow" in name]) == 2


@pytest.mark.django_db
def test_refuses_with_debug_off_unless_allowed(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo", stdout=StringIO())
    assert not Treatment.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_runs_without_the_flag_when_debug_is_on(settings, small_pictures):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    assert Treatment.objects.count() >= 12


@pytest.mark.django_db
def test_if_empty_leaves_an_existing_catalogue_alone(settings):
    TreatmentFactory()

    output = run_seed("--if-empty")

    assert "not loaded" in output
    assert Treatment.objects.count() == 1
    assert not Practitioner.objects.exists()
    assert not get_user_model().objects.exists()
    assert media_files(settings) == []


@pytest.mark.django_db
def test_if_empty_seeds_an_empty_database(small_pictures):
    run_seed("--if-empty")
    assert Treatment.objects.count() >= 12


def test_demo_logins_work_with_the_demo_password(seeded):
    request = RequestFactory().post("/accounts/login/")  # django-axes needs the request
    for username in DEMO_LOGINS:
        user = authenticate(request, username=username, password=DEFAULT_PASSWORD)
        assert user is not None, username
        assert authenticate(request, username=username, password="wrong password") is None
    user_model = get_user_model()
    admin = user_model.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    frontdesk = user_model.objects.get(username="frontdesk")
    assert frontdesk.is_staff
    assert not frontdesk.is_superuser
    assert list(frontdesk.groups.values_list("name", flat=True)) == ["Front desk"]
    for username in ("doctor", "doctor2"):
        doctor = user_model.objects.get(username=username)
        assert not doctor.is_superuser
        assert doctor.practitioner.is_physician
        assert doctor.groups.filter(name="Supervising doctors").exists()
    assert "frontdesk" in seeded
    assert "doctor2" in seeded


def test_totp_device_accepts_the_current_code(seeded):
    key = base64.b32decode(DEFAULT_SECRET)
    for username in DEMO_LOGINS:
        device = TOTPDevice.objects.get(user__username=username)
        assert device.confirmed
        assert bytes.fromhex(device.key) == key
        code = f"{totp(key):06d}"
        assert device.verify_token(code), username
        # django-otp's replay protection: the same code never works twice.
        assert not device.verify_token(code)


@pytest.mark.django_db
def test_password_and_secret_come_from_the_environment(monkeypatch, small_pictures):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-password")
    monkeypatch.setenv("DEMO_TOTP_SECRET", "krsx g5ct mvrx ezlu")

    output = run_seed("--no-week")

    assert "another-demo-password" not in output
    assert (
        authenticate(
            RequestFactory().post("/"), username="doctor", password="another-demo-password"
        )
        is not None
    )
    assert (
        authenticate(RequestFactory().post("/"), username="doctor", password=DEFAULT_PASSWORD)
        is None
    )
    key = base64.b32decode("KRSXG5CTMVRXEZLU")
    device = TOTPDevice.objects.get(user__username="doctor")
    assert device.verify_token(f"{totp(key):06d}")


@pytest.mark.django_db
def test_a_bad_totp_secret_is_refused_before_anything_is_written(monkeypatch, settings):
    monkeypatch.setenv("DEMO_TOTP_SECRET", "not base32 at all!")
    with pytest.raises(CommandError, match="DEMO_TOTP_SECRET"):
        run_seed()
    assert not Treatment.objects.exists()
    assert media_files(settings) == []


@pytest.mark.django_db
def test_an_existing_account_keeps_its_password(small_pictures):
    UserFactory(username="admin", password="the owner's own password")

    run_seed("--no-week")

    assert (
        authenticate(
            RequestFactory().post("/"), username="admin", password="the owner's own password"
        )
        is not None
    )
    assert (
        authenticate(RequestFactory().post("/"), username="admin", password=DEFAULT_PASSWORD)
        is None
    )


@pytest.mark.django_db
def test_a_failure_half_way_leaves_no_rows_and_no_files(monkeypatch, settings, small_pictures):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(seed, "_seed_agreements", broken)
    with pytest.raises(RuntimeError):
        run_seed()
    assert not Treatment.objects.exists()
    assert not Practitioner.objects.exists()
    assert media_files(settings) == []


def _codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return set(group.permissions.values_list("codename", flat=True))


def test_groups_get_exactly_their_permissions(seeded):
    front_desk = _codenames("Front desk")
    assert {
        "view_treatment",
        "view_category",
        "view_contraindication",
        "view_practitioner",
        "view_supervisionagreement",
        "view_workinghours",
        "add_workinghours",
        "change_workinghours",
        "view_timeoff",
        "add_timeoff",
        "change_timeoff",
    } <= front_desk
    for model in ("appointment", "client"):
        try:
            apps.get_model("bookings", model)
        except LookupError:
            continue
        assert {f"view_{model}", f"add_{model}", f"change_{model}"} <= front_desk
    group = Group.objects.get(name="Front desk")
    assert not group.permissions.filter(content_type__app_label="auth").exists()
    assert not any(codename.startswith("delete_") for codename in front_desk)
    # Intake answers are health data: not the front desk's.
    assert not {"view_intake", "view_medical_records"} & front_desk

    doctors = _codenames("Supervising doctors")
    assert {"view_treatment", "view_practitioner", "view_supervisionagreement"} <= doctors
    assert all(codename.startswith("view_") for codename in doctors)
    practitioners = _codenames("Practitioners")
    assert {"view_treatment", "view_workinghours", "view_timeoff"} <= practitioners
    assert all(codename.startswith("view_") for codename in practitioners)


def test_group_permissions_are_reset_to_the_exact_list(seeded):
    group = Group.objects.get(name="Front desk")
    expected = _codenames("Front desk")
    group.permissions.add(Permission.objects.get(codename="add_user"))
    group.permissions.remove(Permission.objects.get(codename="view_practitioner"))

    run_seed("--no-week")

    assert _codenames("Front desk") == expected
