"""`make reliability`: the mail worker under faults (SECURITY.md, G13 worker).

A fresh Postgres database of its own (medspa_reliability, dropped at the end), a real
gunicorn (as `make serve`: 2 workers, DEBUG=0; HTTPS_ONLY=0 on loopback), a real qcluster:
1. 20 bookings POSTed one at a time with a working SMTP sink, then 20 with a mail server
   that accepts and never answers, each timed (goal: p95 < 100 ms, no error);
2. the worker restarted against the sink: the 20 mails arrive, once each;
3. 100 mails queued, the sink slowed (50 ms per DATA), SIGTERM to qcluster after ~30
   arrive; restarted: all 100 arrive, none twice;
4. the same with SIGKILL to its whole process group: none lost, at most one twice;
5. the same with SIGTERM to the whole group (systemd's default): reported, none lost.
Counted at the sink by recipient (Django writes a new Message-ID for every send, so a mail
sent twice has two). Prints `G13 worker ...` lines, exits 1 when a goal is missed; ~6 min.
"""

import asyncio
import contextlib
import datetime
import logging
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "medspa_reliability"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
PG = ["-h", "127.0.0.1", "-U", "postgres"]
BOOKINGS = 20
QUEUED = 100
KILL_AFTER = 30  # mails received before the signal: the worker is mid-way
SLOW_DATA = 0.05  # seconds the sink takes over each DATA in steps 3 and 4
# One key for every process: django-q signs each task with SECRET_KEY, and a worker with
# another key drops the web's tasks as BadSignature (the outbox lease resends them later).
SECRET_KEY = secrets.token_urlsafe(50)
# How each step stops the worker: the signal, to the whole process group or the main
# process only, seconds to wait for its exit, duplicates allowed (one per send in flight).
STOPS = {
    "sigterm": (signal.SIGTERM, False, 120, 0),  # `make run`, docker stop, KillMode=mixed
    "sigterm-group": (signal.SIGTERM, True, 30, 2),  # systemd's default KillMode: all
    "sigkill": (signal.SIGKILL, True, 30, 1),
}
LOGS = Path(tempfile.gettempdir()) / f"medspa-reliability-{os.getpid()}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# bench/run.py reads its port at import: a free one, so a `make bench` may run beside.
os.environ.setdefault("BENCH_PORT", str(free_port()))
# This process queues and counts through the ORM on the same database (never sends).
os.environ.update(DATABASE_URL=DATABASE_URL, DJANGO_SETTINGS_MODULE="medspa.settings")
os.environ.update(SECRET_KEY=SECRET_KEY, DEBUG="0", HTTPS_ONLY="0", TASKS_SYNC="0")
sys.path.insert(0, str(ROOT))
import django  # noqa: E402

django.setup()
import run as bench  # noqa: E402  (bench/run.py: gunicorn, free slots, booking forms)
from aiosmtpd.controller import Controller  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.models import OrmQ  # noqa: E402

from bookings.models import OutboundEmail  # noqa: E402
from bookings.services import delivery, outbox  # noqa: E402

for chatty in ("mail.log", "django-q"):  # aiosmtpd's and django-q's INFO lines
    logging.getLogger(chatty).setLevel(logging.WARNING)
missed: list[str] = []
started: list[subprocess.Popen] = []  # every qcluster, ended whatever happens


def report(line: str, goal_met: bool, why: str) -> None:
    print(line, flush=True)
    if not goal_met:
        missed.append(f"{line.split()[2]}: {why}")


