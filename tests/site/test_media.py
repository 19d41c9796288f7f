"""Uploaded public pictures are served; nothing else under MEDIA_ROOT is."""

import pytest


@pytest.fixture
def media(settings):
    root = settings.MEDIA_ROOT
    (root / "treatments").mkdir(parents=True)
    (root / "treatments" / "facial-1a2b.webp").write_bytes(b"RIFF....WEBP")
    (root / "private").mkdir()
    (root / "private" / "chart.pdf").write_bytes(b"%PDF secret")
    return root


@pytest.mark.django_db
def test_treatment_pictures_are_served_with_long_caching(client, media):
    response = client.get("/media/treatments/facial-1a2b.webp")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"RIFF....WEBP"
    assert "immutable" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/media/private/chart.pdf",
        "/media/treatments/../private/chart.pdf",
        "/media/treatments/%2e%2e/private/chart.pdf",
        "/media/treatments/missing.webp",
    ],
)
def test_other_files_are_not_served(client, media, path):
    assert client.get(path).status_code == 404
