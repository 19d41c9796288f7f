"""GET /healthz: 200 while the database answers, 503 when it does not."""

import json

import pytest

from tests.site.test_settings import _manage


@pytest.mark.django_db
def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize(
    "database_url",
    [
        "postgres://postgres@127.0.0.1:1/medspa",  # nothing listens on port 1
        "sqlite:////nonexistent-dir/for-healthz/db.sqlite3",
    ],
    ids=["postgres-down", "sqlite-unopenable"],
)
def test_healthz_reports_503_when_the_database_is_unreachable(database_url):
    code = (
        "from django.test import Client; r = Client().get('/healthz');"
        "print(r.status_code, r.content.decode())"
    )
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        DEBUG="0",
        HTTPS_ONLY="0",
        SECRET_KEY="tests-" + "0123456789abcdefghij" * 3,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=database_url,
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "error", "database": "unavailable"}


@pytest.mark.django_db
def test_healthz_only_answers_reads(client):
    assert client.post("/healthz").status_code == 405
