"""Head metadata: description, canonical URL, Open Graph, Twitter card, JSON-LD and feed discovery.

Put these in ``{% block meta %}`` (``base.html`` writes ``<title>`` itself):

    {{ seo_article(article) }}
    {{ seo_page(title=section.name, description=section.description, feed_url=feed_url) }}

(in Django templates: ``{% load seo %}{% seo_article article %}``, ``{% seo_page title=... %}``).

Both tags read only what the view loaded: ``seo_article`` uses
``article.section``, ``article.lead_photo`` and ``article.authors.all()`` /
``article.tags.all()``, so with ``select_related`` and ``prefetch_related``
in the view it runs no query at all.
"""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from jinja2 import pass_context

from articles.structured_data import (
    PUBLISHER_LOGO,
    PUBLISHER_LOGO_SIZE,
    absolute_url,
    article_images,
    article_json_ld,
    article_modified_at,
    base_url_for,
    iso_jst,
    json_ld_script,
)
from articles.structured_data_site import author_profile_json_ld, front_page_json_ld
from newsroom.caching.fragments import fragment_cached

register = template.Library()


def _feed_links(*, base_url: str, extra: list[tuple[str, str]] = ()) -> list[dict]:
    """Feed autodiscovery links: the site's RSS and Atom feeds, then any more (url, title)."""
    site = settings.SITE_NAME
    links = [
        {"url": absolute_url(reverse("syndication:feed"), base_url=base_url), "title": f"{site} (RSS)"},
        {"url": absolute_url(reverse("syndication:atom"), base_url=base_url), "title": f"{site} (Atom)"},
    ]
    seen = {link["url"] for link in links}
    for url, title in extra:
        url = absolute_url(url, base_url=base_url)
        if url not in seen:
            seen.add(url)
            links.append({"url": url, "title": title})
    for link in links:
        link["type"] = "application/atom+xml" if link["url"].rstrip("/").endswith("/atom") else "application/rss+xml"
    return links


def _page_canonical(request, *, params: tuple[str, ...] = ()) -> str:
    """The page's own URL without tracking parameters: ``params`` (``q`` on search) and a page above 1 kept.

    Empty values and a page number that is not a number above 1 are left out, so
    ``/search/?q=tax&page=1&utm_source=x`` is canonically ``/search/?q=tax``.
    """
    url = request.build_absolute_uri(request.path)
    query = [(name, value) for name in params if (value := " ".join(request.GET.get(name, "").split()))]
    page = request.GET.get("page", "")
    if page.isdigit() and int(page) > 1:
        query.append(("page", str(int(page))))
    return f"{url}?{urlencode(query)}" if query else url


@register.simple_tag(takes_context=True)
@pass_context
def seo_article(context, article) -> SafeString:
    """All head tags for an article page (canonical, OG, Twitter, JSON-LD NewsArticle).

    The same for every reader of the article, so kept in the fragment cache per
    generation, article and site address; an editor's preview is always rendered.
    """
    request = context.get("request")
    base_url = base_url_for(request)

    def render() -> str:
        return get_template("includes/meta_article.html").render(seo_article_context(article, base_url=base_url))

    if context.get("preview") or article.pk is None:
        return mark_safe(render())  # noqa: S308 - rendered template
    return fragment_cached("seo-article", article.pk, base_url, request=request, render=render)


def seo_article_context(article, *, base_url: str) -> dict:
    """What ``includes/meta_article.html`` shows for ``article`` (no query with the page's prefetches)."""
    images = article_images(article)
    lead = images[0] if images else None
    section = article.section
    return {
        "title": article.display_headline,
        "description": " ".join(article.deck.split()),
        "canonical": absolute_url(article.get_absolute_url(), base_url=base_url),
        "site_name": settings.SITE_NAME,
        "image": (
            {
                "url": absolute_url(lead.url, base_url=base_url),
                "width": lead.width,
                "height": lead.height,
                "type": lead.mime_type,
                "alt": article.lead_photo.alt_text,
            }
            if lead
            else None
        ),
        "published_time": iso_jst(article.published_at),
        "modified_time": iso_jst(article_modified_at(article)),
        "section": section.name,
        "tags": [tag.name for tag in article.tags.all()],
        "author_urls": [absolute_url(author.get_absolute_url(), base_url=base_url) for author in article.authors.all()],
        "json_ld": json_ld_script(article_json_ld(article=article, base_url=base_url)),
        "feeds": _feed_links(
            base_url=base_url,
            extra=[(reverse("syndication:section_feed", kwargs={"slug": section.slug}), f"{section.name} (RSS)")],
        ),
    }


@register.simple_tag(takes_context=True)
@pass_context
def json_ld_front_page(context, *, organization: bool = True) -> list[dict]:
    """The front page's ``Organization`` and ``WebSite`` data, for ``seo_page(json_ld=...)``.

    ``organization=False``: the ``WebSite`` alone (the page writes its publisher itself).
    """
    return front_page_json_ld(base_url=base_url_for(context.get("request")), organization=organization)


@register.simple_tag(takes_context=True)
@pass_context
def json_ld_author(context, author) -> dict:
    """An author page's ``ProfilePage`` / ``Person`` data, for ``seo_page(json_ld=...)``."""
    return author_profile_json_ld(author=author, base_url=base_url_for(context.get("request")))


@register.simple_tag(takes_context=True)
@pass_context
def seo_page(context, *, title, description="", feed_url="", canonical_params=(), json_ld=None) -> SafeString:
    """Head tags for a non-article page (canonical, description, OG, feed autodiscovery, optional JSON-LD).

    ``canonical_params``: query parameters that make another page (``("q",)`` on search,
    ``("window",)`` on the ranking page), kept in the canonical URL. ``json_ld``: a dict
    (or list of dicts) written as one ``application/ld+json`` script.
    """
    request = context.get("request")
    base_url = base_url_for(request)
    width, height = PUBLISHER_LOGO_SIZE
    values = {
        "title": title,
        "description": " ".join(str(description).split()),
        "canonical": _page_canonical(request, params=tuple(canonical_params)) if request is not None else "",
        "site_name": settings.SITE_NAME,
        "image": {
            "url": absolute_url(static(PUBLISHER_LOGO), base_url=base_url),
            "width": width,
            "height": height,
            "alt": settings.SITE_NAME,
            "type": "image/png",
        },
        "feeds": _feed_links(base_url=base_url, extra=[(feed_url, f"{title} (RSS)")] if feed_url else []),
        "json_ld": json_ld_script(json_ld) if json_ld else "",
    }
    return mark_safe(get_template("includes/meta_page.html").render(values))  # noqa: S308 - rendered template
