"""Photo image processing: upload validation, renditions, and the URLs pages need.

Renditions are made once, when a photo's image or focal point changes (see
``articles.services.photo_renditions_build`` and the receivers that call it for
every save path), and stored in the default storage. Pages never resize
anything: they read ``Photo.renditions`` and turn storage names into URLs.

``Photo.renditions`` shape (``RENDITIONS_SHAPE`` below; all names are storage
names under ``renditions/<photo id>/<version>/``, version = hash of the source)::

    {
      "shape": 1,                      # bumps when this layout changes (forces a rebuild)
      "source": {                      # what the files were made from (staleness check)
        "name": "photos/2026/01/harbour.jpg",
        "focal_x": 0.5, "focal_y": 0.5,
      },
      "width": 4000, "height": 3000,   # the original, EXIF orientation applied
      "widths": {                      # for srcset, narrowest first, never wider than the source
        "webp": [{"name": ".../w320.webp", "width": 320, "height": 240}, ...],
        "jpeg": [{"name": ".../w320.jpg", "width": 320, "height": 240}, ...],
      },
      "crops": {                       # JPEG, around the focal point, at most CROP_WIDTH wide
        "16x9": {"name": ".../crops/16x9.jpg", "width": 1200, "height": 675},
        "4x3": {"name": ".../crops/4x3.jpg", "width": 1200, "height": 900},
        "1x1": {"name": ".../crops/1x1.jpg", "width": 1200, "height": 1200},
      },
    }

Every rendition is re-encoded from pixels only: EXIF (GPS included), XMP, ICC
profiles (colours are first converted to sRGB) and comments never reach them. The stored
original is cleaned too (``articles.photos.originals``). Shape limits and the
memory-bounded decode live in ``articles.photos.decoding``.

The read helpers (``photo_srcset``, ``photo_crop``, ``photo_crop_url``,
``photo_display_size``) touch only ``image``, ``width``, ``height`` and
``renditions``, which ``ArticleQuerySet.for_listing`` loads: no queries, no I/O.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import re
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage, storages
from PIL import Image, UnidentifiedImageError

from articles.photos.decoding import (
    STRIP_PIXELS,
    WEBP_MAX_SIDE,
    orientation,
    shape_error,
    working_image,
)
from articles.photos.originals import original_reencode

RENDITIONS_SHAPE = 1
# 768: a phone 412 CSS px wide at 1.75 device pixels per CSS px (Lighthouse's mobile) needs 721 px of a
# full-width photo; without the step it took the 960 one, about 44% more pixels than it shows.
RENDITION_WIDTHS = (320, 640, 768, 960, 1280, 1920)
CROP_RATIOS = {"16x9": (16, 9), "4x3": (4, 3), "1x1": (1, 1)}
CROP_WIDTH = 1200
RENDITIONS_DIR = "renditions"
# Larger JPEG renditions are written baseline, unoptimised: see ``_encode``.
STREAMED_JPEG_PIXELS = 4_000_000
# Encoder settings: visually lossless for photos at a fraction of the original's bytes.
ENCODERS = {
    "webp": ("WEBP", "webp", {"quality": 80, "method": 4}),
    "jpeg": ("JPEG", "jpg", {"quality": 82, "optimize": True, "progressive": True}),
}
# Pillow format name -> what we tell the editor. MPO is how Pillow names many cameras' JPEGs.
ACCEPTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
ACCEPTED_CONTENT_TYPES = "image/jpeg,image/png,image/webp"
FORMAT_EXTENSIONS = {"JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"), "PNG": (".png",), "WebP": (".webp",)}


class PhotoRenditionError(ValidationError):
    """Renditions could not be made from a stored image (it is then not saved)."""


# --- Validation -------------------------------------------------------------------------------


def _file_size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    position = file.tell()
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(position)
    return size


def _looks_like_svg(head: bytes) -> bool:
    """SVG is XML that can carry scripts: refuse it whatever its file name says."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in text


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


