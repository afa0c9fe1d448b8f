"""Responsive photo markup. PLACEHOLDER: the photos work replaces this with real renditions."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def photo_picture(photo, *, sizes="100vw", loading="lazy", css_class=""):
    """Render ``<picture>`` with WebP/JPEG srcsets, width, height and alt text for ``photo``."""
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" loading="{}" class="{}">',
        photo.image.url,
        photo.alt_text,
        photo.width or "",
        photo.height or "",
        loading,
        css_class,
    )