def wait_for(test: Callable[[], bool], seconds: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if test():
            return True
        time.sleep(step)
    return test()


class HangingServer:
    """Accepts connections and never says a word: smtplib waits for the greeting until
    EMAIL_TIMEOUT (10 s), as with a mail server that is up but stuck."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):  # until closed
            while True:
                self.held.append(self.listener.accept()[0])  # never read nor written

    def close(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


class Sink:
    """aiosmtpd's handler: counts what it accepts, by recipient."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd)
        await asyncio.sleep(self.delay)
        with self.lock:
            self.received.update(envelope.rcpt_tos)
        return "250 Message accepted"

    def count(self, prefix: str) -> tuple[int, int]:
        """(distinct recipients, mails beyond one per recipient) of one step."""
        with self.lock:
            mine = [n for rcpt, n in self.received.items() if rcpt.startswith(prefix)]
        return len(mine), sum(n - 1 for n in mine)


def mail_env(port: int) -> dict[str, str]:
    """What gunicorn and the worker share: bench/run.py's settings, plain SMTP here."""
    env = bench.server_env(DATABASE_URL)
    for unused in ("REDIS_URL", "BENCH_CEILING"):  # never touch the bench's Redis
        env.pop(unused, None)
    env.update(SECRET_KEY=SECRET_KEY, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port))
    env["EMAIL_USE_TLS"] = "0"
    return env


def start_worker(env: dict[str, str], name: str) -> subprocess.Popen:
    log = LOGS / f"qcluster-{name}.log"
    # A session of its own: SIGKILL can reach the whole group (pusher, workers, monitor).
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started.append(worker)
    # Measured once it polls: its start-up (5 processes importing Django) is not timed.
    if not wait_for(lambda: "running." in log.read_text(), 60):
        raise SystemExit(f"reliability: qcluster did not start; see {log}")
    return worker


def stop_worker(worker: subprocess.Popen) -> int:
    """SIGTERM to the main process; how many of its group outlived it (then killed)."""
    os.kill(worker.pid, signal.SIGTERM)
    worker.wait(timeout=120)
    return end_group(worker)


def end_group(worker: subprocess.Popen) -> int:
    """Kill what is left of a group we started; how many were (zombies not counted)."""
    left = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "(command)"
            left += int(fields[2]) == worker.pid and fields[0] != "Z"  # pgrp, state
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    return left


def post_bookings(env: dict, slots: list[dict], token: str, cookie: str, name: str) -> tuple:
    """gunicorn and a worker on `env`; a booking of each slot POSTed in turn: (p50 ms,
    p95 ms, bookings made, HTTP errors), and the worker, left running."""
    # bench/run.py's forms, with each step's own addresses.
    bodies = bench.booking_bodies_for_phase(slots, token)
    bodies = [body.replace("bench.client", f"{name}.client") for body in bodies]
    server = bench.start_gunicorn(env, LOGS / f"gunicorn-{name}.log")
    worker = start_worker(env, name)
    url = f"{bench.BASE}/book/{bench.BOOKED}/"
    browser = urllib.request.build_opener(bench.NoRedirect)
    times, booked, errors = [], 0, 0
    try:
        for _ in range(4):  # warm both gunicorn workers (lazy imports), not timed
            urllib.request.urlopen(url, timeout=60).close()  # noqa: S310 (loopback)
        for body in bodies:
            request = urllib.request.Request(  # noqa: S310 (loopback)
                url, data=body.encode(), headers={"Cookie": cookie, "Referer": url}
            )
            began = time.perf_counter()
            try:
                with browser.open(request, timeout=60) as response:
                    status = response.status
            except urllib.error.HTTPError as answer:  # the redirect lands here (NoRedirect)
                status = answer.code
            except OSError:
                status = 0
            times.append((time.perf_counter() - began) * 1000)
            booked += status in (302, 303)
            errors += status == 0 or status >= 400
    finally:
        bench.stop_gunicorn(server)
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1]
    return statistics.median(times), p95, booked, errors, worker


def emails(prefix: str):
    return OutboundEmail.objects.filter(to__startswith=prefix)


def sent(prefix: str) -> int:
    return emails(prefix).filter(state="sent").count()


def nudge(prefix: str) -> int:
    """This step's queued rows due now (no waiting out a lease or back-off); the minute
    schedule run here hands them to the worker."""
    now = timezone.now()
    emails(prefix).filter(state="queued").update(next_attempt_at=now, leased_until=None)
    return delivery.run_schedule()["outgoing email handed to the worker"]


def expire_task_leases() -> int:
    """django-q re-delivers a task taken, never acknowledged, after retry=90 s: now."""
    return OrmQ.objects.filter(lock__gt=timezone.now()).update(lock=timezone.now())