@contextmanager
def _bomb_guard() -> Iterator[None]:
    """Pillow's DecompressionBombWarning becomes an error while opening untrusted images."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def validate_image_upload(file: IO[bytes]) -> str:
    """Refuse anything that is not a sound JPEG, PNG or WebP photo within the size limits.

    Used by ``PhotoForm`` (admin) and ``photo_create`` (importer, shell). Raises
    ``ValidationError`` with a message an editor can act on for: empty or
    oversized files (``PHOTO_MAX_UPLOAD_BYTES``), SVG (whatever the extension),
    non-images, other formats, decompression bombs (``PHOTO_MAX_PIXELS`` or
    Pillow's own limit), shapes no rendition can be made of (a side over ``MAX_SIDE``, an
    aspect ratio over ``MAX_ASPECT_RATIO``: see ``articles.photos.decoding``), all read from
    the header before any pixel is decoded, and truncated or corrupt files (the whole image
    is decoded).
    The file is rewound afterwards. Returns the format: "JPEG", "PNG" or "WebP".
    """
    size = _file_size(file)
    if size == 0:
        raise ValidationError("The file is empty.", code="empty")
    limit = settings.PHOTO_MAX_UPLOAD_BYTES
    if size > limit:
        raise ValidationError(
            "The file is %(size)s MB; the limit is %(limit)s MB.",
            code="too_large",
            params={"size": _megabytes(size), "limit": _megabytes(limit)},
        )
    file.seek(0)
    head = file.read(2048)
    file.seek(0)
    if _looks_like_svg(head):
        raise ValidationError(
            "SVG files are not accepted (they can carry scripts). Upload a JPEG, PNG or WebP photo.", code="svg"
        )
    try:
        with _bomb_guard(), Image.open(file) as img:
            kind = ACCEPTED_FORMATS.get(img.format or "")
            if kind is None:
                raise ValidationError(
                    "%(format)s images are not accepted. Upload a JPEG, PNG or WebP photo.",
                    code="format",
                    params={"format": img.format},
                )
            error = shape_error(*img.size)
            if error is not None:
                raise error
            width, height = img.size
            # Decode the whole file: a truncated or corrupt one fails here, not at rendition time.
            # JPEGs decode at 1/8 scale (libjpeg still reads every byte), which bounds memory.
            img.draft(img.mode, (max(1, width // 8), max(1, height // 8)))
            img.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            "The image has too many pixels to process safely (limit: %(limit)s megapixels).",
            code="too_many_pixels",
            params={"limit": f"{settings.PHOTO_MAX_PIXELS / 1e6:g}"},
        ) from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(
            "The file is not an image. Upload a JPEG, PNG or WebP photo.", code="not_an_image"
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, MemoryError) as exc:
        raise ValidationError(
            "The image is truncated or damaged and cannot be read. Export it again and re-upload.", code="corrupt"
        ) from exc
    finally:
        file.seek(0)
    return kind


# --- Rendering --------------------------------------------------------------------------------


@dataclass
class RenderedFile:
    """One encoded rendition, before it is stored."""

    filename: str  # relative to the photo's version folder, e.g. "w640.webp"
    content: bytes
    width: int
    height: int


@dataclass
class RenderedSet:
    width: int  # the source, orientation applied
    height: int
    widths: dict[str, list[RenderedFile]] = field(default_factory=dict)
    crops: dict[str, RenderedFile] = field(default_factory=dict)

    def files(self) -> list[RenderedFile]:
        return [f for files in self.widths.values() for f in files] + list(self.crops.values())


def rendition_widths(source_width: int) -> list[int]:
    """Target widths for ``source_width``: the standard steps below it, then the source (capped), no upscaling."""
    cap = min(source_width, RENDITION_WIDTHS[-1])
    return sorted({w for w in RENDITION_WIDTHS if w < cap} | {cap})


def crop_box(width: int, height: int, ratio: tuple[int, int], focal_x: float, focal_y: float) -> tuple[int, ...]:
    """The largest ``ratio`` box inside ``width`` × ``height`` centred on the focal point, kept inside the image."""
    rw, rh = ratio
    if width * rh > height * rw:  # wider than the ratio: full height
        box_h, box_w = height, max(1, round(height * rw / rh))
    else:
        box_w, box_h = width, max(1, round(width * rh / rw))
    fx = min(max(float(focal_x), 0.0), 1.0)
    fy = min(max(float(focal_y), 0.0), 1.0)
    left = min(max(round(fx * width - box_w / 2), 0), width - box_w)
    top = min(max(round(fy * height - box_h / 2), 0), height - box_h)
    return (left, top, left + box_w, top + box_h)


def _encode(img: Image.Image, fmt: str) -> bytes:
    pil_format, _, options = ENCODERS[fmt]
    if fmt == "jpeg" and img.width * img.height > STREAMED_JPEG_PIXELS:
        # Progressive and optimised JPEGs make libjpeg hold every coefficient of the image
        # (3 bytes a pixel, plus Pillow's output buffer); a tall infographic is written as it is read.
        options = {key: value for key, value in options.items() if key not in ("optimize", "progressive")}
    buffer = io.BytesIO()
    img.save(buffer, pil_format, **options)
    return buffer.getvalue()


def _resize(img: Image.Image, size: tuple[int, int], box=None) -> Image.Image:
    if box is None and img.size == size:
        return img
    width, height = size
    if box is not None or width * height <= STRIP_PIXELS:
        return img.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    # A big output (a tall infographic) in bands: Pillow's two-pass resize would otherwise hold a
    # full-height intermediate as large as the output. A band's box maps exactly onto its rows and
    # the filter reads the pixels around it, so the result is the same as one resize.
    out = Image.new("RGB", size)
    rows = max(1, STRIP_PIXELS // width)
    scale = img.height / height
    for top in range(0, height, rows):
        bottom = min(height, top + rows)
        band = img.resize(
            (width, bottom - top), Image.Resampling.LANCZOS, box=(0, top * scale, img.width, bottom * scale)
        )
        out.paste(band, (0, top))
    return out


@contextmanager
def _source_errors() -> Iterator[None]:
    """Any failure to read a stored or about-to-be-stored image becomes a ``PhotoRenditionError``."""
    try:
        with _bomb_guard():
            yield
    except PhotoRenditionError:
        raise
    except ValidationError as exc:
        raise PhotoRenditionError(exc.messages[0], code="source") from exc
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRenditionError("The stored file is not a usable image.", code="source") from exc
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise PhotoRenditionError("The stored image is truncated or damaged.", code="source") from exc


def original_clean(source: IO[bytes]) -> bytes:
    """The bytes to store as a photo's original: upright, without EXIF/GPS/XMP/IPTC (ICC kept).

    See ``articles.photos.originals``. Raises ``PhotoRenditionError`` for a refused or
    unreadable image.
    """
    with _source_errors():
        return original_reencode(source)


def renditions_render(source: IO[bytes], *, focal_x: float = 0.5, focal_y: float = 0.5) -> RenderedSet:
    """Encode every rendition of one image in memory (no storage, no database).

    WebP renditions are made only when every width fits WebP's 16,383-pixel limit: a tall
    infographic gets JPEG ones alone (a partial WebP set would make browsers pick a too
    narrow file). Raises ``PhotoRenditionError`` if the source cannot be decoded or its
    shape is refused (``validate_image_upload``'s checks, from the header).
    """
    with _source_errors(), Image.open(source) as original:
        width, height = original.size
        error = shape_error(width, height)
        if error is not None:
            raise error
        if orientation(original) in (5, 6, 7, 8):
            width, height = height, width
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale while both sides stay >= the largest output;
        # other formats are reduced the same way while they are converted.
        biggest = max(RENDITION_WIDTHS[-1], CROP_WIDTH)
        original.draft("RGB", (biggest, biggest))
        original.load()
        img = working_image(original, min_side=biggest)
        original.close()  # frees the decoded source now, not when the function returns

    rendered = RenderedSet(width=width, height=height)
    sizes = [(target, max(1, round(target * height / width))) for target in rendition_widths(width)]
    webp = all(max(size) <= WEBP_MAX_SIDE for size in sizes)
    rendered.widths = {fmt: [] for fmt in ENCODERS if webp or fmt != "webp"}
    # One size at a time: only the working image and one resized copy are in memory.
    for target, target_height in sizes:
        resized = _resize(img, (target, target_height))
        for fmt, files in rendered.widths.items():
            files.append(RenderedFile(f"w{target}.{ENCODERS[fmt][1]}", _encode(resized, fmt), target, target_height))
        del resized
    for key, ratio in CROP_RATIOS.items():
        box = crop_box(img.width, img.height, ratio, focal_x, focal_y)
        # Output size from the full-resolution source, so a decode-time reduction never shrinks a crop.
        full_box_w = min(width, round((box[2] - box[0]) * width / img.width))
        out_w = min(CROP_WIDTH, full_box_w)
        out_h = max(1, round(out_w * ratio[1] / ratio[0]))
        rendered.crops[key] = RenderedFile(
            f"crops/{key}.jpg", _encode(_resize(img, (out_w, out_h), box=box), "jpeg"), out_w, out_h
        )
    return rendered


def renditions_version(*, name: str, focal_x: float, focal_y: float) -> str:
    """A short hash naming one build's folder: new source, new URLs (safe for CDN caching)."""
    key = f"{RENDITIONS_SHAPE}|{name}|{float(focal_x)!r}|{float(focal_y)!r}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def renditions_store(*, photo_id: int, name: str, focal_x: float, focal_y: float, storage=None) -> dict:
    """Render the stored image ``name`` and save every file; return the ``Photo.renditions`` dict.

    All or nothing: if rendering or any write fails, the files written so far
    are deleted and the error is raised.
    """
    storage = storage or default_storage
    with storage.open(name, "rb") as source:
        rendered = renditions_render(source, focal_x=focal_x, focal_y=focal_y)
    return renditions_save(
        rendered=rendered, photo_id=photo_id, name=name, focal_x=focal_x, focal_y=focal_y, storage=storage
    )


def renditions_save(
    *, rendered: RenderedSet, photo_id: int, name: str, focal_x: float, focal_y: float, storage=None
) -> dict:
    """Save a ``RenderedSet`` (from ``renditions_render``) for photo ``photo_id``; return the renditions dict.

    For callers that render elsewhere (e.g. in worker processes). All or nothing, like
    ``renditions_store``.
    """
    storage = storage or default_storage
    folder = f"{RENDITIONS_DIR}/{photo_id}/{renditions_version(name=name, focal_x=focal_x, focal_y=focal_y)}"
    written: list[str] = []

    def put(item: RenderedFile) -> dict:
        stored = storage.save(f"{folder}/{item.filename}", ContentFile(item.content))
        written.append(stored)
        return {"name": stored, "width": item.width, "height": item.height}

    try:
        return {
            "shape": RENDITIONS_SHAPE,
            "source": {"name": name, "focal_x": float(focal_x), "focal_y": float(focal_y)},
            "width": rendered.width,
            "height": rendered.height,
            "widths": {fmt: [put(item) for item in files] for fmt, files in rendered.widths.items()},
            "crops": {key: put(item) for key, item in rendered.crops.items()},
        }
    except BaseException:
        files_delete(written, storage=storage)
        raise


def renditions_file_names(renditions: dict | None) -> list[str]:
    """Every storage name a renditions dict points at."""
    if not renditions:
        return []
    names = [item["name"] for files in (renditions.get("widths") or {}).values() for item in files]
    names += [item["name"] for item in (renditions.get("crops") or {}).values()]
    return names


def files_delete(names, *, storage=None) -> None:
    """Delete storage files, ignoring ones already gone (cleanup must never mask the real error)."""
    storage = storage or default_storage
    folders = set()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            continue
        if name.startswith(f"{RENDITIONS_DIR}/"):
            folders.add(posixpath.dirname(name))
    _empty_folders_remove(folders, storage)


def _empty_folders_remove(folders, storage) -> None:
    """On a local file system, remove rendition folders left empty (object stores have no folders)."""
    if not hasattr(storage, "path"):
        return
    for folder in sorted(folders, key=len, reverse=True):
        while folder.count("/") >= 1:  # up to renditions/<photo id>, never renditions/ itself
            try:
                os.rmdir(storage.path(folder))
            except (OSError, NotImplementedError):
                break
            folder = posixpath.dirname(folder)


def renditions_stale(photo) -> bool:
    """True when ``photo.renditions`` was not built from its current image and focal point."""
    if not photo.image:
        return bool(photo.renditions)
    renditions = photo.renditions or {}
    source = renditions.get("source") or {}
    return (
        renditions.get("shape") != RENDITIONS_SHAPE
        or source.get("name") != photo.image.name
        or source.get("focal_x") != float(photo.focal_x)
        or source.get("focal_y") != float(photo.focal_y)
    )


# --- Reading (pages, feeds, structured data) --------------------------------------------------


_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")  # nothing urljoin or quoting would change


def rendition_url(name: str) -> str:
    """``default_storage.url(name)``, without urljoin's cost for the names this module writes.

    A page lists a dozen rendition URLs per photo; on the file system storage the URL is
    the media URL plus the name, which the fast path builds directly (same result).
    """
    storage = storages["default"]  # the backend itself (``default_storage`` is a lazy proxy of it)
    if (
        type(storage) is FileSystemStorage
        and _SAFE_NAME.fullmatch(name)
        and "/." not in name
        and "//" not in name
        and storage.base_url
    ):
        return storage.base_url + name
    return default_storage.url(name)


def _renditions(photo) -> dict[str, Any]:
    renditions = getattr(photo, "renditions", None) if photo is not None else None
    return renditions if isinstance(renditions, dict) and renditions.get("shape") == RENDITIONS_SHAPE else {}


def photo_srcset(photo, fmt: str) -> str:
    """``srcset`` value for ``fmt`` ("webp" or "jpeg"): ``"<url> 320w, <url> 640w, …"``; "" without renditions."""
    if fmt not in ENCODERS:
        raise ValueError(f"Unknown rendition format {fmt!r}; expected one of {sorted(ENCODERS)}.")
    files = (_renditions(photo).get("widths") or {}).get(fmt) or []
    return ", ".join(f"{rendition_url(item['name'])} {item['width']}w" for item in files)


def photo_crop(photo, ratio: str) -> dict | None:
    """``{"url", "width", "height", "name"}`` of the ``ratio`` crop ("16x9", "4x3", "1x1"); None without renditions.

    The URL is the storage URL (``/media/…`` on the file system); make it
    absolute with ``request.build_absolute_uri`` or ``settings.SITE_URL``.
    ``name`` is the storage name (for ``storage.size``, e.g. a feed enclosure's length).
    """
    if ratio not in CROP_RATIOS:
        raise ValueError(f"Unknown crop ratio {ratio!r}; expected one of {sorted(CROP_RATIOS)}.")
    item = (_renditions(photo).get("crops") or {}).get(ratio)
    if not item:
        return None
    return {"url": rendition_url(item["name"]), "width": item["width"], "height": item["height"], "name": item["name"]}


def photo_crop_url(photo, ratio: str) -> str | None:
    """Storage URL of the ``ratio`` crop ("16x9", "4x3" or "1x1"), or None without renditions."""
    crop = photo_crop(photo, ratio)
    return crop["url"] if crop else None


def photo_display_size(photo) -> tuple[int | None, int | None]:
    """Width and height as displayed (EXIF orientation applied), for layout-stable ``width``/``height``."""
    renditions = _renditions(photo)
    if renditions.get("width") and renditions.get("height"):
        return renditions["width"], renditions["height"]
    return getattr(photo, "width", None), getattr(photo, "height", None)


def photo_fallback_src(photo) -> dict | None:
    """The ``<img src>`` choice: the JPEG rendition closest to 1280 px wide, else the original upload."""
    files = (_renditions(photo).get("widths") or {}).get("jpeg") or []
    if files:
        best = [item for item in files if item["width"] <= 1280][-1:] or files[:1]
        item = best[0]
        return {"url": rendition_url(item["name"]), "width": item["width"], "height": item["height"]}
    if photo is None or not getattr(photo, "image", None):
        return None
    width, height = photo_display_size(photo)
    return {"url": photo.image.url, "width": width, "height": height}
