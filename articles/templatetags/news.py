"""Reader-page helpers: Tokyo times, the dateline-led body, the masthead, footer and pagination links.

Plain functions that both template engines call: the reader pages (Jinja2,
``newsroom.templating``) as ``{{ value|time_jst }}`` or ``{{ site_header() }}``,
Django templates after ``{% load news %}``.

- ``time_jst`` gives ``<time datetime="2026-01-17T07:05:00+09:00">7:05 JST, January 17, 2026</time>``;
- ``jst`` gives ``7:05 JST, January 17, 2026``;
- ``with_dateline(body, dateline)`` gives the body led by "TOKYO — ";
- ``site_header()`` / ``site_footer()`` render ``includes/header.html`` (with the section
  navigation) / ``includes/footer.html`` through the fragment cache (``newsroom.caching.fragments``):
  the same HTML on every page of a generation.
"""

from datetime import datetime
from functools import lru_cache
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from jinja2 import pass_context

from articles.sanitize import sanitize_body
from articles.selectors import section_list_for_nav
from newsroom.caching.fragments import fragment_cached
from newsroom.caching.middleware import page_cache_query_known
from newsroom.dates import NEWSROOM_TZ, datetime_in_tokyo

register = template.Library()

# Readers are told "JST", so times are shown in Tokyo whatever the active time zone is.
TOKYO = NEWSROOM_TZ


@register.filter
def jst(value) -> str:
    """``7:05 JST, January 17, 2026``: 24-hour clock, no leading zero on the hour, date in Tokyo.

    Never raises: a time Tokyo cannot show (within hours of year 10000) is shown in UTC.
    """
    if not isinstance(value, datetime):
        return ""
    local = datetime_in_tokyo(value)
    zone = "JST" if local.tzinfo is TOKYO else "UTC"
    return f"{local.hour}:{local.minute:02d} {zone}, {local:%B} {local.day}, {local.year}"


@register.filter
def jst_iso(value) -> str:
    """ISO 8601 in Tokyo with its offset, to the second: ``2026-01-17T07:05:00+09:00``."""
    if not isinstance(value, datetime):
        return ""
    return datetime_in_tokyo(value).replace(microsecond=0).isoformat()


@register.filter
def time_jst(value) -> SafeString:
    """The whole ``<time>`` element a reader sees, machine-readable and in Tokyo time."""
    if not isinstance(value, datetime):
        return mark_safe("")  # noqa: S308 - empty string
    return _time_element(value)


# Pages show the same few hundred publication times over and over; equal instants
# (whatever their zone) give the same element, so the key is the datetime itself.
@lru_cache(maxsize=4096)
def _time_element(value: datetime) -> SafeString:
    return format_html('<time datetime="{}">{}</time>', jst_iso(value), jst(value))


@register.filter
def with_dateline(body, dateline="") -> SafeString:
    """The article body with its dateline ("WASHINGTON — ") leading the first paragraph.

    The body is sanitized again here although ``Article.save`` already did it:
    ``QuerySet.update()``, bulk imports and raw SQL bypass ``save()``, and an
    allowlist pass costs microseconds. The dateline itself is escaped.
    """
    clean = sanitize_body(str(body or ""))
    dateline = str(dateline or "").strip()
    if not dateline:
        return mark_safe(clean)  # noqa: S308 - sanitized just above
    lead = format_html('<span class="dateline">{} — </span>', dateline)
    # The sanitizer strips every attribute from <p>, so an opening paragraph is exactly "<p>".
    if clean.startswith("<p>"):
        return mark_safe(f"<p>{lead}{clean[3:]}")  # noqa: S308 - sanitized body, escaped dateline
    return mark_safe(f"<p>{lead}</p>{clean}")  # noqa: S308 - sanitized body, escaped dateline


@register.simple_tag(takes_context=True)
@pass_context
def page_url(context, number) -> str:
    """The current URL's query string with ``page`` set to ``number`` (other known parameters such as ``q`` kept).

    Unknown parameters (``?cb=``) are dropped: the page cache ignores them, so a
    page rendered for one must not hand them on to every reader of the stored copy.
    """
    request = context["request"]
    known = page_cache_query_known()
    params = [(key, value) for key, value in request.GET.items() if key != "page" and key in known]
    if int(number) > 1:
        params.append(("page", str(number)))
    query = urlencode(params)
    return f"?{query}" if query else request.path


@register.simple_tag(takes_context=True)
@pass_context
def site_header(context) -> SafeString:
    """The masthead and section navigation, cached per generation, current page and active section.

    ``nav_current`` is the slug of the section whose page this is (or "home", "search"):
    ``aria-current``; ``nav_section`` the section of the article being read (highlighted only).
    """
    site_name = context.get("SITE_NAME") or settings.SITE_NAME
    current, active = context.get("nav_current") or "", context.get("nav_section") or ""

    def render() -> str:
        # One small query: every section in position order.
        sections = section_list_for_nav()
        values = {"SITE_NAME": site_name, "current": current, "active": active, "sections": sections}
        return render_to_string("includes/header.html", values)

    return fragment_cached("header", site_name, current, active, request=context.get("request"), render=render)


@register.simple_tag(takes_context=True)
@pass_context
def site_footer(context) -> SafeString:
    """The site footer, cached per generation and year (it shows the copyright year)."""
    site_name = context.get("SITE_NAME") or settings.SITE_NAME
    year = timezone.localtime().year
    return fragment_cached(
        "footer",
        site_name,
        year,
        request=context.get("request"),
        render=lambda: render_to_string("includes/footer.html", {"SITE_NAME": site_name, "year": year}),
    )
