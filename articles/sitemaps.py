"""Sitemaps for search engines: an index, articles with their pictures, sections, tags, and Google News.

``/sitemap.xml`` is an index of the sitemaps below (Django's sitemap
framework pages each at 50,000 URLs). The article sitemap carries one
``image:image`` per lead photo with its caption and title in the image
namespace. ``/sitemap-news.xml`` lists the last 48 hours of articles, at most
1,000, in the Google News namespace. Everything starts from
``Article.objects.published()``; queries per sitemap are constant.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max, Q
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from taggit.models import Tag

from articles.models import Article, Section
from articles.structured_data import absolute_url, iso_jst, photo_image, xml_text

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"

NEWS_WINDOW = timedelta(hours=48)
NEWS_MAX_ARTICLES = 1000


class _JstSitemap(Sitemap):
    """Adds ``lastmod_iso`` (W3C datetime in Asia/Tokyo) and the base URL to every entry."""

    protocol = None  # the request's scheme

    def get_urls(self, page=1, site=None, protocol=None):
        protocol = self.get_protocol(protocol)
        base_url = f"{protocol}://{self.get_domain(site)}"
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            url["lastmod_iso"] = iso_jst(url["lastmod"])
            self.decorate(url, base_url=base_url)
        return urls

    def decorate(self, url: dict, *, base_url: str) -> None:
        """Hook for extra per-entry data."""


class HomeSitemap(_JstSitemap):
    changefreq = "always"
    priority = 1.0

    def items(self):
        return ["articles:home"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        return self.get_latest_lastmod()

    def get_latest_lastmod(self):
        if not hasattr(self, "_latest"):
            self._latest = Article.objects.published().aggregate(latest=Max("published_at"))["latest"]
        return self._latest


class ArticleSitemap(_JstSitemap):
    """Every published article, newest first, with its lead photo as an image entry."""

    changefreq = "hourly"

    def items(self):
        return (
            Article.objects.published()
            .select_related("lead_photo")
            .only(
                "id",
                "slug",
                "published_at",
                "modified_at",
                "last_updated_at",
                "lead_photo_caption",
                "lead_photo__id",
                "lead_photo__image",
                "lead_photo__width",
                "lead_photo__height",
                "lead_photo__caption",
                "lead_photo__alt_text",
                "lead_photo__renditions",
            )
            .newest_first()
        )

    def lastmod(self, item):
        # modified_at catches silent edits; published_at wins for articles
        # edited before their scheduled time.
        return max(item.published_at, item.modified_at)

    def get_latest_lastmod(self):
        # Django's default walks every item; one aggregate does it.
        latest = Article.objects.published().aggregate(pub=Max("published_at"), mod=Max("modified_at"))
        values = [value for value in latest.values() if value is not None]
        return max(values) if values else None

    def decorate(self, url, *, base_url):
        article = url["item"]
        url["images"] = []
        image = photo_image(article.lead_photo, "16x9") if article.lead_photo_id else None
        if image is not None:
            url["images"].append(
                {
                    "loc": absolute_url(image.url, base_url=base_url),
                    "caption": xml_text(article.caption),
                    "title": xml_text(article.lead_photo.alt_text),
                }
            )


class SectionSitemap(_JstSitemap):
    """Every section, last modified when its newest article appeared."""

    changefreq = "hourly"

    def items(self):
        published = Article.objects.published().values("pk")
        # The filter inside Max keeps empty sections (their pages exist) while
        # only published articles set the date.
        return Section.objects.annotate(
            latest=Max("articles__published_at", filter=Q(articles__in=published))
        ).order_by("position", "name")

    def lastmod(self, item):
        return item.latest

    def get_latest_lastmod(self):
        # Every article has a section, so the newest one dates the whole list.
        return Article.objects.published().aggregate(latest=Max("published_at"))["latest"]


class TagSitemap(_JstSitemap):
    """Every tag that has at least one published article."""

    changefreq = "daily"

    def items(self):
        published = Article.objects.published().values("pk")
        return (
            Tag.objects.filter(articles_taggedarticle_items__content_object__in=published)
            .exclude(slug="")  # no tag page to link to
            .annotate(latest=Max("articles_taggedarticle_items__content_object__published_at"))
            .order_by("name", "pk")
        )

    def location(self, item):
        return reverse("articles:tag", kwargs={"slug": item.slug})

    def lastmod(self, item):
        return item.latest

    def get_latest_lastmod(self):
        return (
            Article.objects.published()
            .filter(tagged_items__isnull=False)
            .aggregate(latest=Max("published_at"))["latest"]
        )


class NewsSitemap(_JstSitemap):
    """Google News: articles published in the last 48 hours, at most 1,000."""

    limit = NEWS_MAX_ARTICLES

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return list(
            Article.objects.published()
            .filter(published_at__gte=since)
            .only("id", "slug", "headline", "update_count", "published_at", "modified_at")
            .newest_first()[:NEWS_MAX_ARTICLES]
        )

    def lastmod(self, item):
        return max(item.published_at, item.modified_at)

    def decorate(self, url, *, base_url):
        article = url["item"]
        url["news_title"] = xml_text(article.display_headline)
        url["news_publication_date"] = iso_jst(article.published_at)


SITEMAPS = {
    "home": HomeSitemap,
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
}


def sitemap_index(request):
    """``/sitemap.xml``: the index of the sitemaps in ``SITEMAPS``."""
    response = sitemap_views.index(
        request,
        SITEMAPS,
        template_name="articles/feeds/sitemap_index.xml",
        sitemap_url_name="syndication:sitemap_section",
    )
    # Same W3C datetime as the entries (Tokyo time, to the second).
    response.context_data["sitemaps"] = [
        {"location": item.location, "lastmod_iso": iso_jst(item.last_mod)} for item in response.context_data["sitemaps"]
    ]
    return response


def sitemap_section(request, section):
    """``/sitemap-<section>.xml`` (``?p=2`` for further pages); unknown sections are 404."""
    return sitemap_views.sitemap(request, SITEMAPS, section=section, template_name="articles/feeds/sitemap.xml")


def sitemap_news(request):
    """``/sitemap-news.xml``: the Google News sitemap."""
    response = sitemap_views.sitemap(request, {"news": NewsSitemap}, template_name="articles/feeds/sitemap_news.xml")
    # A TemplateResponse renders late, so the publication name can still join its context.
    response.context_data["publication_name"] = settings.SITE_NAME
    return response


@require_safe
def robots_txt(request):
    """``/robots.txt`` naming both sitemaps by absolute URL."""
    content = render_to_string(
        "robots.txt",
        {
            "sitemap_url": request.build_absolute_uri(reverse("syndication:sitemap")),
            "news_sitemap_url": request.build_absolute_uri(reverse("syndication:sitemap_news")),
        },
        request=request,
    )
    return HttpResponse(content, content_type="text/plain; charset=utf-8")
