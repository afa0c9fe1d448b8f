"""Responsive photo markup from stored renditions: ``{% load photos %}``.

Costs no queries and no file I/O: it reads only ``image``, ``width``, ``height``,
``alt_text`` and ``renditions`` of the photo (the columns
``ArticleQuerySet.for_listing`` loads) and turns storage names into URLs.
"""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.photos import photo_crop_url as _photo_crop_url
from articles.photos import photo_display_size, photo_fallback_src, photo_srcset
from newsroom.edge import edge_keys_add

register = template.Library()

_LOADING = {"lazy", "eager"}
_FETCH_PRIORITIES = frozenset({"high", "low", "auto"})


@register.simple_tag
def photo_picture(photo, *, sizes="100vw", loading="lazy", css_class="", alt=None, fetchpriority=None):
    """``<picture>`` with a WebP ``<source>`` and a JPEG ``<img>`` (srcset, sizes, width, height, alt).

    ``width``/``height`` give the displayed aspect ratio, so the page does not shift while
    the image loads. ``alt`` defaults to the photo's alt text (pass ``alt=""`` for a
    decorative image); everything is escaped. ``loading`` is "lazy" (below the fold) or
    "eager" (the lead photo). An eager image is the page's largest paint, so it gets
    ``fetchpriority="high"`` unless ``fetchpriority`` says otherwise ("auto", "low").
    Without renditions (not built yet, or a failed build) the
    original upload is shown; without an image, nothing.
    """
    fallback = photo_fallback_src(photo)
    if fallback is None:
        return ""
    # The page shows this photo: a new image, crop or caption purges it (newsroom.invalidation).
    edge_keys_add(f"p{photo.pk}")
    loading = loading if loading in _LOADING else "lazy"
    alt_text = getattr(photo, "alt_text", "") if alt is None else alt
    webp = photo_srcset(photo, "webp")
    jpeg = photo_srcset(photo, "jpeg")
    # width/height: the source's aspect at the fallback file's size (integers, as HTML requires).
    width, height = fallback["width"], fallback["height"]
    if not (width and height):
        width, height = photo_display_size(photo)
    img_attrs = [("src", fallback["url"])]
    if jpeg:
        img_attrs += [("srcset", jpeg), ("sizes", sizes)]
    if width and height:
        img_attrs += [("width", width), ("height", height)]
    img_attrs += [("alt", alt_text), ("loading", loading)]
    if fetchpriority is None and loading == "eager":
        fetchpriority = "high"
    if fetchpriority in _FETCH_PRIORITIES:
        img_attrs.append(("fetchpriority", fetchpriority))
    img_attrs.append(("decoding", "async"))
    if css_class:
        img_attrs.append(("class", css_class))
    # Plain escape() and one mark_safe: this runs for every photo of every list page.
    parts = ["<picture>"]
    if webp:
        parts.append(f'<source type="image/webp" srcset="{escape(webp)}" sizes="{escape(sizes)}">')
    parts.append("<img" + "".join(f' {name}="{escape(value)}"' for name, value in img_attrs) + "></picture>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


@register.simple_tag
def photo_crop_url(photo, ratio="16x9"):
    """Storage URL of a focal-point crop ("16x9", "4x3", "1x1"), or "" when there is none."""
    return _photo_crop_url(photo, ratio) or ""
