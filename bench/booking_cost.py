"""What one online booking costs: SQL statements, Python CPU and PostgreSQL CPU.

Run after `make bench`, on its database (BENCH_DATABASE_URL names another seeded
PostgreSQL database on this machine; the server must be local, its CPU is read from
/proc; DATABASE_URL is ignored, so a server's own database is never booked into):

    .venv/bin/python bench/booking_cost.py            # 300 bookings
    BOOKINGS=200 .venv/bin/python bench/booking_cost.py

It books different free slots of the bench's facial through Django's test client
(every middleware, the form, the service, the mail sent after commit to the console
backend, which writes to /dev/null here), then cancels its own bookings. Python CPU is
`time.process_time()`; PostgreSQL's is the CPU time of this connection's backend
process before and after.
"""

import contextlib
import datetime
import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# It books (then cancels) hundreds of appointments: never the DATABASE_URL of a server.
os.environ.update(
    DATABASE_URL=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/medspa_bench"
    ),
    DJANGO_SETTINGS_MODULE="medspa.settings",
    DEBUG="0",
    SECRET_KEY=secrets.token_urlsafe(50),
    ALLOWED_HOSTS="testserver",
    HTTPS_ONLY="0",
    BOOKING_RATE_LIMIT="0",
)
os.environ.pop("EMAIL_HOST", None)  # never mail anyone from a benchmark

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bookings.models import Appointment  # noqa: E402

TREATMENT = "express-glow-facial"  # as bench/run.py's booking POSTs
EMAILS = "bench.cost{}@example.com"
WARM_UP = 10


def free_slots(browser: Client, count: int) -> list[dict]:
    """`count` free slots that do not overlap, 45 minutes apart per practitioner."""
    slots: list[dict] = []
    day = timezone.localdate() + datetime.timedelta(days=7)
    for _ in range(3):
        response = browser.get(f"/api/availability/?treatment={TREATMENT}&date={day}&days=30")
        if response.status_code == 200:
            slots += response.json()["slots"]
        day += datetime.timedelta(days=30)
    last: dict[int, datetime.datetime] = {}
    chosen = []
    for slot in slots:
        start = datetime.datetime.fromisoformat(slot["start"])
        previous = last.get(slot["practitioner"])
        if previous is not None and start < previous + datetime.timedelta(minutes=45):
            continue
        last[slot["practitioner"]] = start
        chosen.append(slot)
    if len(chosen) < count:
        raise SystemExit(f"booking_cost: only {len(chosen)} free slots, {count} needed")
    return chosen[:: max(1, len(chosen) // count)][:count]


def form(number: int, slot: dict) -> dict[str, str]:
    return {
        "start": slot["start"],
        "practitioner": str(slot["practitioner"]),
        "first_name": "Bench",
        "last_name": f"Cost{number}",
        "email": EMAILS.format(number),
        "phone": "(212) 555-0100",
        "notes": "",
        "submission": secrets.token_urlsafe(18),
    }


def backend_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cancel_own_bookings() -> None:
    Appointment.objects.filter(client__email__startswith="bench.cost").exclude(
        status=Appointment.Status.CANCELLED
    ).update(status=Appointment.Status.CANCELLED, cancelled_at=timezone.now())


def main() -> None:
    count = int(os.environ.get("BOOKINGS", "300"))
    cancel_own_bookings()
    browser = Client()
    slots = free_slots(browser, count + WARM_UP)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            for number, slot in enumerate(slots[:WARM_UP]):
                response = browser.post(f"/book/{TREATMENT}/", form(number, slot))
                assert response.status_code == 302, response.status_code
            with CaptureQueriesContext(connection) as one_booking:
                response = browser.post(f"/book/{TREATMENT}/", form(WARM_UP, slots[WARM_UP]))
            assert response.status_code == 302, response.status_code
            # Read now: the next request clears the connection's query log.
            statements = [query["sql"].split()[0] for query in one_booking.captured_queries]
            python, wall = time.process_time(), time.perf_counter()
            database = backend_cpu_seconds(backend)
            for number, slot in enumerate(slots[WARM_UP + 1 :], start=WARM_UP + 1):
                response = browser.post(f"/book/{TREATMENT}/", form(number, slot))
                assert response.status_code == 302, response.status_code
            measured = count - 1
            python = (time.process_time() - python) / measured
            wall = (time.perf_counter() - wall) / measured
            database = (backend_cpu_seconds(backend) - database) / measured
    finally:
        cancel_own_bookings()
    print(f"bookings measured: {measured}")
    print(f"SQL statements a booking: {len(statements)} ({' '.join(statements)})")
    print(f"Python CPU a booking: {1000 * python:.1f} ms")
    print(f"PostgreSQL CPU a booking: {1000 * database:.1f} ms")
    print(f"wall time a booking, one at a time: {1000 * wall:.1f} ms")


if __name__ == "__main__":
    main()
