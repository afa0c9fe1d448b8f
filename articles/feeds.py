"""RSS 2.0 and Atom feeds for the whole site, each section and each tag.

Built on Django's syndication framework. Every feed lists the newest
``FEED_LENGTH`` articles of ``Article.objects.published()`` with their
authors (``dc:creator`` / ``atom:author``), tags as categories, a stable
``tag:`` URI as guid, and the lead photo twice: as the enclosure (the 16:9
JPEG crop with its byte length) and as Media RSS ``media:content`` with its
caption and credit, which news readers and aggregators show as the card image.
Queries per feed are constant: the object, the articles, authors and tags.
"""

import copy
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import feedgenerator, timezone
from django.utils.html import escape
from taggit.models import Tag

from articles.models import Article, Author, Section
from articles.selectors import articles_tagged
from articles.structured_data import absolute_url, article_modified_at, base_url_for, photo_image, xml_text
from newsroom.dates import datetime_in_tokyo

FEED_LENGTH = 30
DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"


def _add_media_content(handler, media: dict | None) -> None:
    """Media RSS picture with its caption and credit (same markup in RSS and Atom)."""
    if not media:
        return
    attrs = {"url": media["url"], "medium": "image", "type": media["type"]}
    if media["width"] and media["height"]:
        attrs["width"], attrs["height"] = str(media["width"]), str(media["height"])
    handler.startElement("media:content", attrs)
    if media["caption"]:
        handler.addQuickElement("media:description", media["caption"], {"type": "plain"})
    if media["credit"]:
        handler.addQuickElement("media:credit", media["credit"])
    handler.endElement("media:content")


def _xml_clean(value):
    """Strip XML-forbidden characters from every string in ``value`` (lists and dicts too)."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, list | tuple):
        return type(value)(_xml_clean(item) for item in value)
    if isinstance(value, dict):
        return {key: _xml_clean(item) for key, item in value.items()}
    return value


class XmlSafeFeedMixin:
    """Django's XML writer refuses control characters with an exception (a 500);
    a pasted one in a headline, deck or caption is dropped here instead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*(_xml_clean(arg) for arg in args), **_xml_clean(kwargs))

    def add_item(self, *args, **kwargs):
        super().add_item(*(_xml_clean(arg) for arg in args), **_xml_clean(kwargs))


class NewsRssFeed(XmlSafeFeedMixin, feedgenerator.Rss201rev2Feed):
    """RSS 2.0 with every author as ``dc:creator`` and the lead photo as ``media:content``.

    The channel's title and description are plain text (a section's name and description, a
    tag's name), escaped once more like the items' (see ``ArticleFeed.title_is_html``).
    """

    def __init__(self, title, link, description, *args, **kwargs):
        # RSS readers render the channel's <title> and <description> as HTML, so "<b>" in a
        # section's description would come out bold (and "<script>" be up to the reader).
        super().__init__(escape(title), link, escape(description), *args, **kwargs)

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:dc": DC_NS, "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for author in item.get("authors", ()):
            handler.addQuickElement("dc:creator", author["name"])
        _add_media_content(handler, item.get("media"))


