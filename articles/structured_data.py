"""Head metadata and structured data: the dicts behind Open Graph, JSON-LD, feeds and sitemaps.

Pure functions over already-loaded objects: nothing here runs a query, so a
page that prefetched ``authors`` and ``tags`` renders its head for free.
Every URL that leaves the site is absolute, built from a ``base_url`` (the
request's scheme and host, or ``settings.SITE_URL`` without a request).
"""

import json
import mimetypes
import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.utils.encoding import iri_to_uri
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article, Photo
from articles.photos import photo_crop, photo_display_size
from newsroom.dates import datetime_in_tokyo

# The crops structured data and social cards ask for, widest first (Google
# recommends offering 16:9, 4:3 and 1:1 for NewsArticle images).
CROP_RATIOS = ("16x9", "4x3", "1x1")

# Publisher logo for JSON-LD: a raster image (Google does not take SVG there),
# square and at least 112x112. Dimensions are asserted against the file by a test.
PUBLISHER_LOGO = "img/logo.png"
PUBLISHER_LOGO_SIZE = (512, 512)

# Google truncates longer headlines in rich results and flags them.
HEADLINE_MAX_CHARS = 110

# The same escapes as django.utils.html.json_script: "<", ">" and "&" become
# \u escapes, so no headline can close the <script> element or open a comment.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}

# Characters XML 1.0 cannot carry at all (not even escaped): C0 controls but
# tab/newline/return, lone surrogates, U+FFFE/U+FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class ImageRef:
    """One picture file as the outside world sees it."""

    url: str  # site-relative or absolute, as storage gives it
    width: int | None
    height: int | None
    name: str | None = None  # storage name, when known, for the file size

    @property
    def mime_type(self) -> str:
        guessed, _ = mimetypes.guess_type(self.name or self.url.split("?", 1)[0])
        return guessed or "image/jpeg"

    def size_bytes(self) -> int | None:
        """File size from storage (a stat, no query); None if the file is missing."""
        if not self.name:
            return None
        try:
            return default_storage.size(self.name)
        except (OSError, NotImplementedError, ValueError):
            return None


def xml_text(value):
    """``value`` without the characters XML 1.0 forbids, so a pasted control
    character in a headline or caption cannot break a feed or sitemap."""
    if isinstance(value, str):
        return _XML_INVALID.sub("", value)
    return value


def base_url_for(request=None) -> str:
    """Scheme and host of the current request (no trailing slash), else ``settings.SITE_URL``."""
    if request is None:
        return settings.SITE_URL
    return f"{request.scheme}://{request.get_host()}"


def absolute_url(url: str, *, base_url: str) -> str:
    """``url`` made absolute against ``base_url``; absolute URLs (a CDN's) pass through."""
    if url.startswith(("http://", "https://")):
        return iri_to_uri(url)
    if url.startswith("//"):
        scheme = base_url.split(":", 1)[0]
        return iri_to_uri(f"{scheme}:{url}")
    return iri_to_uri(base_url.rstrip("/") + "/" + url.lstrip("/"))


def iso_jst(value: datetime | None) -> str | None:
    """ISO 8601 in the site's time zone (Asia/Tokyo): ``2026-01-17T07:05:00+09:00``."""
    if value is None:
        return None
    return datetime_in_tokyo(value).isoformat(timespec="seconds")


def _crop_storage_name(photo: Photo, ratio: str) -> str | None:
    """Storage name of a crop, from the documented ``Photo.renditions`` shape (for its file size)."""
    crops = (photo.renditions or {}).get("crops") if isinstance(photo.renditions, dict) else None
    item = (crops or {}).get(ratio) or {}
    return item.get("name")


def photo_image(photo: Photo | None, ratio: str = "16x9") -> ImageRef | None:
    """The ``ratio`` crop of ``photo`` (JPEG, EXIF stripped), else its original image.

    The crop comes from ``articles.photos.photo_crop`` when renditions exist;
    a photo whose renditions are not made yet still gives an image.
    """
    if photo is None or not photo.image:
        return None
    crop = photo_crop(photo, ratio)  # stored, EXIF-free, around the focal point
    if crop:
        name = crop.get("name") or _crop_storage_name(photo, ratio)
        return ImageRef(url=crop["url"], width=crop.get("width"), height=crop.get("height"), name=name)
    width, height = photo_display_size(photo)
    return ImageRef(url=photo.image.url, width=width, height=height, name=photo.image.name)


def article_images(article: Article) -> list[ImageRef]:
    """The lead photo's 16:9, 4:3 and 1:1 crops (distinct files only), or nothing."""
    if not article.lead_photo_id:
        return []
    images, seen = [], set()
    for ratio in CROP_RATIOS:
        image = photo_image(article.lead_photo, ratio)
        if image and image.url not in seen:
            seen.add(image.url)
            images.append(image)
    return images


def article_modified_at(article: Article) -> datetime | None:
    """When readers last saw a change: the newest update or correction, else publication."""
    if article.last_updated_at and article.published_at and article.last_updated_at > article.published_at:
        return article.last_updated_at
    return article.published_at


def truncate_headline(text: str, limit: int = HEADLINE_MAX_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def publisher_json_ld(*, base_url: str) -> dict:
    """The publisher: an Organization with its raster logo."""
    width, height = PUBLISHER_LOGO_SIZE
    return {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": absolute_url("/", base_url=base_url),
        "logo": {
            "@type": "ImageObject",
            "url": absolute_url(static(PUBLISHER_LOGO), base_url=base_url),
            "width": width,
            "height": height,
        },
    }


def article_json_ld(*, article: Article, base_url: str) -> dict:
    """Schema.org ``NewsArticle`` for one article.

    Uses ``article.authors.all()`` and ``article.tags.all()`` so the page's
    prefetches are reused (no queries when they are loaded).
    """
    canonical = absolute_url(article.get_absolute_url(), base_url=base_url)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "url": canonical,
        "headline": truncate_headline(article.display_headline),
        "datePublished": iso_jst(article.published_at),
        "dateModified": iso_jst(article_modified_at(article)),
        "author": [
            {
                "@type": "Person",
                "name": author.name,
                "url": absolute_url(author.get_absolute_url(), base_url=base_url),
                **({"jobTitle": author.role} if author.role else {}),
            }
            for author in article.authors.all()
        ],
        "publisher": publisher_json_ld(base_url=base_url),
        "articleSection": article.section.name,
        "keywords": [tag.name for tag in article.tags.all()],
        "isAccessibleForFree": True,
        "inLanguage": "en",
    }
    if article.published_at is None:  # a draft in the staff preview
        del data["datePublished"], data["dateModified"]
    if article.deck:
        data["description"] = article.deck
    images = article_images(article)
    if images:
        data["image"] = [absolute_url(image.url, base_url=base_url) for image in images]
    if article.dateline:
        data["locationCreated"] = {"@type": "Place", "name": article.dateline}
    return data


def breadcrumb_list_json_ld(*, items: list[tuple[str, str]], base_url: str) -> dict:
    """Schema.org ``BreadcrumbList`` of ``(name, url)`` pairs, the page itself last."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": absolute_url(url, base_url=base_url)}
            for n, (name, url) in enumerate(items, start=1)
        ],
    }


def json_ld_script(data: dict) -> SafeString:
    """``<script type="application/ld+json">`` holding ``data``, safe whatever the strings say.

    Like ``django.utils.html.json_script``, but with the JSON-LD media type
    (which browsers never execute, so CSP's nonce is not needed).
    """
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    payload = payload.translate(_JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')
