"""`make bench`: load-test the site the way a busy spa loads it, on this machine.

1. A fresh Postgres database (`medspa_bench` on the local server, dropped first), or
   DATABASE_URL as given; migrate; `seed_demo --clients 20000 --appointments 100000`
   (timed); collectstatic.
2. gunicorn exactly as `make serve` starts it (DEBUG=0; HTTPS_ONLY=0 for plain HTTP
   on loopback; a fresh random SECRET_KEY; BOOKING_RATE_LIMIT=0 so one address may
   book many times; BENCH_CEILING=1 routes the ceiling page; REDIS_URL: a Redis
   database of its own, BENCH_REDIS_URL, emptied first). STAFF_MFA stays on:
   the doctor and the front desk sign in with password and the current TOTP code.
3. wrk (installed with apt-get when missing) against 127.0.0.1 only: every endpoint
   for BENCH_SECONDS (15) at each concurrency (4 and 8: the goals' own), BENCH_ROUNDS (3) rounds;
   the median of the rounds is reported, with requests/s as a ratio of the ceiling
   (a bare view through the same stack) measured in the same round.
4. Prints the table and writes bench/RESULTS.md (another volume than 100,000
   appointments: bench/RESULTS-<appointments>.md; or BENCH_RESULTS), with the volume
   measured, counted in the database; stops gunicorn.

Environment: BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONCURRENCY ("4,8"), BENCH_PORT
(8765), WEB_CONCURRENCY (2), BENCH_CLIENTS, BENCH_APPOINTMENTS, BENCH_REUSE_DB=1
(skip create/migrate/seed: rerun against the database as it is), BENCH_ONLY (comma-
separated endpoint names), BENCH_RESULTS (the results file).

Flat as the data grows: `BENCH_APPOINTMENTS=1000000 BENCH_ROUNDS=1 make bench` runs
the same bench on ten times the appointments: the same staff and the same next three
months as at 100,000, with the rest as years of fully booked history (seed_demo
hires staff for at most 100,000: bookings/demo/bulk.py). Its seeding takes about five
minutes here; results in bench/RESULTS-1000000.md (to rerun on that data with
BENCH_REUSE_DB=1, give BENCH_APPOINTMENTS=1000000 too: it names the file).
"""

