"""Safe handling of uploaded pictures (treatment images, practitioner photos).

An upload is trusted only after Pillow has decoded every pixel of it as JPEG, PNG or
WebP within a byte and a pixel limit. What we store is never the uploaded file: it is
a fresh encoding of the decoded pixels, which drops EXIF (GPS included), comments and
anything appended after the image data (a PNG with HTML on its tail, say).
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
DISPLAY_SIZE = (1200, 900)
THUMBNAIL_SIZE = (480, 360)


@dataclass(frozen=True)
class ProcessedImage:
    display: ContentFile
    thumbnail: ContentFile


def _read_limited(upload, max_bytes: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(_too_big_message(max_bytes), code="image_too_big")
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(_too_big_message(max_bytes), code="image_too_big")
    return data


def _too_big_message(max_bytes: int) -> str:
    return _("The image is larger than %(mb)s MB. Please upload a smaller one.") % {
        "mb": max_bytes // (1024 * 1024)
    }


def decode_image(upload) -> Image.Image:
    """Decode an upload fully; raise ValidationError for anything that is not a safe picture."""
    max_bytes = settings.IMAGE_UPLOAD_MAX_BYTES
    max_pixels = settings.IMAGE_UPLOAD_MAX_PIXELS
    data = _read_limited(upload, max_bytes)
    not_an_image = ValidationError(
        _("This file is not a JPEG, PNG or WebP image. Please upload a photo."),
        code="not_an_image",
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns (rather than raises) between one and two times its limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ACCEPTED_FORMATS:
                    raise not_an_image
                if width * height > max_pixels or width < 1 or height < 1:
                    raise ValidationError(
                        _("The image has too many pixels (%(w)s x %(h)s). Please resize it.")
                        % {"w": width, "h": height},
                        code="image_too_many_pixels",
                    )
                probe.load()
                image = ImageOps.exif_transpose(probe)
                if image is probe:
                    image = probe.copy()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image has too many pixels. Please resize it."), code="image_too_many_pixels"
        ) from None
    except Exception:
        # Pillow raises many kinds of errors on hostile input; each means "not a picture".
        raise not_an_image from None
    return image


def _encode(image: Image.Image, size: tuple[int, int], name: str) -> ContentFile:
    picture = image.copy()
    picture.thumbnail(size, Image.Resampling.LANCZOS)
    if picture.mode not in ("RGB", "RGBA"):
        picture = picture.convert("RGBA" if "transparency" in picture.info else "RGB")
    out = io.BytesIO()
    # WebP: small files, alpha kept; no metadata is passed on, so none is written.
    picture.save(out, format="WEBP", quality=82, method=4)
    return ContentFile(out.getvalue(), name=name)


def process_upload(upload, stem: str) -> ProcessedImage:
    """Validate an upload and return freshly encoded display and thumbnail files.

    Raises ValidationError with a message a person understands when the upload is not
    a JPEG, PNG or WebP picture, is too big in bytes or pixels, or is malformed.
    """
    image = decode_image(upload)
    return ProcessedImage(
        display=_encode(image, DISPLAY_SIZE, f"{stem}.webp"),
        thumbnail=_encode(image, THUMBNAIL_SIZE, f"{stem}-thumb.webp"),
    )
