"""G13 faults: the database connection killed between requests through gunicorn.

A real gunicorn (2 sync workers, the project's own `medspa.wsgi`, DEBUG=0) serves the
test database. Requests in concurrent pairs (so both workers take some) leave each
worker holding its persistent connection (CONN_MAX_AGE=600, health checks on). Then
every backend of the test database but the test's own is terminated with
`pg_terminate_backend`, as a database restart or a failover would, and 40 more requests
follow: the home page, a treatment page, the availability API, the booking form, a
booking POST (each must book), the manage page and /healthz. None may fail: Django's
connection health check notices the dead connection at the start of the request and
opens a new one. Then the same again after a second kill.

Gunicorn runs the production settings with one change, made by a two-line settings
module in the test's temporary folder: static files are served without the
collectstatic manifest (the manifest storage refuses to render a page without one,
and the tests never run collectstatic; tests/conftest.py makes the same change).
The access log records each worker's pid, to show that both served after each kill.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.reliability.live_http import MANAGE, Browser, page_title
from tests.security.helpers import facial_post, figure, working_days
from tests.spa import at

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="kills PostgreSQL backends with pg_terminate_backend (PostgreSQL only)",
    ),
]
ROOT = Path(settings.BASE_DIR)
WORKERS = 2
REQUESTS_AFTER = 40
SETTINGS_MODULE = "g13_gunicorn_settings"
SETTINGS_SOURCE = """\
from medspa.settings import *  # noqa: F403

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
"""
ACCESS_LOG_FORMAT = '%(p)s %(s)s "%(r)s"'
ACCESS_LINE = re.compile(r"^<(\d+)> (\d{3}) ")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "postgres")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@dataclass
class Gunicorn:
    url: str
    process: subprocess.Popen
    access_log: Path
    output: Path

    def served_by(self, skip_lines: int) -> tuple[set[str], int]:
        """Worker pids in the access log after its first `skip_lines` lines, and its length."""
        lines = self.access_log.read_text().splitlines()
        pids = {match[1] for line in lines[skip_lines:] if (match := ACCESS_LINE.match(line))}
        return pids, len(lines)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """gunicorn on the test database; stopped before the test database is flushed/dropped."""
    (tmp_path / f"{SETTINGS_MODULE}.py").write_text(SETTINGS_SOURCE)
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "EMAIL_HOST", "PYTHONPATH"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "HTTPS_ONLY": "0",
            "STAFF_MFA": "0",
            "BOOKING_RATE_LIMIT": "0",
            "DATABASE_URL": _database_url(),
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
    )
    access_log, output = tmp_path / "access.log", tmp_path / "gunicorn.log"
    with output.open("w") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "medspa.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--access-logfile",
                str(access_log),
                "--access-logformat",
                ACCESS_LOG_FORMAT,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Gunicorn(f"http://127.0.0.1:{port}", process, access_log, output)
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(process)


def _wait_until_up(server: Gunicorn) -> None:
    for _ in range(150):
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not come up:\n{server.output.read_text()[-3000:]}")


def _other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _kill_other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return sum(1 for (killed,) in cursor.fetchall() if killed)


class Visitor:
    """Walks the site like a client: pages, the API, and a booking now and then."""

    def __init__(self, server: Gunicorn, spa) -> None:
        self.browser = Browser(server.url)
        self.spa = spa
        self.slots = iter((day, hour) for day in working_days(30) for hour in (9, 11, 13, 15))
        self.manage = ""
        self.problems: list[str] = []
        self.lock = threading.Lock()

    def requests(self, count: int) -> list:
        slug = self.spa.facial.slug
        day = working_days(1)[0]
        pages = [
            ("GET", "/"),
            ("GET", f"/treatments/{slug}/"),
            ("GET", f"/api/availability/?treatment={slug}&date={day}&days=7"),
            ("GET", f"/book/{slug}/?start={urllib.parse.quote(at(day, 10).isoformat())}"),
            ("BOOK", ""),
            ("GET", "/treatments/"),
            ("MANAGE", ""),
            ("GET", "/healthz"),
        ]
        return [pages[n % len(pages)] for n in range(count)]

    def do(self, request) -> bool:
        """One request; False (and a note) for a 5xx, a dropped connection or a failed booking."""
        method, path = request
        if method == "BOOK":
            with self.lock:
                day, hour = next(self.slots)
                email = f"g13.{day}.{hour}@example.com"
            slug = self.spa.facial.slug
            start = facial_post(self.spa, day, hour=hour)["start"]
            form = self.browser.get(f"/book/{slug}/?start={urllib.parse.quote(start)}")
            response = self.browser.post(
                f"/book/{slug}/", facial_post(self.spa, day, hour=hour, email=email)
            )
            ok = form.status == 200 and response.status == 302
            ok = ok and bool(MANAGE.match(response.location))
            if ok:
                self.manage = response.location
            label = f"book {day} {hour}:00"
        else:
            if method == "MANAGE":
                path = self.manage or "/healthz"
            response = self.browser.get(path)
            ok = response.status == 200
            label = f"GET {path}"
        if not ok:
            self.problems.append(f"{label}: {response.status} {page_title(response.body)!r}")
        return ok


def _in_pairs(visitor: Visitor, requests: list) -> int:
    """Two at a time (both workers busy), in order; returns the number that failed."""
    results: list[bool] = []

    def one(request) -> None:
        results.append(visitor.do(request))

    for index in range(0, len(requests), 2):
        threads = [threading.Thread(target=one, args=(r,)) for r in requests[index : index + 2]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    # A request that never finished counts as failed too.
    return sum(1 for ok in results if not ok) + len(requests) - len(results)


def test_database_connections_killed_between_requests(gunicorn, spa):
    visitor = Visitor(gunicorn, spa)
    before = visitor.requests(16)
    errors_before = _in_pairs(visitor, before)
    served_before, seen = gunicorn.served_by(0)
    holding = _other_backends()

    rounds = []
    for _ in range(2):
        killed = _kill_other_backends()
        time.sleep(0.5)  # the workers' sockets see the server close them
        errors = _in_pairs(visitor, visitor.requests(REQUESTS_AFTER))
        served, seen_after = gunicorn.served_by(seen)
        rounds.append((killed, errors, len(served), seen_after - seen))
        seen = seen_after
    (killed, errors, served, logged), (killed_2, errors_2, served_2, _) = rounds
    figure(
        f"G13 db-kill through=gunicorn workers={WORKERS} requests_before={len(before)} "
        f"backends_killed={killed} requests_after={REQUESTS_AFTER} errors_after_kill={errors} "
        f"second_kill_backends={killed_2} errors_after_second_kill={errors_2} "
        f"workers_serving_after_kills={served},{served_2}"
    )
    assert errors_before == 0, visitor.problems
    assert len(served_before) == WORKERS and holding >= WORKERS, (served_before, holding)
    assert killed >= 1 and killed_2 >= 1
    assert (errors, errors_2) == (0, 0), visitor.problems
    assert (served, served_2) == (WORKERS, WORKERS)
    assert logged >= REQUESTS_AFTER  # bookings add a GET of the form each
    log = gunicorn.output.read_text()
    assert "Traceback" not in log, log[-3000:]