class NewsAtomFeed(XmlSafeFeedMixin, feedgenerator.Atom1Feed):
    """Atom 1.0 with one ``author`` element per byline and the lead photo as ``media:content``."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for author in item.get("authors", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", author["name"])
            handler.addQuickElement("uri", author["url"])
            handler.endElement("author")
        _add_media_content(handler, item.get("media"))


def _jst_seconds(value):
    """Tokyo time to the second: feeds show ``+09:00`` like the pages, without microseconds."""
    return datetime_in_tokyo(value).replace(microsecond=0)


class ArticleFeed(Feed):
    """The site's newest published articles as RSS 2.0; subclasses narrow the list."""

    feed_type = NewsRssFeed
    language = "en"
    # RSS readers treat <title> and <description> as HTML, so plain text is escaped
    # once more (Django's convention); Atom's <title> is declared text and is not.
    title_is_html = True

    def __call__(self, request, *args, **kwargs):
        # One Feed instance serves every request: absolute URLs need this
        # request, so work on a per-request copy rather than shared state.
        feed = copy.copy(self)
        feed.base_url = base_url_for(request)
        return Feed.__call__(feed, request, *args, **kwargs)

    # --- the channel -------------------------------------------------------------
    def title(self, obj):
        return settings.SITE_NAME

    def link(self, obj):
        return reverse("articles:home")

    def description(self, obj):
        return f"The latest news from {settings.SITE_NAME}."

    def author_name(self, obj):
        # Atom requires an author per entry unless the feed has one.
        return settings.SITE_NAME

    def feed_copyright(self, obj):
        return f"© {timezone.localdate():%Y} {settings.SITE_NAME}"

    def articles(self, obj):
        """The published articles this feed covers, newest first (before the limit), read in index order."""
        return Article.objects.published().newest_first()

    def items(self, obj):
        return list(
            self.articles(obj)
            .select_related("section", "lead_photo")
            .defer("body")
            .prefetch_related(Prefetch("authors", queryset=Author.objects.only("id", "name", "slug")), "tags")[
                :FEED_LENGTH
            ]
        )

    # --- each article --------------------------------------------------------------
    def item_title(self, item):
        return escape(item.display_headline) if self.title_is_html else item.display_headline

    def item_description(self, item):
        return escape(item.deck)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        # A tag: URI (RFC 4151) on the configured site's host: unchanged by slug
        # edits, by updates, or by the host name a request happened to use.
        host = urlsplit(settings.SITE_URL).hostname or "localhost"
        return f"tag:{host},{item.created_at:%Y-%m-%d}:article:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return _jst_seconds(item.published_at)

    def item_updateddate(self, item):
        return _jst_seconds(article_modified_at(item))

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]

    def _image(self, item):
        """The lead photo's 16:9 crop, worked out once per article (enclosure and media:content)."""
        if not hasattr(item, "feed_image"):
            item.feed_image = photo_image(item.lead_photo, "16x9") if item.lead_photo_id else None
        return item.feed_image

    def item_enclosures(self, item):
        image = self._image(item)
        length = image.size_bytes() if image else None
        if image is None or length is None:
            return []  # an enclosure must state its length; a missing file gets none
        return [
            feedgenerator.Enclosure(
                url=absolute_url(image.url, base_url=self.base_url), length=str(length), mime_type=image.mime_type
            )
        ]

    def item_extra_kwargs(self, item):
        authors = [
            {"name": author.name, "url": absolute_url(author.get_absolute_url(), base_url=self.base_url)}
            for author in item.authors.all()
        ]
        media = None
        image = self._image(item)
        if image is not None:
            media = {
                "url": absolute_url(image.url, base_url=self.base_url),
                "type": image.mime_type,
                "width": image.width,
                "height": image.height,
                "caption": item.caption,
                "credit": item.lead_photo.credit,
            }
        return {"authors": authors, "media": media}


class AtomMixin:
    feed_type = NewsAtomFeed
    title_is_html = False

    def subtitle(self, obj):
        return self.description(obj)


class SiteRssFeed(ArticleFeed):
    """``/feed/``"""


class SiteAtomFeed(AtomMixin, ArticleFeed):
    """``/atom/``"""


class SectionRssFeed(ArticleFeed):
    """``/section/<slug>/feed/``: one section's newest articles."""

    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, obj):
        return f"{obj.name} | {settings.SITE_NAME}"

    def link(self, obj):
        return obj.get_absolute_url()

    def description(self, obj):
        return obj.description or f"The latest {obj.name} news from {settings.SITE_NAME}."

    def articles(self, obj):
        return Article.objects.published().in_section(obj).newest_first()


class SectionAtomFeed(AtomMixin, SectionRssFeed):
    """``/section/<slug>/atom/``"""


class TagRssFeed(ArticleFeed):
    """``/tag/<slug>/feed/``: the newest articles with one tag."""

    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, obj):
        return f"{obj.name} | {settings.SITE_NAME}"

    def link(self, obj):
        return reverse("articles:tag", kwargs={"slug": obj.slug})

    def description(self, obj):
        return f"The latest news tagged “{obj.name}” from {settings.SITE_NAME}."

    def articles(self, obj):
        return articles_tagged(tag=obj)


class TagAtomFeed(AtomMixin, TagRssFeed):
    """``/tag/<slug>/atom/``"""
