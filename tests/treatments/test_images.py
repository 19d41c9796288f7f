"""Uploaded pictures: only real JPEG/PNG/WebP within limits, re-encoded without metadata."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import CategoryFactory
from treatments.forms import TreatmentForm
from treatments.images import process_upload
from treatments.models import Treatment


def _picture(fmt: str = "PNG", size=(64, 48), **save_args) -> bytes:
    image = Image.new("RGB", size, (180, 200, 170))
    out = io.BytesIO()
    image.save(out, format=fmt, **save_args)
    return out.getvalue()


def _upload(data: bytes, name: str = "photo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _png_declaring_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_accepted_formats_are_reencoded_as_display_and_thumbnail(fmt):
    processed = process_upload(_upload(_picture(fmt, size=(2000, 1500))), "facial")
    display = Image.open(io.BytesIO(processed.display.read()))
    thumb = Image.open(io.BytesIO(processed.thumbnail.read()))
    assert display.format == thumb.format == "WEBP"
    assert display.size == (1200, 900)
    assert thumb.size == (480, 360)
    assert processed.display.name == "facial.webp"


def test_exif_and_gps_are_stripped():
    image = Image.new("RGB", (80, 60), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    assert b"SpyCam" in out.getvalue()

    processed = process_upload(_upload(out.getvalue(), "gps.jpg", "image/jpeg"), "gps")
    stored = processed.display.read()
    assert b"SpyCam" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_html_appended_to_a_png_does_not_survive():
    payload = _picture("PNG") + b"<html><script>alert(document.cookie)</script></html>"
    processed = process_upload(_upload(payload), "tail")
    assert b"<script>" not in processed.display.read()
    assert b"<script>" not in processed.thumbnail.read()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<?php echo 'hi'; ?>", "not a JPEG, PNG or WebP"),
        (b"%PDF-1.4 not a picture", "not a JPEG, PNG or WebP"),
        (_picture("PNG")[:60], "not a JPEG, PNG or WebP"),  # truncated
        (_picture("GIF"), "not a JPEG, PNG or WebP"),  # a real image, but not accepted
        (_picture("BMP"), "not a JPEG, PNG or WebP"),
        (_png_declaring_size(30000, 30000), "too many pixels"),
        (b"\x89PNG" + b"\x00" * (5 * 1024 * 1024 + 1), "larger than 5 MB"),
    ],
    ids=["php", "pdf", "truncated", "gif", "bmp", "decompression-bomb", "too-big"],
)
def test_bad_uploads_are_refused_with_a_clear_message(data, message):
    with pytest.raises(ValidationError) as error:
        process_upload(_upload(data), "bad")
    assert message in " ".join(error.value.messages)


@pytest.mark.django_db
def test_admin_form_stores_only_the_reencoded_image(settings):
    category = CategoryFactory()
    data = {
        "category": category.pk,
        "kind": "day_spa",
        "name": "Seaweed wrap",
        "slug": "seaweed-wrap",
        "is_active": "on",
        "display_order": 0,
        "summary": "Minerals from the sea.",
        "description": "A warm wrap.",
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "price": "140.00",
        "minimum_age": 16,
        "image_alt": "Seaweed on a stone",
        "charting": "general",
    }
    upload = _upload(_picture("PNG") + b"<script>x</script>")
    form = TreatmentForm(data=data, files={"image": upload})
    assert form.is_valid(), form.errors
    treatment = form.save()

    assert treatment.image.name.startswith("treatments/seaweed-wrap-")
    assert treatment.image.name.endswith(".webp")
    assert treatment.image_thumbnail.name.startswith("treatments/thumbs/")
    assert b"<script>" not in treatment.image.read()
    assert treatment.image.storage.exists(treatment.image_thumbnail.name)


@pytest.mark.django_db
def test_admin_form_refuses_a_non_image_and_saves_nothing():
    category = CategoryFactory()
    data = {
        "category": category.pk,
        "kind": "day_spa",
        "name": "Salt glow",
        "slug": "salt-glow",
        "summary": "Sea salt polish.",
        "description": "Exfoliation.",
        "duration_minutes": 45,
        "buffer_minutes": 10,
        "price": "95.00",
        "minimum_age": 16,
        "display_order": 0,
        "charting": "general",
    }
    form = TreatmentForm(data=data, files={"image": _upload(b"GIF89a-not-really", "x.png")})
    assert not form.is_valid()
    assert "image" in form.errors
    assert not Treatment.objects.filter(slug="salt-glow").exists()