def queue_mails(prefix: str, count: int) -> None:
    """Rows as messages.queue() writes them (due now, held by their task for the
    lease), handed to the worker after commit the same way."""
    mail = {"kind": "confirmed", "subject": "Confirmed", "body": "Your visit is booked."}
    with transaction.atomic():
        rows = OutboundEmail.objects.bulk_create(
            OutboundEmail(to=f"{prefix}{n}@example.com", **outbox.new_row_times(), **mail)
            for n in range(count)
        )
    for row in rows:
        outbox.hand_to_worker(outbox.SEND_EMAIL_TASK, row.pk)


def bookings_while_hanging(sink: Sink, up: dict, down: dict) -> None:
    """Step 1: the same POSTs with the mail server up, then hanging."""
    # Slots from 5 days ahead: no 48-hour reminder falls due for them during the run.
    server = bench.start_gunicorn(up, LOGS / "gunicorn-slots.log")
    try:
        first_day = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=5)
        slots, token, cookie = bench.booking_slots(2 * BOOKINGS, first_day)
    finally:
        bench.stop_gunicorn(server)
    if len(slots) < 2 * BOOKINGS:
        raise SystemExit(f"reliability: only {len(slots)} free slots")
    up_p50, up_p95, up_booked, up_errors, worker = post_bookings(
        up, slots[:BOOKINGS], token, cookie, "up"
    )
    wait_for(lambda: sink.count("up.")[0] >= BOOKINGS, 60)  # the pipeline works end to end
    stop_worker(worker)
    p50, p95, booked, errors, _ = post_bookings(down, slots[BOOKINGS:], token, cookie, "hanging")
    load = os.getloadavg()[0]  # a shared 2-core machine: say how busy it was
    # Each of the 20 sends times out once (10 s each, 2 at a time), left running: the
    # rows stay queued with a back-off, none lost nor failed.
    wait_for(lambda: emails("hanging.").filter(attempts__gte=1).count() >= BOOKINGS, 240, 1)
    tried = emails("hanging.").filter(attempts__gte=1, state="queued").count()
    report(
        f"G13 worker smtp-hanging bookings={BOOKINGS} booked={booked} p50_ms={p50:.1f} "
        f"p95_ms={p95:.1f} http_errors={errors} smtp_up_booked={up_booked} "
        f"smtp_up_p50_ms={up_p50:.1f} smtp_up_p95_ms={up_p95:.1f} "
        f"smtp_up_http_errors={up_errors} smtp_up_received={sink.count('up.')[0]} "
        f"rows_tried_and_backing_off={tried} load_1min={load:.1f}",
        p95 < 100 and errors == 0 and booked == up_booked == BOOKINGS and tried == BOOKINGS,
        f"p95 {p95:.1f} ms, {errors} errors, {booked} booked (goal: < 100 ms, 0 errors)",
    )


def back_up(sink: Sink, up: dict) -> None:
    """Step 2: the worker (idle: every send has timed out) restarted on the sink."""
    stop_worker(started[-1])
    worker = start_worker(up, "back")
    handed = nudge("hanging.")  # its start may hand a few itself (back-off past)
    wait_for(lambda: sent("hanging.") == BOOKINGS, 60)
    time.sleep(5)  # room for a duplicate to show
    received, duplicates = sink.count("hanging.")
    stop_worker(worker)
    report(
        f"G13 worker smtp-back bookings={BOOKINGS} how=next_attempt_at=now+run_schedule() "
        f"rows_handed_by_nudge={handed} rows_sent={sent('hanging.')} received={received} "
        f"duplicates={duplicates}",
        received == BOOKINGS and duplicates == 0,
        f"received {received}, duplicates {duplicates} (goal: {BOOKINGS}, 0)",
    )


