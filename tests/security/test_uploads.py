"""G12 uploads through the admin's treatment and practitioner forms: bombs, polyglots
(GIFAR, PNG+ZIP, PNG+HTML), wrong types, huge files and odd names are refused or
re-encoded; no GPS tag survives; memory stays bounded."""

import io
import re
import struct
import tracemalloc
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from practitioners.models import Practitioner
from tests.factories import CategoryFactory, UserFactory, role
from tests.security.helpers import figure
from treatments.models import Treatment

pytestmark = pytest.mark.django_db
SAFE_NAME = re.compile(r"^(treatments|practitioners)/(thumbs/)?[a-z0-9-]+\.webp$")
MEMORY_LIMIT = 200 * 1024 * 1024


def _png(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 200, 170)).save(out, format="PNG")
    return out.getvalue()


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="GIF")
    return out.getvalue()


def _zip() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Main-Class: Evil\n")
        archive.writestr("index.html", "<script>alert(1)</script>")
    return out.getvalue()


def _png_chunks(width: int, height: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _real_bomb() -> bytes:
    """A genuine bomb inside the pixel limit: 4,800 x 4,800 zeros, a few KB compressed."""
    width = height = 4800
    raw = zlib.compress(b"\x00" * ((width + 1) * height), 9)
    return _png_chunks(width, height, raw)


def _gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)}
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (10, 120, 200)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


CASES = [
    # (name, filename, bytes, expectation: "refused" or "reencoded")
    (
        "declared-bomb",
        "bomb.png",
        _png_chunks(30000, 30000, zlib.compress(b"\x00" * 64)),
        "refused",
    ),
    ("real-bomb", "bomb2.png", _real_bomb(), "either"),
    ("gifar", "gifar.gif", _gif() + _zip(), "refused"),
    ("png+zip", "poly.png", _png() + _zip(), "reencoded"),
    ("png+html", "poly.png", _png() + b"<html><script>alert(1)</script></html>", "reencoded"),
    ("html", "page.png", b"<html><script>alert(1)</script></html>", "refused"),
    (
        "svg",
        "image.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "refused",
    ),
    ("php", "shell.php.png", b"<?php system($_GET['c']); ?>", "refused"),
    ("pdf", "doc.png", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "refused"),
    ("zip", "archive.zip", _zip(), "refused"),
    ("empty", "empty.png", b"", "refused"),
    ("truncated", "cut.png", _png()[:50], "refused"),
    ("huge", "huge.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (6 * 1024 * 1024), "refused"),
    ("gps-jpeg", "gps.jpg", _gps_jpeg(), "reencoded"),
    ("traversal-name", "../../../etc/passwd.png", _png(), "reencoded"),
    ("nul-name", "x\x00.png", _png(), "reencoded"),
    # Refusing these is fine too (an .exe extension, a name over the field's length).
    ("unicode-name", "фото 📷 ‮gnp.exe", _png(), "either"),
    ("long-name", "a" * 300 + ".png", _png(), "either"),
    ("unicode-name-png", "фото 📷.png", _png(), "reencoded"),
]


def _inline_management(client, url: str) -> dict:
    response = client.get(url)
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


def _treatment_data(n: int, category) -> dict:
    return {
        "category": category.pk,
        "kind": "day_spa",
        "name": f"Upload test {n}",
        "slug": f"upload-test-{n}",
        "is_active": "on",
        "display_order": 0,
        "summary": "s",
        "description": "d",
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "price": "100.00",
        "minimum_age": 16,
        "image_alt": "alt",
        "charting": "general",
    }


def _practitioner_data(n: int) -> dict:
    return {
        "display_name": f"Upload Person {n}",
        "slug": f"upload-person-{n}",
        "role": role("esthetician").pk,
        "licence_number": f"LE-{n:05d}",
        "licence_expires_on": "2030-01-01",
        "bio": "b",
        "is_active": "on",
        "display_order": 0,
    }


def _peak_rss() -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


@pytest.mark.parametrize("target", ["treatment", "practitioner"])
def test_hostile_uploads_through_the_admin(client, target):
    client.raise_request_exception = False
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    category = CategoryFactory()
    model = Treatment if target == "treatment" else Practitioner
    url = f"/admin/{model._meta.app_label}/{target}/add/"
    field = "image" if target == "treatment" else "photo"
    refused = reencoded = bad = errors = gps = 0
    problems = []
    peak_python = peak_rss = 0
    for n, (name, filename, payload, expected) in enumerate(CASES):
        if name == "real-bomb" and target == "practitioner":
            continue  # the same decoder: measured once, on the treatment form (time)
        data = _inline_management(client, url)
        data.update(
            _treatment_data(n, category) if target == "treatment" else _practitioner_data(n)
        )
        data[field] = SimpleUploadedFile(filename, payload, content_type="image/png")
        before = model.objects.count()
        rss_reset = _reset_peak_rss()
        tracemalloc.start()
        response = client.post(url, data)
        peak_python = max(peak_python, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        if rss_reset and (rss := _peak_rss()):
            peak_rss = max(peak_rss, rss)
        if response.status_code >= 500:
            errors += 1
            problems.append(f"{name}: {response.status_code}")
            continue
        saved = model.objects.count() > before
        if not saved:
            refused += 1
            if expected == "reencoded":
                problems.append(f"{name}: refused a good picture")
            continue
        obj = model.objects.order_by("-pk").first()
        stored, thumb = getattr(obj, field), getattr(obj, f"{field}_thumbnail")
        reencoded += 1
        if expected == "refused":
            bad += 1
            problems.append(f"{name}: accepted")
        for file in (stored, thumb):
            if not SAFE_NAME.match(file.name):
                bad += 1
                problems.append(f"{name}: stored as {file.name!r}")
            content = file.read()
            file.close()
            picture = Image.open(io.BytesIO(content))
            if picture.format != "WEBP":
                bad += 1
                problems.append(f"{name}: stored {picture.format}")
            exif = picture.getexif()
            if exif.get_ifd(0x8825) or b"SpyCam" in content:
                gps += 1
            if b"PK\x03\x04" in content or b"<script" in content or b"<html" in content:
                bad += 1
                problems.append(f"{name}: polyglot tail kept")
    figure(
        f"G12 target={target} uploads={refused + reencoded + errors} refused={refused} "
        f"reencoded={reencoded} "
        f"stored_bad={bad} gps_kept={gps} http_5xx={errors} "
        f"peak_python_mb={peak_python / 2**20:.1f} peak_rss_mb={peak_rss / 2**20:.1f}"
    )
    assert problems == []
    assert (bad, gps, errors) == (0, 0, 0)
    assert peak_python < MEMORY_LIMIT
    if peak_rss:
        assert peak_rss < MEMORY_LIMIT + 300 * 1024 * 1024  # the test process itself included