import datetime
import http.cookiejar
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://{HOST}:{PORT}"
SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONCURRENCY = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "4,8").split(",")]
WORKERS = int(os.environ.get("WEB_CONCURRENCY", "2"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20000"))
DEFAULT_APPOINTMENTS = 100_000
APPOINTMENTS = int(os.environ.get("BENCH_APPOINTMENTS", str(DEFAULT_APPOINTMENTS)))
# Another volume writes its own file: a 10x round never replaces the 100,000 results.
RESULTS = Path(
    os.environ.get("BENCH_RESULTS")
    or BENCH
    / ("RESULTS.md" if APPOINTMENTS == DEFAULT_APPOINTMENTS else f"RESULTS-{APPOINTMENTS}.md")
)
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/medspa_bench"
# A Redis database of the bench's own on the local server, emptied before each run.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
SPREAD_DAYS = 40  # "over 40 different days in turn"
PASSWORD = os.environ.get("DEMO_PASSWORD") or "medspa-demo"
TOTP_SECRET = os.environ.get("DEMO_TOTP_SECRET") or "JBSWY3DPEHPK3PXP"
DAY_SPA = "signature-hydrating-facial"
MEDICAL = "botox-wrinkle-relaxer"
BOOKED = "express-glow-facial"  # booking POSTs: a short day-spa treatment
# Issue 14's goals: endpoint -> (concurrency, ratio of the ceiling at least or None,
# p95 under ms). Booking POSTs must also have no failure at all.
TARGETS = {
    "home": (8, 0.50, 15),
    "treatments": (8, 0.50, 15),
    "treatment page": (8, 0.50, 15),
    "booking page GET": (8, 0.30, 25),
    "availability 1 day, day spa": (8, 0.30, 25),
    "availability 1 day, medical": (8, 0.30, 25),
    f"booking page, {SPREAD_DAYS} days in turn": (8, 0.10, 60),
    f"availability 1 day, {SPREAD_DAYS} days in turn": (8, 0.10, 60),
    "availability 14 days, day spa": (8, 0.10, 60),
    "availability 14 days, medical": (8, 0.10, 60),
    "booking POST": (8, None, 100),
    "doctor queue": (4, None, 100),
    "admin appointment list": (4, None, 100),
    "admin day schedule": (4, None, 100),
}
# Hard limit for the whole run (seconds): the script never hangs a CI job.
DEADLINE = time.monotonic() + int(os.environ.get("BENCH_TIMEOUT", str(4 * 3600)))


@dataclass
class Endpoint:
    name: str
    path: str
    login: str | None = None  # username whose session cookie is sent
    booking: bool = False
    paths: list[str] | None = None  # GETs of these paths in turn (lua/paths.lua)


@dataclass
class Result:
    rps: float
    p50: float  # milliseconds
    p95: float
    p99: float
    bad: int  # non-2xx/3xx responses plus socket errors
    requests: int


@dataclass
class Row:
    endpoint: str
    concurrency: int
    runs: list[Result] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def check_deadline() -> None:
    if time.monotonic() > DEADLINE:
        raise SystemExit("bench: BENCH_TIMEOUT reached, stopping.")


# Set-up ---------------------------------------------------------------------------


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        HTTPS_ONLY="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        STAFF_MFA="1",
        BOOKING_RATE_LIMIT="0",
        BENCH_CEILING="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=BASE,
        PYTHONUNBUFFERED="1",
        # The production layout: a shared cache (free times for a few seconds).
        REDIS_URL=REDIS_URL,
    )
    env.pop("EMAIL_HOST", None)  # never mail anyone from a benchmark
    return env


def empty_the_cache() -> None:
    """The bench's Redis database starts empty: no page of an earlier run is served."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def manage(env: dict[str, str], *args: str, timeout: int = 900) -> str:
    check_deadline()
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"bench: manage.py {' '.join(args)} failed")
    return completed.stdout


def fresh_database() -> str:
    """DATABASE_URL when set; else medspa_bench on the local server, dropped and made anew."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    import psycopg2

    connection = psycopg2.connect(host=HOST, port=5432, user="postgres", dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("DROP DATABASE IF EXISTS medspa_bench WITH (FORCE)")
        cursor.execute("CREATE DATABASE medspa_bench")
    connection.close()
    return DEFAULT_DATABASE


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("installing wrk (apt-get)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=False, timeout=600)
    found = shutil.which("wrk")
    if not found:
        subprocess.run([*sudo, "apt-get", "update"], check=False, timeout=600)
        subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=True, timeout=600)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench: wrk is not installed and apt-get could not install it")
    return found


def start_gunicorn(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """As `make serve` does (bind, workers, access log to stdout, forwarded-allow-ips)."""
    command = [
        str(VENV_BIN / "gunicorn"),
        "medspa.wsgi",
        "--bind",
        f"{HOST}:{PORT}",
        "--workers",
        str(WORKERS),
        "--access-logfile",
        "-",
        "--forwarded-allow-ips=127.0.0.1",
    ]
    output = log_path.open("w")
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    for _ in range(150):
        time.sleep(0.2)
        if server.poll() is not None:
            raise SystemExit(f"bench: gunicorn exited; see {log_path}")
        try:
            # BASE is always http://127.0.0.1 (loopback only).
            with urllib.request.urlopen(f"{BASE}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            continue
    stop_gunicorn(server)
    raise SystemExit("bench: gunicorn did not answer /healthz")


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def worker_memory(server: subprocess.Popen) -> list[tuple[int, int, int]]:
    """(pid, peak RSS kB, current RSS kB) of each gunicorn worker."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    memory = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
        now = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        memory.append((int(pid), peak, now))
    return memory


# Sessions and booking data ---------------------------------------------------------


def totp_now(secret: str) -> str:
    import base64
    import hashlib
    import hmac
    import struct

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def opener() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise SystemExit("bench: no CSRF token in the page")
    return match.group(1)


def cookie_header(jar: http.cookiejar.CookieJar) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def login(username: str) -> str:
    """Sign in through /accounts/login/ (password + TOTP); return the Cookie header."""
    for attempt in range(3):
        browser, jar = opener()
        with browser.open(f"{BASE}/accounts/login/", timeout=30) as response:
            token = csrf_from(response.read().decode())
        form = {
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": PASSWORD,
            "otp_token": totp_now(TOTP_SECRET),
        }
        request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
            f"{BASE}/accounts/login/",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Referer": f"{BASE}/accounts/login/"},
        )
        with browser.open(request, timeout=30):
            pass
        if any(c.name == "sessionid" for c in jar):
            return cookie_header(jar)
        # The code was used already in this 30-second step (replay protection): wait.
        log(f"login of {username} refused (attempt {attempt + 1}); waiting for the next code")
        time.sleep(31)
    raise SystemExit(f"bench: could not sign in as {username}")


def session_valid(cookie: str, path: str) -> bool:
    request = urllib.request.Request(f"{BASE}{path}", headers={"Cookie": cookie})  # noqa: S310
    no_redirect = urllib.request.build_opener(NoRedirect)
    try:
        with no_redirect.open(request, timeout=60) as response:
            return response.status == 200
    except urllib.error.HTTPError:
        return False


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def booking_slots(count: int, first_day: datetime.date) -> tuple[list[dict], str, str]:
    """`count` different free slots (none overlapping another of the same practitioner
    or the same room, buffer included), the form's CSRF token and the csrftoken cookie
    it goes with.

    Each slot lists the room a booking would hold: the lowest-numbered one free
    before the phase. The bench's own bookings only take rooms, so a booking still
    gets its listed room as long as no other chosen slot lists that room within its
    hold: then every POST is a real booking, whatever order they arrive in."""
    browser, jar = opener()
    slots = []
    day = first_day
    for _ in range(3):  # three windows of 30 days: as far ahead as booking allows
        url = f"{BASE}/api/availability/?treatment={BOOKED}&date={day}&days=30"
        try:
            with browser.open(url, timeout=120) as response:
                slots.extend(json.loads(response.read())["slots"])
        except urllib.error.HTTPError as error:
            if error.code != 400:  # beyond the furthest bookable day
                raise
        day += datetime.timedelta(days=30)
    # Each booking holds 30 min + 10 min buffer: keep starts 45 min apart per person and
    # per room or device (slots come soonest first).
    spacing = datetime.timedelta(minutes=45)
    last_taken: dict[tuple[str, int], datetime.datetime] = {}
    chosen = []
    for slot in slots:
        start = datetime.datetime.fromisoformat(slot["start"])
        holders = [("practitioner", slot["practitioner"])]
        holders += [("resource", resource["id"]) for resource in slot.get("resources", [])]
        if any(holder in last_taken and start < last_taken[holder] + spacing for holder in holders):
            continue
        for holder in holders:
            last_taken[holder] = start
        chosen.append(slot)
    if not chosen:
        raise SystemExit(f"bench: no free slot for {BOOKED}")
    # The details form (and its CSRF token) shows once a time is chosen.
    first = urllib.parse.urlencode(
        {"start": chosen[0]["start"], "practitioner": chosen[0]["practitioner"]}
    )
    with browser.open(f"{BASE}/book/{BOOKED}/?{first}", timeout=60) as response:
        token = csrf_from(response.read().decode())
    csrf_cookie = next(c.value for c in jar if c.name == "csrftoken")
    # Spread over days and people (consecutive bookings rarely hit the same row lock).
    rng_order = sorted(chosen, key=lambda s: secrets.token_bytes(4))
    return rng_order[:count], token, f"csrftoken={csrf_cookie}"


def booking_bodies_for_phase(slots: list[dict], token: str) -> list[str]:
    """One form per slot, each with a fresh submission nonce: a repeated nonce would be
    the same form posted twice, answered with the first booking instead of a new one."""
    return [
        urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "start": slot["start"],
                "practitioner": slot["practitioner"],
                "first_name": "Bench",
                "last_name": f"Client{number}",
                "email": f"bench.client{number}@example.com",
                "phone": "(212) 555-0100",
                "notes": "",
                "submission": secrets.token_urlsafe(18),
            }
        )
        for number, slot in enumerate(slots)
    ]


def free_bench_bookings(database_url: str) -> None:
    """Cancel the bench's own bookings, so the next POST phase books the same free
    slots again (a busy year has only a few thousand 45-minute gaps left); their rooms
    stop holding the time, as appointment_cancel leaves them."""
    subprocess.run(  # noqa: S603 (fixed arguments)
        [
            "psql",
            database_url,
            "-qc",
            # By the email typed: an online booking has no client record until its
            # email is proven.
            "UPDATE bookings_appointment SET status = 'cancelled', cancelled_at = now() "
            "WHERE status <> 'cancelled' AND client_email LIKE 'bench.client%@example.com'; "
            "UPDATE bookings_resourceallocation SET holds_time = false WHERE holds_time "
            "AND appointment_id IN (SELECT id FROM bookings_appointment "
            "WHERE client_email LIKE 'bench.client%@example.com')",
        ],
        check=True,
        timeout=300,
    )


# Load ------------------------------------------------------------------------------


def run_wrk(wrk: str, url: str, connections: int, headers: list[str], script: Path, env=None):
    threads = min(2, connections)
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{SECONDS}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    check_deadline()
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=SECONDS + 60,
        env={**os.environ, **(env or {}), "BENCH_THREADS": str(threads)},
    )
    match = re.search(
        r"BENCH requests=(\d+) duration_us=(\d+) p50_us=(\d+) p95_us=(\d+) p99_us=(\d+) "
        r"non2xx3xx=(\d+) socket_errors=(\d+)",
        completed.stdout,
    )
    if not match:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit("bench: could not read wrk's output")
    requests, duration, p50, p95, p99, bad, socket_errors = (int(g) for g in match.groups())
    return Result(
        rps=requests / (duration / 1e6),
        p50=p50 / 1000,
        p95=p95 / 1000,
        p99=p99 / 1000,
        bad=bad + socket_errors,
        requests=requests,
    )


def endpoints(today: datetime.date) -> list[Endpoint]:
    day = today + datetime.timedelta(days=1)
    if day.weekday() == 6:  # nobody works on Sundays
        day += datetime.timedelta(days=1)
    schedule_day = today if today.weekday() != 6 else today + datetime.timedelta(days=1)
    availability = "/api/availability/?treatment={}&date={}"
    spread = [day + datetime.timedelta(days=n) for n in range(SPREAD_DAYS)]
    found = [
        Endpoint("ceiling", "/bench/ceiling"),
        Endpoint("home", "/"),
        Endpoint("treatments", "/treatments/"),
        Endpoint("treatment page", f"/treatments/{DAY_SPA}/"),
        Endpoint("booking page GET", f"/book/{DAY_SPA}/"),
        Endpoint("availability 1 day, day spa", availability.format(DAY_SPA, day)),
        Endpoint("availability 14 days, day spa", availability.format(DAY_SPA, day) + "&days=14"),
        Endpoint("availability 1 day, medical", availability.format(MEDICAL, day)),
        Endpoint("availability 14 days, medical", availability.format(MEDICAL, day) + "&days=14"),
        Endpoint(
            f"booking page, {SPREAD_DAYS} days in turn",
            f"/book/{DAY_SPA}/",
            paths=[f"/book/{DAY_SPA}/?date={d}" for d in spread],
        ),
        Endpoint(
            f"availability 1 day, {SPREAD_DAYS} days in turn",
            availability.format(DAY_SPA, day),
            paths=[availability.format(DAY_SPA, d) for d in spread],
        ),
        Endpoint("booking POST", f"/book/{BOOKED}/", booking=True),
        Endpoint("doctor queue", "/doctor/", login="doctor"),
        Endpoint("admin appointment list", "/admin/bookings/appointment/", login="frontdesk"),
        Endpoint(
            "admin day schedule",
            f"/admin/bookings/appointment/day/?date={schedule_day}",
            login="frontdesk",
        ),
    ]
    only = os.environ.get("BENCH_ONLY")
    if only:
        wanted = {name.strip() for name in only.split(",")} | {"ceiling"}
        found = [e for e in found if e.name in wanted]
    return found


# Report ----------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| endpoint | conc. | req/s | ratio | p50 ms | p95 ms | p99 ms | non-2xx/3xx | goal |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        ratio = median(row.ratios)
        p95 = median([r.p95 for r in row.runs])
        goal = TARGETS.get(row.endpoint)
        verdict = ""
        if goal and row.concurrency == goal[0]:
            _, least_ratio, p95_under = goal
            bad = sum(r.bad for r in row.runs)
            met = (least_ratio is None or ratio >= least_ratio) and p95 < p95_under and not bad
            wanted = (
                f"< {p95_under} ms"
                if least_ratio is None
                else (f">= {least_ratio:.2f}, < {p95_under} ms")
            )
            verdict = f"{'met' if met else 'MISSED'} ({wanted})"
        lines.append(
            f"| {row.endpoint} | {row.concurrency} | {median([r.rps for r in row.runs]):.0f} "
            f"| {ratio:.2f} | {median([r.p50 for r in row.runs]):.1f} | {p95:.1f} "
            f"| {median([r.p99 for r in row.runs]):.1f} | {sum(r.bad for r in row.runs)} "
            f"| {verdict} |"
        )
    return lines


def data_volume(database_url: str, zone: str) -> list[str]:
    """What the database holds (the volume measured), counted, not taken from the
    settings: appointments, their days, appointments by year, staff and clients."""

    def query(sql: str) -> list[list[str]]:
        completed = subprocess.run(  # noqa: S603 (fixed arguments)
            ["psql", database_url, "-tAF", "\t", "-c", sql],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
            env={**os.environ, "PGTZ": zone},  # days and years in the spa's time zone
        )
        return [line.split("\t") for line in completed.stdout.splitlines() if line]

    [[appointments, first, last, practitioners, clients]] = query(
        "SELECT count(*), min(start)::date, max(start)::date, "
        "(SELECT count(*) FROM practitioners_practitioner WHERE is_active), "
        "(SELECT count(*) FROM bookings_client) FROM bookings_appointment"
    )
    years = query(
        "SELECT extract(year FROM start)::int, count(*) FROM bookings_appointment "
        "GROUP BY 1 ORDER BY 1"
    )
    return [
        f"{int(appointments):,} appointments from {first} to {last}, "
        f"{int(practitioners)} active practitioners, {int(clients):,} clients",
        "appointments by year: " + ", ".join(f"{year}: {int(n):,}" for year, n in years),
    ]


def machine() -> list[str]:
    try:
        postgres = subprocess.run(
            ["psql", "-h", HOST, "-U", "postgres", "-tAc", "SHOW server_version"],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        postgres = "unknown"
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = match.group(1) if match else cpu
    return [
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- cores: {os.cpu_count()} ({cpu})",
        f"- Python {platform.python_version()}, PostgreSQL {postgres}, "
        f"{platform.system()} {platform.release()}",
        f"- gunicorn: {WORKERS} sync workers (as `make serve`), wrk on the same machine "
        "over loopback, 2 wrk threads",
    ]


def main() -> None:
    os.chdir(ROOT)
    wrk = ensure_wrk()
    reuse = os.environ.get("BENCH_REUSE_DB") == "1"
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE) if reuse else fresh_database()
    env = server_env(database_url)
    seeding = None
    if not reuse:
        log(f"migrating {database_url}")
        manage(env, "migrate", "--no-input", "--verbosity", "0")
        log(f"seeding {CLIENTS} clients, {APPOINTMENTS} appointments")
        began = time.monotonic()
        output = manage(
            env,
            "seed_demo",
            "--allow-production",
            "--clients",
            str(CLIENTS),
            "--appointments",
            str(APPOINTMENTS),
            # About 5 minutes for a million here: room for a slower machine.
            timeout=900 + APPOINTMENTS // 500,
        )
        seeding = time.monotonic() - began
        bulk_line = next((line for line in output.splitlines() if "Bulk data" in line), "")
        log(f"seeded in {seeding:.1f} s: {bulk_line}")
        # Fresh statistics, as autovacuum would have after a real year of bookings.
        subprocess.run(
            ["psql", database_url, "-qc", "VACUUM ANALYZE"],
            check=False,
            timeout=600 + APPOINTMENTS // 1000,
        )
    volume = data_volume(database_url, env.get("TIME_ZONE") or "America/New_York")
    log(f"measuring on {volume[0]}")
    manage(env, "collectstatic", "--no-input", "--verbosity", "0")

    log_path = Path(tempfile.gettempdir()) / f"medspa-bench-gunicorn-{os.getpid()}.log"
    empty_the_cache()
    server = start_gunicorn(env, log_path)
    rows: dict[tuple[str, int], Row] = {}
    try:
        zone = ZoneInfo(env.get("TIME_ZONE") or "America/New_York")
        today = datetime.datetime.now(zone).date()
        targets = endpoints(today)
        needs_booking = any(e.booking for e in targets)
        bodies_file = Path(tempfile.gettempdir()) / f"medspa-bench-bodies-{os.getpid()}.txt"
        paths_file = Path(tempfile.gettempdir()) / f"medspa-bench-paths-{os.getpid()}.txt"
        slots, csrf_token, csrf_cookie = [], "", ""
        if needs_booking:
            free_bench_bookings(database_url)  # an earlier run's, when reusing the data
            slots, csrf_token, csrf_cookie = booking_slots(
                60_000, today + datetime.timedelta(days=1)
            )
            log(f"{len(slots)} distinct free slots ready for booking POSTs")
        sessions: dict[str, str] = {}
        # Warm-up (not reported): workers import lazily and connections open.
        for endpoint in targets:
            if not endpoint.login and not endpoint.booking:
                request = urllib.request.Request(f"{BASE}{endpoint.path}")  # noqa: S310
                with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                    response.read()
        for round_number in range(1, ROUNDS + 1):
            for connections in CONCURRENCY:
                ceiling = None
                for endpoint in targets:
                    headers, script, extra_env = [], BENCH / "lua" / "report.lua", None
                    if endpoint.login:
                        cookie = sessions.get(endpoint.login)
                        if cookie is None or not session_valid(cookie, endpoint.path):
                            cookie = sessions[endpoint.login] = login(endpoint.login)
                        headers.append(f"Cookie: {cookie}")
                    if endpoint.booking:
                        free_bench_bookings(database_url)
                        bodies = booking_bodies_for_phase(slots, csrf_token)
                        bodies_file.write_text("\n".join(bodies) + "\n")
                        script = BENCH / "lua" / "book_report.lua"
                        script.write_text(
                            (BENCH / "lua" / "book.lua").read_text()
                            + "\n"
                            + (BENCH / "lua" / "report.lua").read_text()
                        )
                        headers.append(f"Cookie: {csrf_cookie}")
                        headers.append(f"Referer: {BASE}{endpoint.path}")
                        extra_env = {"BENCH_BODIES": str(bodies_file)}
                    if endpoint.paths:
                        paths_file.write_text("\n".join(endpoint.paths) + "\n")
                        script = BENCH / "lua" / "paths_report.lua"
                        script.write_text(
                            (BENCH / "lua" / "paths.lua").read_text()
                            + "\n"
                            + (BENCH / "lua" / "report.lua").read_text()
                        )
                        extra_env = {"BENCH_PATHS": str(paths_file)}
                    result = run_wrk(
                        wrk, f"{BASE}{endpoint.path}", connections, headers, script, extra_env
                    )
                    if endpoint.booking and result.requests > len(slots):
                        log("more POSTs than free slots: some repeated a slot (not bookings)")
                    if endpoint.name == "ceiling":
                        ceiling = result.rps
                    row = rows.setdefault(
                        (endpoint.name, connections), Row(endpoint.name, connections)
                    )
                    row.runs.append(result)
                    row.ratios.append(result.rps / ceiling if ceiling else float("nan"))
                    log(
                        f"round {round_number} c={connections} {endpoint.name}: "
                        f"{result.rps:.0f} req/s p95 {result.p95:.1f} ms bad {result.bad}"
                    )
        memory = worker_memory(server)
    finally:
        stop_gunicorn(server)
        for leftover in (BENCH / "lua" / "book_report.lua", BENCH / "lua" / "paths_report.lua"):
            leftover.unlink(missing_ok=True)

    ordered = sorted(rows.values(), key=lambda r: r.concurrency)  # stable: endpoint order
    lines = table(ordered)
    memory_lines = [
        f"- worker {pid}: peak RSS {peak / 1024:.0f} MB, RSS at the end {now / 1024:.0f} MB"
        for pid, peak, now in memory
    ]
    report = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/run.py); rerun it to replace this file.",
        "",
        *machine(),
        f"- load: {SECONDS} s per endpoint and concurrency, median of {ROUNDS} round(s); "
        "ratio = requests/s over the ceiling's (bare Django view, same stack) in the same round",
        (
            f"- data: seed_demo --clients {CLIENTS} --appointments {APPOINTMENTS}, "
            f"seeded in {seeding:.1f} s"
            if seeding is not None
            else "- data: the database as it was (BENCH_REUSE_DB=1)"
        ),
        *(f"  - {line}" for line in volume),
        "",
        *lines,
        "",
        "Peak memory of each gunicorn worker (VmHWM):",
        "",
        *memory_lines,
        "",
    ]
    print("\n".join(report))
    RESULTS.write_text("\n".join(report))
    log(f"written {RESULTS}; gunicorn log: {log_path}")


if __name__ == "__main__":
    main()