def stopped_midway(sink: Sink, prefix: str, how: str, env: dict) -> None:
    """Steps 3 to 5: 100 mails queued, the worker stopped by `how` after ~30 arrive,
    restarted; then every row sent, counted at the sink."""
    worker = start_worker(env, how)
    queue_mails(prefix, QUEUED)
    wait_for(lambda: sink.count(prefix)[0] >= KILL_AFTER, 60, step=0.01)
    at_signal = sink.count(prefix)[0]
    began = time.monotonic()
    sig, whole_group, patience, allowed = STOPS[how]
    (os.killpg if whole_group else os.kill)(worker.pid, sig)
    with contextlib.suppress(subprocess.TimeoutExpired):  # a hung one is killed below
        worker.wait(timeout=patience)
    stopped_in, hung = time.monotonic() - began, worker.poll() is None
    # A mail whose DATA the sink had whole when the sender died still arrives (as with
    # a real server, RFC 1047): counted after its 50 ms, while its row stays queued.
    time.sleep(0.5)
    left_behind = end_group(worker) - hung
    at_exit, sent_at_exit = sink.count(prefix)[0], sent(prefix)
    worker = start_worker(env, f"{how}-restart")
    # What the restarted worker does by itself, then nudges: rows due, task leases out.
    by_itself = wait_for(lambda: sent(prefix) == QUEUED, 20)
    nudges = handed = redelivered = 0
    while sent(prefix) < QUEUED and nudges < 10:
        nudges += 1
        redelivered += expire_task_leases()
        handed += nudge(prefix)
        wait_for(lambda: sent(prefix) == QUEUED, 10)
    # Tasks taken before the stop, never acknowledged, go again: their rows are sent.
    redelivered += expire_task_leases()
    time.sleep(5)
    received, duplicates = sink.count(prefix)
    stop_worker(worker)
    lost = QUEUED - received
    report(
        f"G13 worker {how} queued={QUEUED} received_at_signal={at_signal} "
        f"received_at_exit={at_exit} rows_sent_at_exit={sent_at_exit} "
        f"exit_s={stopped_in:.1f} main_hung={int(hung)} processes_left_behind={left_behind} "
        f"sent_by_restart_alone={'yes' if by_itself else 'no'} nudges={nudges} "
        f"rows_handed_by_nudge={handed} task_leases_expired={redelivered} "
        f"rows_sent={sent(prefix)} received={received} lost={lost} duplicates={duplicates}",
        lost == 0
        and duplicates <= allowed
        and sent(prefix) == QUEUED
        and not left_behind
        # A hang on SIGTERM to the whole group is django-q2's (SECURITY.md): reported.
        and (not hung or how == "sigterm-group"),
        f"lost={lost} duplicates={duplicates} left_behind={left_behind} hung={int(hung)} "
        f"(goal: 0 lost, at most {allowed} twice, none left behind, no hang)",
    )


def main() -> int:
    os.chdir(ROOT)
    LOGS.mkdir(parents=True, exist_ok=True)
    hanging, sink = HangingServer(), Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    up, down = mail_env(controller.port), mail_env(hanging.port)
    # An earlier run stopped half-way may have left the database behind.
    subprocess.run(["dropdb", *PG, "--if-exists", "--force", DATABASE], check=True)
    subprocess.run(["createdb", *PG, DATABASE], check=True)
    try:
        bench.manage(up, "migrate", "--no-input", "--verbosity", "0")
        # The small demo without its week around today: no demo reminder falls due.
        bench.manage(up, "seed_demo", "--allow-production", "--no-week")
        bench.manage(up, "collectstatic", "--no-input", "--verbosity", "0")
        bookings_while_hanging(sink, up, down)
        back_up(sink, up)
        sink.delay = SLOW_DATA
        stopped_midway(sink, "term", "sigterm", up)
        stopped_midway(sink, "kill", "sigkill", up)
        stopped_midway(sink, "group", "sigterm-group", up)
        print(f"G13 worker leftovers django_q_tasks={OrmQ.objects.count()}", flush=True)
    finally:
        for worker in started:
            end_group(worker)
        controller.stop()
        hanging.close()
        connections.close_all()
        subprocess.run(["dropdb", *PG, "--if-exists", "--force", DATABASE], check=False)
    print(f"logs: {LOGS}")
    for line in missed:
        print(f"MISSED {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
