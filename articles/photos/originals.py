"""The stored original of an upload: orientation applied, every metadata block but the ICC profile gone.

Originals are public files under ``MEDIA_ROOT`` like the renditions, so nothing a camera or
an editing program wrote may stay in them: EXIF (GPS position, camera serial numbers), XMP
and IPTC (location, people), comments and PNG text chunks are all dropped. The pixels are
re-encoded by Pillow, which writes only what it is given: JPEGs with their own quantisation
tables and chroma subsampling (Pillow's ``quality="keep"``) so quality does not drop a
step, PNGs losslessly, WebPs at quality 95 (Pillow cannot tell a lossless WebP from a lossy one).
"""

from __future__ import annotations

import io
from typing import IO

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps

from articles.photos.decoding import orientation, shape_error

# What each accepted format is saved with (Pillow format name, options).
_SAVE = {
    "PNG": ("PNG", {"optimize": False}),
    "WEBP": ("WEBP", {"quality": 95, "method": 4}),
}
_JPEG_FALLBACK = {"quality": 92, "subsampling": "4:2:0"}  # MPO and the like, whose tables Pillow cannot keep


def original_reencode(source: IO[bytes]) -> bytes:
    """The bytes to store for an upload already accepted by ``validate_image_upload``: upright, metadata-free.

    Keeps the format (JPEG, PNG or WebP; an MPO is stored as its first JPEG frame), the
    pixels, transparency and the ICC profile. Checks the format and shape from the header
    first (``ValidationError``), so no save path decodes a refused image; raises Pillow's
    errors for an unreadable file.
    """
    source.seek(0)
    with Image.open(source) as img:
        kind = img.format
        if kind not in ("JPEG", "MPO", *_SAVE):
            raise ValidationError(
                "%(format)s images are not accepted. Upload a JPEG, PNG or WebP photo.",
                code="format",
                params={"format": kind},
            )
        error = shape_error(*img.size)
        if error is not None:
            raise error
        icc = img.info.get("icc_profile")
        img.load()
        if orientation(img) != 1:
            # In place, so a JPEG keeps what "keep" needs (its quantisation tables) and no copy lingers.
            ImageOps.exif_transpose(img, in_place=True)
        options: dict = {"icc_profile": icc} if icc else {}
        buffer = io.BytesIO()
        if kind in ("JPEG", "MPO"):
            options |= {"quality": "keep"} if kind == "JPEG" else _JPEG_FALLBACK
            # Explicitly empty: Pillow would otherwise copy the comment from the source.
            img.save(buffer, "JPEG", exif=b"", comment=b"", **options)
        else:
            pil_format, extra = _SAVE[kind]
            img.save(buffer, pil_format, exif=b"", xmp=b"", **(extra | options))
    source.seek(0)
    return buffer.getvalue()
