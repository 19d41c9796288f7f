"""G5 tampering: every public and staff form, given what a browser would never send.

Another, inactive or unqualified practitioner; a retired treatment; a past, off-grid,
out-of-hours or year-9999 time; injected status, price, client, token, source and
submission fields; duplicate parameters. Each is refused, or accepted with the
injected values ignored: nothing the server computes is ever taken from the client.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.test.client import encode_multipart
from django.utils.datastructures import MultiValueDict

from bookings.models import Appointment, Client, Review, TreatmentRecord
from bookings.services.appointments import appointment_book
from bookings.services.records import ChartEntry, needs_cosignature
from tests.factories import PractitionerFactory, TreatmentFactory, UserFactory, WorkingHoursFactory
from tests.security.helpers import (
    botox_post,
    facial_post,
    figure,
    front_desk_user,
    working_days,
)
from tests.spa import (
    CONSENT,
    NY,
    at,
    client_details,
    complete_visit,
    intake_answers,
    next_working_day,
)

pytestmark = pytest.mark.django_db
INJECTED_TOKEN = "T" * 43
ADD_URL = "/admin/bookings/appointment/add/"


@dataclass
class Tally:
    form: str
    attempts: int = 0
    refused: int = 0
    accepted: int = 0
    http_5xx: int = 0
    bad: list[str] = field(default_factory=list)

    def line(self) -> str:
        return figure(
            f"G5 form={self.form} attempts={self.attempts} refused={self.refused} "
            f"accepted_ignoring_injection={self.accepted} stored_bad={len(self.bad)} "
            f"http_5xx={self.http_5xx}"
        )

    def check(self) -> None:
        self.line()
        assert self.http_5xx == 0
        assert self.bad == []


def _multi(pairs: list[tuple[str, str]]) -> bytes:
    """A body with repeated keys (two `practitioner`, two `start`...)."""
    data = MultiValueDict()
    for key, value in pairs:
        data.appendlist(key, value)
    return encode_multipart("BoUnDaRy", data)


def _post_pairs(client, url: str, pairs: list[tuple[str, str]]):
    return client.generic(
        "POST", url, _multi(pairs), content_type="multipart/form-data; boundary=BoUnDaRy"
    )


def _pairs(data: dict, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [*data.items(), *extra]


def _problems(appointment: Appointment, *, source: str, email: str | None) -> list[str]:
    """What in a stored appointment the server should have computed but did not."""
    problems = []
    treatment = appointment.treatment
    local = appointment.start.astimezone(NY)
    practitioner = appointment.practitioner
    if not treatment.is_active:
        problems.append("retired treatment")
    if not practitioner.is_active:
        problems.append("inactive practitioner")
    if not practitioner.qualified_treatments.filter(pk=treatment.pk).exists():
        problems.append("unqualified practitioner")
    if local.minute % 15 or local.second or local.microsecond:
        problems.append(f"off-grid start {local}")
    if not (
        datetime.time(9) <= local.time()
        and appointment.blocked_until.astimezone(NY).time() <= datetime.time(17)
    ):
        problems.append(f"out of hours {local}")
    if local.date() > next_working_day(0) + datetime.timedelta(days=91):
        problems.append("past the booking window")
    if appointment.start <= datetime.datetime.now(datetime.UTC):
        problems.append("in the past")
    if appointment.end - appointment.start != datetime.timedelta(
        minutes=treatment.duration_minutes
    ):
        problems.append("wrong duration")
    if appointment.price != treatment.price:
        problems.append(f"price {appointment.price}")
    expected_status = "pending_review" if treatment.is_medical else "confirmed"
    if appointment.status != expected_status:
        problems.append(f"status {appointment.status}")
    if appointment.source != source:
        problems.append(f"source {appointment.source}")
    if appointment.token == INJECTED_TOKEN or len(appointment.token) < 40:
        problems.append("token")
    if email is not None and appointment.client_email != email:
        problems.append(f"client {appointment.client_email}")
    if appointment.submission_key in ("INJECTED", INJECTED_TOKEN):
        problems.append("submission key")
    return problems


@pytest.fixture(autouse=True)
def _count_server_errors(client):
    """A 500 is counted (http_5xx), not raised: the gate reports every one."""
    client.raise_request_exception = False


@pytest.fixture
def victim_client(db):
    return Client.objects.create(
        first_name="Eve", last_name="Victim", email="eve@example.com", phone="212 555 0111"
    )


@pytest.fixture
def odd_people(spa):
    """An inactive but qualified practitioner, an unqualified one, a retired treatment."""
    inactive = PractitionerFactory(
        display_name="Ina Inactive", is_active=False, qualified_treatments=[spa.facial, spa.botox]
    )
    unqualified = PractitionerFactory(display_name="Una Unqualified", qualified_treatments=[])
    for person in (inactive, unqualified):
        for weekday in range(6):
            WorkingHoursFactory(practitioner=person, weekday=weekday)
    retired = TreatmentFactory(name="Retired wrap", slug="retired-wrap", is_active=False)
    spa.esthetician.qualified_treatments.add(retired)
    return {"inactive": inactive, "unqualified": unqualified, "retired": retired}


def _time_cases(day: datetime.date, start_key: str = "start") -> list[tuple[str, dict]]:
    return [
        ("past", {start_key: "2020-01-06T10:00:00-05:00"}),
        ("off-grid", {start_key: at(day, 10, 5).isoformat()}),
        ("seconds", {start_key: at(day, 10).replace(second=1).isoformat()}),
        ("out-of-hours", {start_key: at(day, 6).isoformat()}),
        ("ends-after-hours", {start_key: at(day, 16, 45).isoformat()}),
        ("midnight", {start_key: at(day, 0).isoformat()}),
        ("year-9999", {start_key: "9999-12-31T10:00:00-05:00"}),
        ("year-2099", {start_key: "2099-12-31T10:00:00-05:00"}),
        ("naive", {start_key: at(day, 10).replace(tzinfo=None).isoformat()}),
        ("utc-z", {start_key: at(day, 10).astimezone(datetime.UTC).isoformat()}),
        ("odd-offset", {start_key: "2027-06-08T10:00:00+13:45"}),
        ("garbage", {start_key: "'; DROP TABLE x; --"}),
        ("empty", {start_key: ""}),
    ]


def test_public_booking_form(client, spa, odd_people, victim_client):
    day = next_working_day()
    tally = Tally("booking")
    facial = f"/book/{spa.facial.slug}/"
    botox = f"/book/{spa.botox.slug}/"
    injected = {
        "status": "completed",
        "price": "0.01",
        "client": str(victim_client.pk),
        "client_id": str(victim_client.pk),
        "token": INJECTED_TOKEN,
        "source": "front_desk",
        "supervising_physician": str(spa.esthetician.pk),
        "submission_key": "INJECTED",
        "end": at(day, 23).isoformat(),
        "blocked_until": at(day, 10, 1).isoformat(),
        "id": "1",
    }
    slots = iter([(d, h) for d in working_days(8) for h in (9, 11, 13, 15)])

    def free(builder, **overrides):
        slot_day, slot_hour = next(slots)
        return builder(spa, slot_day, hour=slot_hour, **overrides)

    cases: list[tuple[str, str, list[tuple[str, str]]]] = []
    for name, overrides in _time_cases(day):
        cases.append((f"facial {name}", facial, _pairs(facial_post(spa, day, **overrides))))
        cases.append((f"botox {name}", botox, _pairs(botox_post(spa, day, **overrides))))
    for who in ("inactive", "unqualified"):
        pk = str(odd_people[who].pk)
        cases.append((f"facial {who}", facial, _pairs(facial_post(spa, day, practitioner=pk))))
        cases.append((f"botox {who}", botox, _pairs(botox_post(spa, day, practitioner=pk))))
    cases += [
        # An esthetician may not perform Botox; a physician without hours is not free.
        (
            "botox esthetician",
            botox,
            _pairs(botox_post(spa, day, practitioner=str(spa.esthetician.pk))),
        ),
        ("botox doctor", botox, _pairs(botox_post(spa, day, practitioner=str(spa.doctor.pk)))),
        ("facial practitioner 0", facial, _pairs(facial_post(spa, day, practitioner="0"))),
        ("facial practitioner -1", facial, _pairs(facial_post(spa, day, practitioner="-1"))),
        ("facial practitioner huge", facial, _pairs(facial_post(spa, day, practitioner="9" * 30))),
        ("retired", f"/book/{odd_people['retired'].slug}/", _pairs(facial_post(spa, day))),
        ("botox no consent", botox, _pairs(botox_post(spa, day, consent=""))),
        ("botox minor", botox, _pairs(botox_post(spa, day, date_of_birth="2015-01-01"))),
        ("botox dob 9999", botox, _pairs(botox_post(spa, day, date_of_birth="9999-12-31"))),
        ("botox dob 0001", botox, _pairs(botox_post(spa, day, date_of_birth="0001-01-01"))),
        ("botox pregnant", botox, _pairs(botox_post(spa, day, pregnant_or_breastfeeding="yes"))),
        ("submission injected", facial, _pairs(facial_post(spa, day, submission="../../x"))),
        # Duplicates: a valid value and a bad one, in both orders.
        (
            "two practitioners (bad last)",
            facial,
            _pairs(free(facial_post), ("practitioner", str(odd_people["unqualified"].pk))),
        ),
        (
            "two practitioners (inactive last)",
            facial,
            _pairs(free(facial_post), ("practitioner", str(odd_people["inactive"].pk))),
        ),
        (
            "two starts (off-grid last)",
            facial,
            _pairs(free(facial_post), ("start", at(day, 12, 7).isoformat())),
        ),
        (
            "two starts (past last)",
            facial,
            _pairs(free(facial_post), ("start", "2020-01-06T10:00:00-05:00")),
        ),
        ("two consents", botox, _pairs(free(botox_post), ("consent", ""))),
        (
            "two emails",
            facial,
            _pairs(free(facial_post, email="a@example.com"), ("email", "eve@example.com")),
        ),
    ]
    # Injected server-side fields on otherwise valid bookings: accepted, ignored.
    for slug_url, builder in ((facial, facial_post), (botox, botox_post)):
        data = free(builder, email=f"inj{len(cases)}@example.com")
        cases.append((f"injected {slug_url}", slug_url, _pairs(data, *injected.items())))
    # Dupes where the valid value comes last: accepted, but only the valid one is used.
    data = free(facial_post, email="dupe@example.com")
    cases.append(
        (
            "two practitioners (valid last)",
            facial,
            [("practitioner", str(odd_people["unqualified"].pk)), *data.items()],
        )
    )

    for name, url, pairs in cases:
        before = set(Appointment.objects.values_list("pk", flat=True))
        response = _post_pairs(client, url, pairs)
        tally.attempts += 1
        if response.status_code >= 500:
            tally.http_5xx += 1
            continue
        created = Appointment.objects.exclude(pk__in=before)
        if response.status_code in (302, 303):
            appointment = created.get()
            email = dict(pairs)["email"] if "two emails" not in name else None
            problems = _problems(appointment, source="online", email=email)
            if name.startswith("two emails") and appointment.client_email not in (
                "a@example.com",
                "eve@example.com",
            ):
                problems.append("client")
            if appointment.client_id == victim_client.pk and "two emails" not in name:
                problems.append("victim client")
            tally.accepted += 1
            tally.bad += [f"{name}: {p}" for p in problems]
        else:
            tally.refused += 1
            if created.exists():
                tally.bad.append(f"{name}: refused but stored")
    victim_client.refresh_from_db()
    if (victim_client.first_name, victim_client.phone) != ("Eve", "212 555 0111"):
        tally.bad.append("an anonymous form changed an existing client's details")
    tally.check()
    assert tally.refused >= len(_time_cases(day)) * 2


@pytest.fixture
def booked(spa):
    return appointment_book(
        treatment=spa.facial,
        practitioner=spa.esthetician,
        start=at(next_working_day(), 10),
        client=client_details(),
    )


def test_reschedule_form(client, spa, booked, odd_people):
    day = next_working_day()
    url = f"/bookings/{booked.token}/reschedule/"
    tally = Tally("reschedule")
    cases = [(name, _pairs(data)) for name, data in _time_cases(day)]
    cases += [
        (
            "practitioner injected",
            [
                ("start", at(day, 14).isoformat()),
                ("practitioner", str(odd_people["unqualified"].pk)),
            ],
        ),
        (
            "status/price/token",
            [
                ("start", at(day, 14, 15).isoformat()),
                ("status", "completed"),
                ("price", "0"),
                ("token", INJECTED_TOKEN),
                ("client", "1"),
            ],
        ),
        (
            "two starts (bad last)",
            [("start", at(day, 15).isoformat()), ("start", at(day, 6).isoformat())],
        ),
        (
            "two starts (bad first)",
            [("start", "9999-12-31T10:00:00-05:00"), ("start", at(day, 15, 30).isoformat())],
        ),
    ]
    for name, pairs in cases:
        response = _post_pairs(client, url, pairs)
        tally.attempts += 1
        if response.status_code >= 500:
            tally.http_5xx += 1
            continue
        booked.refresh_from_db()
        moved = response.status_code in (302, 303)
        tally.accepted += moved
        tally.refused += not moved
        problems = _problems(booked, source="online", email="mia@example.com")
        if booked.practitioner_id != spa.esthetician.pk:
            problems.append("practitioner changed")
        tally.bad += [f"{name}: {p}" for p in problems]
    tally.check()


@pytest.fixture
def pending(spa):
    spa.nurse.user = UserFactory(username="nurse")
    spa.nurse.save()
    return appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=at(next_working_day(), 11),
        client=client_details("botox@example.com"),
        intake=intake_answers(),
        consent=CONSENT,
    )


def test_doctor_decision_form(client, spa, pending, odd_people):
    from tests.factories import PhysicianFactory

    other = PhysicianFactory(display_name="Dr. Other")
    # The treatment needs a good-faith exam, so the exam fields are on the form too.
    spa.botox.requires_gfe = True
    spa.botox.save()
    client.force_login(spa.doctor.user)
    url = f"/doctor/reviews/{pending.review.pk}/"
    tally = Tally("doctor-decision")
    cases = [
        ("raw approved", [("decision", "approved"), ("note", "x")]),
        ("cancel", [("decision", "cancel"), ("note", "x")]),
        ("empty", [("decision", ""), ("note", "x")]),
        ("decline without note", [("decision", "decline"), ("note", "")]),
        ("note with NUL", [("decision", "approve"), ("note", "ok\x00")]),
        ("overlong note", [("decision", "approve"), ("note", "x" * 2001)]),
        (
            "future exam",
            [
                ("decision", "approve"),
                ("note", "x"),
                ("gfe_performed_on", "9999-12-31"),
                ("gfe_findings", "fine"),
            ],
        ),
        (
            "exam date garbage",
            [
                ("decision", "approve"),
                ("note", "x"),
                ("gfe_performed_on", "0000-00-00"),
                ("gfe_findings", "fine"),
            ],
        ),
        ("approve without the exam", [("decision", "approve"), ("note", "x")]),
        (
            "two decisions (decline last, no note)",
            [("decision", "approve"), ("decision", "decline"), ("note", "")],
        ),
        # Accepted, every injected field ignored: approve by the assigned doctor.
        (
            "injected",
            [
                ("decision", "approve"),
                ("note", "Fine."),
                ("physician", str(other.pk)),
                ("gfe_findings", "History, exam and plan."),
                ("examiner", str(other.pk)),
                ("status", "completed"),
                ("appointment", "1"),
                ("decided_at", "2000-01-01T00:00:00Z"),
                ("price", "0"),
            ],
        ),
    ]
    for name, pairs in cases:
        response = _post_pairs(client, url, pairs)
        tally.attempts += 1
        if response.status_code >= 500:
            tally.http_5xx += 1
            continue
        review = Review.objects.select_related("appointment").get(pk=pending.review.pk)
        accepted = response.status_code in (302, 303)
        tally.accepted += accepted
        tally.refused += not accepted
        appointment = review.appointment
        if review.physician_id != spa.doctor.pk or appointment.supervising_physician_id != (
            spa.doctor.pk
        ):
            tally.bad.append(f"{name}: physician changed")
        if appointment.price != spa.botox.price:
            tally.bad.append(f"{name}: price changed")
        if review.decision == "pending":
            if appointment.status != "pending_review":
                tally.bad.append(f"{name}: status {appointment.status}")
        elif name != "injected":
            tally.bad.append(f"{name}: decided ({review.decision})")
        elif review.decision != "approved" or appointment.status != "confirmed":
            tally.bad.append(f"{name}: {review.decision}/{appointment.status}")
        if review.decided_at and review.decided_at.year == 2000:
            tally.bad.append(f"{name}: decided_at taken from the form")
    tally.check()


def _add_form(spa, day, **overrides):
    data = {
        "treatment": str(spa.facial.pk),
        "practitioner": str(spa.esthetician.pk),
        "start_date": day.isoformat(),
        "start_time": "10:00",
        "first_name": "Phone",
        "last_name": "Caller",
        "email": "caller@example.com",
        "phone": "212 555 0199",
        "notes": "",
    }
    data.update(overrides)
    return data


def _medical(spa, **overrides):
    values = {
        "treatment": str(spa.botox.pk),
        "practitioner": str(spa.nurse.pk),
        "date_of_birth": "1990-01-01",
        "pregnant_or_breastfeeding": "no",
        "isotretinoin_last_6_months": "no",
        "blood_thinners": "no",
        "consent_by_phone": "on",
    }
    values.update(overrides)
    return values


def test_admin_add_and_move_forms(client, spa, odd_people, victim_client):
    day = next_working_day()
    client.force_login(front_desk_user())
    tally = Tally("admin-add+move")
    injected = [
        ("status", "completed"),
        ("price", "0.01"),
        ("token", INJECTED_TOKEN),
        ("source", "online"),
        ("client", str(victim_client.pk)),
        ("supervising_physician", str(spa.esthetician.pk)),
        ("submission_key", "INJECTED"),
    ]
    time_cases = [
        ("past", {"start_date": "2020-01-06"}),
        ("off-grid", {"start_time": "10:05"}),
        ("seconds", {"start_time": "10:00:01"}),
        ("out-of-hours", {"start_time": "06:00"}),
        ("ends-after-hours", {"start_time": "16:45"}),
        ("year-9999", {"start_date": "9999-12-31"}),
        ("time 25:00", {"start_time": "25:00"}),
        ("garbage", {"start_date": "'; DROP TABLE x; --"}),
    ]
    cases: list[tuple[str, list[tuple[str, str]]]] = []
    for name, overrides in time_cases:
        cases.append((f"add {name}", _pairs(_add_form(spa, day, **overrides))))
    for who in ("inactive", "unqualified"):
        cases.append(
            (f"add {who}", _pairs(_add_form(spa, day, practitioner=str(odd_people[who].pk))))
        )
    cases += [
        ("add retired", _pairs(_add_form(spa, day, treatment=str(odd_people["retired"].pk)))),
        (
            "add esthetician botox",
            _pairs(_add_form(spa, day, **_medical(spa, practitioner=str(spa.esthetician.pk)))),
        ),
        ("add botox no consent", _pairs(_add_form(spa, day, **_medical(spa, consent_by_phone="")))),
        (
            "add botox pregnant",
            _pairs(_add_form(spa, day, **_medical(spa, pregnant_or_breastfeeding="yes"))),
        ),
        (
            "add two practitioners (bad last)",
            _pairs(
                _add_form(spa, day, start_time="11:30"),
                ("practitioner", str(odd_people["unqualified"].pk)),
            ),
        ),
        (
            "add two start times (bad last)",
            _pairs(_add_form(spa, day, start_time="11:30"), ("start_time", "06:00")),
        ),
        (
            "add injected",
            _pairs(_add_form(spa, day, start_time="13:00", email="inj@example.com"), *injected),
        ),
    ]
    for name, pairs in cases:
        before = set(Appointment.objects.values_list("pk", flat=True))
        response = _post_pairs(client, ADD_URL, pairs)
        tally.attempts += 1
        if response.status_code >= 500:
            tally.http_5xx += 1
            continue
        created = list(Appointment.objects.exclude(pk__in=before))
        if response.status_code == 302 and created:
            tally.accepted += 1
            (appointment,) = created
            tally.bad += [
                f"{name}: {p}"
                for p in _problems(appointment, source="front_desk", email=dict(pairs)["email"])
            ]
        else:
            tally.refused += 1
            if created:
                tally.bad.append(f"{name}: refused but stored")

    appointment = appointment_book(
        treatment=spa.facial,
        practitioner=spa.esthetician,
        start=at(day, 15),
        client=client_details("move@example.com"),
    )
    change = f"/admin/bookings/appointment/{appointment.pk}/change/"
    management = [
        ("events-TOTAL_FORMS", "1"),
        ("events-INITIAL_FORMS", "1"),
        ("events-MIN_NUM_FORMS", "0"),
        ("events-MAX_NUM_FORMS", "1000"),
    ]

    def move(**overrides):
        values = {"start_date": day.isoformat(), "start_time": "15:00"}
        values.update(overrides)
        return [*values.items(), *management]

    move_cases = [(f"move {n}", move(**o)) for n, o in time_cases]
    move_cases += [
        (
            "move inactive",
            move(start_time="14:00", new_practitioner=str(odd_people["inactive"].pk)),
        ),
        (
            "move unqualified",
            move(start_time="14:00", new_practitioner=str(odd_people["unqualified"].pk)),
        ),
        (
            "move two practitioners (bad last)",
            [
                *move(start_time="14:00", new_practitioner=str(spa.nurse.pk)),
                ("new_practitioner", str(odd_people["unqualified"].pk)),
            ],
        ),
        (
            "move injected",
            [*move(start_time="14:00"), *injected, ("treatment", str(odd_people["retired"].pk))],
        ),
    ]
    for name, pairs in move_cases:
        response = _post_pairs(client, change, pairs)
        tally.attempts += 1
        if response.status_code >= 500:
            tally.http_5xx += 1
            continue
        appointment.refresh_from_db()
        accepted = response.status_code == 302
        tally.accepted += accepted
        tally.refused += not accepted
        problems = _problems(appointment, source="online", email="move@example.com")
        if appointment.treatment_id != spa.facial.pk:
            problems.append("treatment changed")
        tally.bad += [f"{name}: {p}" for p in problems]
    tally.check()


_complete = complete_visit


def test_chart_form(client, spa, pending):
    Review.objects.filter(appointment=pending).update(
        decision="approved", decided_at=datetime.datetime.now(datetime.UTC)
    )
    _complete(pending)
    other = appointment_book(
        treatment=spa.botox,
        practitioner=spa.nurse,
        start=at(next_working_day(), 14),
        client=client_details("other@example.com"),
        intake=intake_answers(),
        consent=CONSENT,
    )
    client.force_login(spa.nurse.user)
    url = f"/staff/appointments/{pending.pk}/record/"
    good = {
        "what_was_done": "Glabella treated.",
        "product": "Botox Cosmetic",
        "lot_number": "C1234",
        "lot_expiry": "2030-01-01",
        "units_per_area": "Glabella: 20",
    }
    tally = Tally("chart")
    cases = [
        ("expired lot", {**good, "lot_expiry": "2000-01-01"}),
        ("lot 0001", {**good, "lot_expiry": "0001-01-01"}),
        ("lot garbage", {**good, "lot_expiry": "'; DROP"}),
        ("no product", {**good, "product": ""}),
        ("NUL", {**good, "what_was_done": "x\x00"}),
        ("overlong", {**good, "what_was_done": "x" * 5001}),
        (
            "injected",
            {
                **good,
                "author": str(spa.doctor.pk),
                "cosigned_by": str(spa.doctor.pk),
                "cosigned_at": "2000-01-01T00:00:00Z",
                "needs_cosign": "",
                "version": "99",
                "appointment": str(other.pk),
                "amends": "1",
            },
        ),
    ]
    for _name, data in cases:
        response = _post_pairs(client, url, list(data.items()))
        tally.attempts += 1
        if response.status_code >= 500:
            tally.http_5xx += 1
            continue
        accepted = response.status_code == 302
        tally.accepted += accepted
        tally.refused += not accepted
    records = list(TreatmentRecord.objects.all())
    for record in records:
        if record.appointment_id != pending.pk:
            tally.bad.append("record on another appointment")
        if record.author_id != spa.nurse.pk or record.cosigned_by_id or record.version != 1:
            tally.bad.append("server-computed chart fields taken from the form")
        if record.needs_cosign != needs_cosignature(pending):
            tally.bad.append("needs_cosign taken from the form")
    if len(records) != 1:
        tally.bad.append(f"{len(records)} records stored")
    # Another practitioner's appointment id, or a day-spa one: 404, nothing written.
    for target in (other.pk, 999_999):
        tally.attempts += 1
        response = _post_pairs(client, f"/staff/appointments/{target}/record/", list(good.items()))
        tally.http_5xx += response.status_code >= 500
        tally.refused += response.status_code != 302
    assert ChartEntry  # the form's fields are the chart's dataclass fields
    assert Decimal(spa.botox.price) == pending.price
    tally.check()


def test_deciding_an_already_decided_review_is_refused_not_an_error(client, spa, pending):
    client.raise_request_exception = False
    client.force_login(spa.doctor.user)
    url = f"/doctor/reviews/{pending.review.pk}/"
    first = client.post(url, {"decision": "approve", "note": "Fine."})
    again = client.post(url, {"decision": "decline", "note": "changed my mind"})
    figure(
        f"G5 form=doctor-decision-twice attempts=2 first={first.status_code} "
        f"second={again.status_code} http_5xx={int(again.status_code >= 500)}"
    )
    assert first.status_code == 302
    assert again.status_code < 500
    assert Review.objects.get(pk=pending.review.pk).decision == "approved"


@pytest.mark.parametrize("form", ["add", "move"])
def test_admin_forms_refuse_year_one(client, spa, form):
    client.raise_request_exception = False
    client.force_login(front_desk_user())
    day = next_working_day()
    if form == "add":
        response = client.post(ADD_URL, _add_form(spa, day, start_date="0001-01-01"))
    else:
        appointment = appointment_book(
            treatment=spa.facial,
            practitioner=spa.esthetician,
            start=at(day, 15),
            client=client_details("move@example.com"),
        )
        response = client.post(
            f"/admin/bookings/appointment/{appointment.pk}/change/",
            {
                "start_date": "0001-01-01",
                "start_time": "10:00",
                "events-TOTAL_FORMS": "1",
                "events-INITIAL_FORMS": "1",
                "events-MIN_NUM_FORMS": "0",
                "events-MAX_NUM_FORMS": "1000",
            },
        )
    figure(f"G5 form=admin-{form}-year-0001 status={response.status_code}")
    assert response.status_code == 200
    assert Appointment.objects.filter(start__year=1).count() == 0
