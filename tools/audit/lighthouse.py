"""`make audit`: Lighthouse (npm lighthouse@12.2.3, Debian's Chromium) against a
production-like server of the demo site, mobile, four pages; prints the four
category scores of each page and exits 1 when one misses its target.

The server is gunicorn with DEBUG=0 on plain HTTP (HTTPS_ONLY=0) and a generated
SECRET_KEY, on a free local port, with a freshly seeded SQLite database and media
folder in a temporary directory (removed afterwards). Set AUDIT_KEEP=1 to keep
the directory with the full Lighthouse reports (JSON and HTML).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PAGES = [
    ("home", "/"),
    ("catalogue", "/treatments/"),
    ("treatment", "/treatments/signature-hydrating-facial/"),
    ("booking", "/book/signature-hydrating-facial/"),
]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 95}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=ROOT, check=True, **kwargs)  # noqa: S603


def wait_for(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise SystemExit(f"the server did not answer {url} within {seconds:.0f} s")


def lighthouse(url: str, out: Path, env: dict[str, str]) -> dict:
    run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            "--output=html",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--form-factor=mobile",
            f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        ],
        env={**env, "CHROME_PATH": CHROME},
    )
    return json.loads(out.with_suffix(".report.json").read_text())


def failed_audits(report: dict, category: str) -> list[str]:
    """The audits that cost points in a category, worst first."""
    refs = report["categories"][category]["auditRefs"]
    lines = []
    for ref in sorted(refs, key=lambda r: -r["weight"]):
        audit = report["audits"][ref["id"]]
        score = audit.get("score")
        if ref["weight"] and score is not None and score < 1:
            shown = audit.get("displayValue") or ""
            lines.append(f"      - {ref['id']} ({score:.2f}) {audit['title']} {shown}".rstrip())
    return lines


def main() -> int:
    if not LIGHTHOUSE.exists():
        print("Lighthouse is missing: run `npm ci` (make audit does).", file=sys.stderr)
        return 2
    if not os.access(CHROME, os.X_OK):
        print(f"No Chromium at {CHROME}: apt-get install chromium.", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="medspa-audit-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "0",
        "HTTPS_ONLY": "0",
        "STAFF_MFA": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "SITE_URL": base,
    }
    env.pop("REDIS_URL", None)
    print(f"Audit server: {base} (database and media in {work})", flush=True)
    quiet = {"stdout": subprocess.DEVNULL}
    run([str(PYTHON), "manage.py", "collectstatic", "--no-input", "--verbosity", "0"], env)
    run([str(PYTHON), "manage.py", "migrate", "--no-input", "--verbosity", "0"], env)
    run([str(PYTHON), "manage.py", "seed_demo", "--allow-production"], env, **quiet)
    server = subprocess.Popen(  # noqa: S603
        [str(GUNICORN), "medspa.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "gunicorn.log", "w"),  # noqa: SIM115
    )
    misses = []
    try:
        wait_for(f"{base}/healthz", server)
        print(f"\n{'page':<10} {'path':<42} " + " ".join(f"{c:>14}" for c in CATEGORIES))
        for name, path in PAGES:
            report = lighthouse(base + path, work / name, env)
            scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
            print(f"{name:<10} {path:<42} " + " ".join(f"{scores[c]:>14}" for c in CATEGORIES))
            for category in CATEGORIES:
                if scores[category] < TARGETS[category]:
                    misses.append((name, category, scores[category], report))
            sys.stdout.flush()
    finally:
        server.terminate()
        server.wait(timeout=10)
        if os.environ.get("AUDIT_KEEP") == "1":
            print(f"\nReports kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    targets = ", ".join(f"{c} {'=' if t == 100 else '>='} {t}" for c, t in TARGETS.items())
    if not misses:
        print(f"\nAll pages meet the targets ({targets}).")
        return 0
    print(f"\nBelow target ({targets}):")
    for name, category, score, report in misses:
        print(f"  {name}: {category} {score}")
        print("\n".join(failed_audits(report, category)))
    return 1


if __name__ == "__main__":
    sys.exit(main())
