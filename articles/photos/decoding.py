"""Shape limits read from an image's header, and a decode whose memory is bounded by them.

Pillow's ``Image.open`` reads only the header, so the size is known before any pixel is
decoded: every shape check below runs on that. Peak memory while making renditions is then
about (bytes per decoded pixel + 3) × the pixels decoded, plus one strip (see
``working_image``): ``PHOTO_MAX_PIXELS`` (25 megapixels by default) keeps a worker under
300 MB for any accepted upload (``bench/photos`` measures it).
"""

from __future__ import annotations

import io
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image, ImageCms

# The most an encoder can write: WebP's side limit, and JPEG's (every rendition's side is at
# most the source's, so a source within MAX_SIDE always has JPEG renditions).
WEBP_MAX_SIDE = 16383
MAX_SIDE = 65535
# Long side over short side. A 1 × 40,000,000 "image" has no useful rendition; a tall
# infographic (800 × 30,000 is 1:37.5) has.
MAX_ASPECT_RATIO = 50
# Pixels converted at a time: bounds the temporary copies of the colour conversion.
STRIP_PIXELS = 1 << 20

_SRGB = ImageCms.createProfile("sRGB")
# EXIF orientation -> the transposition that shows the image upright (the EXIF 2.32 table).
ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def shape_error(width: int, height: int) -> ValidationError | None:
    """Why an image of ``width`` × ``height`` (from its header) is refused, or None if it is accepted."""
    limit = settings.PHOTO_MAX_PIXELS
    if width * height > limit:
        return ValidationError(
            "The image is %(width)s × %(height)s pixels (%(mp)s megapixels); the limit is %(limit)s megapixels. "
            "Resize it before uploading.",
            code="too_many_pixels",
            params={
                "width": width,
                "height": height,
                "mp": round(width * height / 1e6, 1),
                "limit": f"{limit / 1e6:g}",
            },
        )
    if max(width, height) > MAX_SIDE:
        return ValidationError(
            "The image is %(width)s × %(height)s pixels; no side may be longer than %(limit)s pixels. "
            "Resize it or split it into several images.",
            code="too_long",
            params={"width": width, "height": height, "limit": f"{MAX_SIDE:,}"},
        )
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        return ValidationError(
            "The image is %(width)s × %(height)s pixels; its long side may be at most %(ratio)s times its "
            "short side. Crop it or split it into several images.",
            code="aspect_ratio",
            params={"width": width, "height": height, "ratio": MAX_ASPECT_RATIO},
        )
    return None


def orientation(img: Image.Image) -> int:
    """The EXIF orientation (1 = upright) of an opened image."""
    value = img.getexif().get(ExifTags.Base.Orientation)
    return value if value in ORIENTATION_TRANSPOSE else 1


def _srgb_transform(icc: bytes | None, mode: str):
    """A transform from the embedded profile to sRGB for ``mode`` pixels, or None (treat as sRGB)."""
    if not icc:
        return None
    try:
        source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.buildTransform(source_profile, _SRGB, mode, "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # A broken profile: treat the pixels as sRGB rather than refuse the photo.


def _strip_to_rgb(strip: Image.Image, has_alpha: bool) -> Image.Image:
    """One strip as L, RGB or CMYK pixels (alpha flattened on white), ready for the sRGB transform."""
    if strip.mode.startswith("I"):  # 16-bit greyscale PNG: scale to 8 bits rather than clip to white
        strip = strip.convert("I").point(lambda value: value / 256).convert("L")
    if has_alpha:
        rgba = strip if strip.mode in ("RGBA", "LA") else strip.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba)  # blends by the alpha band: the picture over opaque white
        return flat
    if strip.mode not in ("L", "RGB", "CMYK"):
        strip = strip.convert("RGB")
    return strip


def working_image(img: Image.Image, *, min_side: int) -> Image.Image:
    """A loaded image as upright sRGB RGB pixels with no metadata, reduced while both sides stay >= ``min_side``.

    Converted strip by strip into one new image: besides the decoded source, memory holds
    the (reduced) result and one strip, never a full-size copy per conversion step.
    """
    upright = orientation(img)
    icc = img.info.get("icc_profile")
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    width, height = img.size
    factor = max(1, min(width, height) // max(1, min_side))
    out = Image.new("RGB", (math.ceil(width / factor), math.ceil(height / factor)))
    rows = max(factor, STRIP_PIXELS // max(1, width) // factor * factor)
    transform = None
    transform_mode = None
    for top in range(0, height, rows):
        strip = _strip_to_rgb(img.crop((0, top, width, min(height, top + rows))), has_alpha)
        if icc and transform_mode != strip.mode:
            transform, transform_mode = _srgb_transform(icc, strip.mode), strip.mode
        if transform is not None:
            try:
                strip = ImageCms.applyTransform(strip, transform)
            except (ImageCms.PyCMSError, ValueError):
                transform = None
        if strip.mode != "RGB":
            strip = strip.convert("RGB")
        if factor > 1:
            strip = strip.reduce(factor)
        out.paste(strip, (0, top // factor))
    if upright != 1:
        out = out.transpose(ORIENTATION_TRANSPOSE[upright])
    return out
