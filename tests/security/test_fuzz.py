"""G8 fuzz: hypothesis drives each public form and the availability API with at least
1,000 generated inputs each: odd Unicode, NUL, surrogates, invalid UTF-8 (raw bytes,
percent-encoded), overlong values, repeated and unknown keys. Nothing is a 5xx."""

import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.services.appointments import appointment_book
from tests.security.helpers import figure
from tests.spa import at, client_details, next_working_day

pytestmark = pytest.mark.django_db
EXAMPLES = 1000
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
BOOKING_FIELDS = [
    "start",
    "practitioner",
    "first_name",
    "last_name",
    "email",
    "phone",
    "notes",
    "submission",
    "csrfmiddlewaretoken",
]
MEDICAL_FIELDS = [
    "date_of_birth",
    "pregnant_or_breastfeeding",
    "isotretinoin_last_6_months",
    "blood_thinners",
    "medications",
    "allergies",
    "conditions",
    "consent",
]
DAY = next_working_day()
PLAUSIBLE = [
    at(DAY, 10).isoformat(),
    at(DAY, 10, 5).isoformat(),
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-14:00",
    "2027-03-14T02:30:00-05:00",
    "yes",
    "no",
    "on",
    "1",
    "-1",
    "99999999999999999999999999",
    "1990-02-30",
    "mia@example.com",
    "212 555 0100",
    "",
]

text_bytes = st.text(max_size=60).map(lambda s: s.encode("utf-8"))
surrogates = st.text(
    alphabet=st.characters(categories=["Cs", "Co", "Cn", "Cc", "Zl", "Zp", "Mn"]), max_size=20
).map(lambda s: s.encode("utf-8", "surrogatepass"))
odd_unicode = st.sampled_from(
    ["\u202e", "\ufeff", "\u0000", "\U0001f600", "\u0301" * 40, "ǅ", "ﬃ", "İ", "\uffff", "\r\n"]
).map(lambda s: s.encode("utf-8"))
overlong = st.integers(min_value=100, max_value=20_000).map(lambda n: b"x" * n)
plausible = st.sampled_from(PLAUSIBLE).map(str.encode)
value = st.one_of(text_bytes, st.binary(max_size=40), surrogates, odd_unicode, overlong, plausible)


def _form_body(keys: list[str]):
    key = st.one_of(st.sampled_from(keys).map(str.encode), st.binary(max_size=12))
    pairs = st.lists(st.tuples(key, value), max_size=24)
    junk = st.one_of(st.just(b""), st.binary(max_size=30))
    return st.tuples(pairs, junk, st.booleans()).map(_encode)


def _encode(args) -> bytes:
    pairs, junk, raw = args
    if raw:
        # Raw, not percent-encoded: invalid UTF-8 and stray '&', '=' reach the parser.
        body = b"&".join(k + b"=" + v for k, v in pairs)
    else:
        body = b"&".join(
            urllib.parse.quote_from_bytes(k).encode()
            + b"="
            + urllib.parse.quote_from_bytes(v).encode()
            for k, v in pairs
        )
    return body + junk


class Counter:
    def __init__(self) -> None:
        self.requests = 0
        self.errors = 0
        self.statuses: dict[int, int] = {}

    def record(self, response) -> None:
        self.requests += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            self.errors += 1

    def line(self, target: str) -> None:
        figure(
            f"G8 target={target} inputs={self.requests} http_5xx={self.errors} "
            f"statuses={dict(sorted(self.statuses.items()))}"
        )
        assert self.requests >= EXAMPLES
        assert self.errors == 0


def _post(client, url: str, body: bytes):
    return client.generic(
        "POST", url, body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )


@pytest.mark.parametrize("kind", ["day_spa", "medical"])
def test_fuzz_booking_form(client, spa, kind):
    client.raise_request_exception = False
    url = f"/book/{(spa.facial if kind == 'day_spa' else spa.botox).slug}/"
    keys = BOOKING_FIELDS + (MEDICAL_FIELDS if kind == "medical" else [])
    counter = Counter()

    @FUZZ
    @given(body=_form_body(keys))
    def run(body: bytes) -> None:
        response = _post(client, url, body)
        counter.record(response)
        assert response.status_code < 500, body[:300]

    run()
    counter.line(f"POST/book/{kind}")


def test_fuzz_availability_api(client, spa):
    client.raise_request_exception = False
    counter = Counter()
    keys = ["treatment", "date", "days", "practitioner"]

    @FUZZ
    @given(query=_form_body(keys), slug=st.sampled_from([spa.facial.slug, spa.botox.slug, ""]))
    def run(query: bytes, slug: str) -> None:
        base = f"treatment={slug}&date={DAY}&".encode() if slug else b""
        response = client.get("/api/availability/", QUERY_STRING=(base + query).decode("latin-1"))
        counter.record(response)
        assert response.status_code < 500, query[:300]

    run()
    counter.line("GET/api/availability")


def test_fuzz_reschedule(client, spa):
    client.raise_request_exception = False
    appointment = appointment_book(
        treatment=spa.facial,
        practitioner=spa.esthetician,
        start=at(DAY, 9),
        client=client_details(),
    )
    url = f"/bookings/{appointment.token}/reschedule/"
    counter = Counter()

    @FUZZ
    @given(body=_form_body(["start", "practitioner", "date", "from"]))
    def run(body: bytes) -> None:
        response = _post(client, url, body)
        counter.record(response)
        assert response.status_code < 500, body[:300]

    run()
    counter.line("POST/reschedule")
