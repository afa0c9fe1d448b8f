"""Reader-page helpers: Tokyo times, the dateline-led body, navigation and pagination links.

``{% load news %}``, then:

- ``{{ article.published_at|time_jst }}`` gives
  ``<time datetime="2026-01-17T07:05:00+09:00">7:05 JST, January 17, 2026</time>``;
- ``{{ article.published_at|jst }}`` gives ``7:05 JST, January 17, 2026``;
- ``{{ article.body|with_dateline:article.dateline }}`` gives the body led by "TOKYO — ";
- ``{% nav_sections current=... active=... %}`` renders the section navigation;
- ``{% site_header %}`` / ``{% site_footer %}`` render ``includes/header.html`` / ``includes/footer.html``
  through the fragment cache (``articles.fragments``): the same HTML on every page of a generation.
"""

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from articles.fragments import fragment_cached
from articles.sanitize import sanitize_body
from articles.selectors import section_list_for_nav

register = template.Library()

# Readers are told "JST", so times are shown in Tokyo whatever the active time zone is.
TOKYO = ZoneInfo("Asia/Tokyo")


def _in_tokyo(value: datetime) -> datetime:
    if timezone.is_naive(value):
        # Stored times are UTC; a naive one can only come from code that forgot its zone.
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(TOKYO)


@register.filter
def jst(value) -> str:
    """``7:05 JST, January 17, 2026``: 24-hour clock, no leading zero on the hour, date in Tokyo."""
    if not isinstance(value, datetime):
        return ""
    local = _in_tokyo(value)
    return f"{local.hour}:{local.minute:02d} JST, {local:%B} {local.day}, {local.year}"


@register.filter
def jst_iso(value) -> str:
    """ISO 8601 in Tokyo with its offset, to the second: ``2026-01-17T07:05:00+09:00``."""
    if not isinstance(value, datetime):
        return ""
    return _in_tokyo(value).replace(microsecond=0).isoformat()


@register.filter
def time_jst(value) -> SafeString:
    """The whole ``<time>`` element a reader sees, machine-readable and in Tokyo time."""
    if not isinstance(value, datetime):
        return mark_safe("")  # noqa: S308 - empty string
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
def page_url(context, number) -> str:
    """The current URL's query string with ``page`` set to ``number`` (other parameters such as ``q`` kept)."""
    request = context["request"]
    params = [(key, value) for key, value in request.GET.items() if key != "page"]
    if int(number) > 1:
        params.append(("page", str(number)))
    query = urlencode(params)
    return f"?{query}" if query else request.path


@register.inclusion_tag("includes/nav.html")
def nav_sections(current="", active=""):
    """Every section, in position order, for the header navigation (one small query).

    ``current`` is the slug of the section whose page this is (``aria-current``);
    ``active`` the section of the article being read (highlighted only).
    """
    return {"sections": section_list_for_nav(), "current": current or "", "active": active or ""}


def _render_include(context, template_name: str) -> str:
    # Rendered in the page's own context, exactly as {% include %} would.
    return context.template.engine.get_template(template_name).render(context)


@register.simple_tag(takes_context=True)
def site_header(context) -> SafeString:
    """The masthead and section navigation, cached per generation, current page and active section."""
    current, active = context.get("nav_current") or "", context.get("nav_section") or ""
    return fragment_cached(
        "header",
        context.get("SITE_NAME", settings.SITE_NAME),
        current,
        active,
        request=context.get("request"),
        render=lambda: _render_include(context, "includes/header.html"),
    )


@register.simple_tag(takes_context=True)
def site_footer(context) -> SafeString:
    """The site footer, cached per generation and year (it shows the copyright year)."""
    return fragment_cached(
        "footer",
        context.get("SITE_NAME", settings.SITE_NAME),
        timezone.localtime().year,
        request=context.get("request"),
        render=lambda: _render_include(context, "includes/footer.html"),
    )
