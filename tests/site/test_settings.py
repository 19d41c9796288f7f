"""Configuration from the environment: refuses to start unsafely, deploy check clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "HTTPS_ONLY": "1",
    "SECRET_KEY": "a-real-production-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0-zyxwvutsrq",
    "ALLOWED_HOSTS": "spa.example.com",
    "SITE_URL": "https://spa.example.com",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "HTTPS_ONLY", "STAFF_MFA", "ALLOWED_HOSTS"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_starts_without_a_secret_key_in_debug():
    result = _manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_deploy_check_warns_about_a_local_site_url():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "SITE_URL": ""}
    )
    assert result.returncode != 0
    assert "medspa.W001" in result.stdout + result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be 1 or 0"),
        ("BOOKING_SLOT_MINUTES", "ten", "BOOKING_SLOT_MINUTES must be a whole number"),
        ("BOOKING_MAX_ADVANCE_DAYS", "0", "BOOKING_MAX_ADVANCE_DAYS must be at least 1"),
    ],
)
def test_a_malformed_setting_is_named_in_the_error(name, value, message):
    result = _manage("check", **{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_environment_reaches_the_settings():
    code = (
        "from django.conf import settings as s;"
        "print(s.TIME_ZONE, s.BOOKING_SLOT_MINUTES, s.BOOKING_MIN_NOTICE_HOURS,"
        " s.BOOKING_MAX_ADVANCE_DAYS, s.CANCELLATION_NOTICE_HOURS, s.BOOKING_RATE_LIMIT,"
        " s.STAFF_MFA, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1], s.EMAIL_BACKEND.rsplit('.', 2)[-2],"
        " s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1])"
    )
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        DEBUG="0",
        HTTPS_ONLY="0",
        SECRET_KEY="tests-" + "0123456789abcdefghij" * 3,
        TIME_ZONE="America/Chicago",
        BOOKING_SLOT_MINUTES="30",
        BOOKING_MIN_NOTICE_HOURS="4",
        BOOKING_MAX_ADVANCE_DAYS="60",
        CANCELLATION_NOTICE_HOURS="48",
        BOOKING_RATE_LIMIT="5",
        STAFF_MFA="1",
        REDIS_URL="redis://127.0.0.1:6379/1",
        EMAIL_HOST="smtp.example.com",
        ALLOWED_HOSTS="a.example, b.example",
        DATABASE_URL="sqlite:////tmp/medspa-settings-test.sqlite3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "America/Chicago",
        "30",
        "4",
        "60",
        "48",
        "5",
        "True",
        "False",
        "False",
        "0",
        "RedisCache",
        "smtp",
        "['a.example',",
        "'b.example']",
        "sqlite3",
    ]


def test_https_only_defaults_on_in_production():
    code = "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.STAFF_MFA)"
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        **{k: v for k, v in PRODUCTION.items() if k != "HTTPS_ONLY"},
    )
    assert result.stdout.split() == ["True", "True"]
