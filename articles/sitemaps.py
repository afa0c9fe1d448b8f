"""Sitemaps for search engines: an index, articles with their pictures, sections, tags, and Google News.

``/sitemap.xml`` is an index of the sitemaps below. Articles are split by
calendar month (UTC) into ``/sitemap-articles-YYYY-MM.xml``, each paged at
``ARTICLE_SITEMAP_LIMIT`` URLs (``?p=2`` onwards, listed in the index), so no
file comes near the protocol's 50,000 URLs or 50 MB however large the
archive, and each file is one range of the listing index. Every article
entry carries one ``image:image`` per lead photo with its caption and title
in the image namespace. ``/sitemap-news.xml`` lists the last 48 hours of articles, at most
1,000, in the Google News namespace. Everything starts from
``Article.objects.published()``; queries per sitemap are constant.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import CharField, Count, Exists, Max, OuterRef, Subquery
from django.db.models.functions import Cast, Substr, TruncMonth
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_safe
from taggit.models import Tag

from articles.models import Article, ArticleMonth, Section, TaggedArticle
from articles.selectors import tag_rows_listed
from articles.structured_data import absolute_url, iso_jst, photo_image, xml_text
from newsroom.dates import DATETIME_MIN

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"

NEWS_WINDOW = timedelta(hours=48)
NEWS_MAX_ARTICLES = 1000
# URLs per article sitemap file. An entry is at most about 2.5 kB (two URLs, the alt text and a
# caption cut at IMAGE_CAPTION_MAX), so a full file stays far below the protocol's 50 MB.
ARTICLE_SITEMAP_LIMIT = 20_000
IMAGE_CAPTION_MAX = 1000


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


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


class ArticleMonthSitemap(_JstSitemap):
    """The published articles of one calendar month (UTC), newest first, with lead photos as images.

    The month is a range of ``published_at``: the listing index read in order,
    only this month's rows.
    """

    changefreq = "hourly"
    limit = ARTICLE_SITEMAP_LIMIT

    def __init__(self, *, year: int, month: int):
        self.start = _month_start(year, month)
        self.end = _month_start(year + month // 12, month % 12 + 1)

    def items(self):
        return (
            Article.objects.published()
            .filter(published_at__gte=self.start, published_at__lt=self.end)
            .select_related("lead_photo")
            .only(
                "id",
                "slug",
                "published_at",
                "modified_at",
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
        return article_lastmod(item)

    def decorate(self, url, *, base_url):
        article = url["item"]
        url["images"] = []
        image = photo_image(article.lead_photo, "16x9") if article.lead_photo_id else None
        if image is not None:
            url["images"].append(
                {
                    "loc": absolute_url(image.url, base_url=base_url),
                    "caption": xml_text(article.caption[:IMAGE_CAPTION_MAX]),
                    "title": xml_text(article.lead_photo.alt_text),
                }
            )


def article_lastmod(article: Article) -> datetime:
    """When the article's own row last changed: ``modified_at`` catches silent edits and updates
    (which save the article); ``published_at`` wins for stories edited before their scheduled time."""
    return max(article.published_at, article.modified_at)


def article_months(*, now: datetime | None = None) -> list[dict]:
    """Every month (UTC) with published articles, newest first: ``year``, ``month``, ``count``, ``lastmod``.

    Months that ended before the current one come from ``ArticleMonth`` (kept by
    triggers, ``articles.sitemap_months``): one row each, however many articles
    they hold. The current month may hold scheduled stories not yet due, so it is
    counted live from the listing index: one range of at most a month's articles.
    """
    now = now or timezone.now()
    current = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    first = DATETIME_MIN.astimezone(UTC)
    if connection.vendor == "sqlite":
        # The first seven characters of the stored UTC text ("2026-11"): TruncMonth would call
        # a Python function per row.
        month = Substr(Cast("published_at", output_field=CharField()), 1, 7)
    else:
        month = TruncMonth("published_at", tzinfo=UTC)
    rows = (
        Article.objects.published(now=now)
        .filter(published_at__gte=max(current, DATETIME_MIN))
        .annotate(month=month)
        .order_by()
        .values("month")
        .annotate(count=Count("id"), modified=Max("modified_at"), published=Max("published_at"))
        .order_by("-month")
    )
    months = []
    for row in rows:
        if isinstance(row["month"], str):
            year, number = (int(part) for part in row["month"].split("-"))
        else:
            year, number = row["month"].year, row["month"].month
        months.append(
            {"year": year, "month": number, "count": row["count"], "lastmod": max(row["modified"], row["published"])}
        )
    # A date stored past validation (raw SQL) has no month sitemap to list (newsroom.dates).
    past = ArticleMonth.objects.filter(
        month__lt=f"{current:%Y-%m}", month__gte=f"{first.year:04d}-{first.month:02d}", article_count__gt=0
    ).order_by("-month")
    for summary in past:
        year, number = (int(part) for part in summary.month.split("-"))
        months.append({"year": year, "month": number, "count": summary.article_count, "lastmod": summary.lastmod})
    return months


def _newest(articles) -> Subquery:
    """The newest ``published_at`` of ``articles`` (a correlated subquery): one ordered index probe."""
    return Subquery(articles.order_by("-published_at", "-id").values("published_at")[:1])


class SectionSitemap(_JstSitemap):
    """Every section, last modified when its newest article appeared."""

    changefreq = "hourly"

    def items(self):
        # Per section, the first entry of its listing index; empty sections keep their page (None).
        newest = _newest(Article.objects.published().filter(section=OuterRef("pk")))
        return Section.objects.annotate(latest=newest).order_by("position", "name")

    def lastmod(self, item):
        return item.latest

    def get_latest_lastmod(self):
        # Every article has a section, so the newest one dates the whole list.
        return Article.objects.published().aggregate(latest=Max("published_at"))["latest"]


class _TagPaginator(Paginator):
    """Counts the tags with a story only when the plain number of tags could need a second page.

    Counting tags by "has a visible story" joins the taggings with the articles (0.6 s at
    100,000 articles on PostgreSQL); a site with fewer tags than one sitemap holds has one
    page whatever that count is, so the index and page 1 never need it.
    """

    @cached_property
    def count(self):
        bound = Tag.objects.exclude(slug="").count()
        return bound if bound <= self.per_page else super().count


class TagSitemap(_JstSitemap):
    """Every tag that has at least one published article."""

    changefreq = "daily"

    @property
    def paginator(self):
        return _TagPaginator(self.items(), self.limit)

    def items(self):
        # The tag's listed rows (``taggedarticle_listing_idx``, whose ``listed_at`` is the article's
        # visible publication time): EXISTS and the newest date each read the first entry of the
        # tag's range from the index alone, whatever the tag's size. (With the articles joined as a
        # guard, PostgreSQL would hash every tagging for the EXISTS instead.)
        listed = tag_rows_listed(tag=OuterRef("pk"), now=timezone.now())
        return (
            Tag.objects.filter(Exists(listed))
            .exclude(slug="")  # no tag page to link to
            .annotate(latest=Subquery(listed.values("listed_at")[:1]))
            .order_by("name", "pk")
        )

    def location(self, item):
        return reverse("articles:tag", kwargs={"slug": item.slug})

    def lastmod(self, item):
        return item.latest

    def get_latest_lastmod(self):
        # The listing index in order, until the first story with any tag.
        tagged = TaggedArticle.objects.filter(content_object=OuterRef("pk"))
        return (
            Article.objects.published()
            .filter(Exists(tagged))
            .newest_first()
            .values_list("published_at", flat=True)
            .first()
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
        return article_lastmod(item)

    def decorate(self, url, *, base_url):
        article = url["item"]
        url["news_title"] = xml_text(article.display_headline)
        url["news_publication_date"] = iso_jst(article.published_at)


SITEMAPS = {
    "home": HomeSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
}


def sitemap_index(request):
    """``/sitemap.xml``: the sitemaps in ``SITEMAPS``, then one per month of articles, newest first.

    A month's lastmod is the newest change among its articles; its further
    pages (over ``ARTICLE_SITEMAP_LIMIT`` articles) are listed as ``?p=``.
    """
    response = sitemap_views.index(
        request,
        SITEMAPS,
        template_name="articles/feeds/sitemap_index.xml",
        sitemap_url_name="syndication:sitemap_section",
    )
    # Same W3C datetime as the entries (Tokyo time, to the second).
    entries = [
        {"location": item.location, "lastmod_iso": iso_jst(item.last_mod)} for item in response.context_data["sitemaps"]
    ]
    for month in article_months():
        path = reverse(
            "syndication:sitemap_month", kwargs={"year": f"{month['year']:04d}", "month": f"{month['month']:02d}"}
        )
        location = request.build_absolute_uri(path)
        pages = max(1, -(-month["count"] // ARTICLE_SITEMAP_LIMIT))
        for page in range(1, pages + 1):
            entries.append(
                {
                    "location": location if page == 1 else f"{location}?p={page}",
                    "lastmod_iso": iso_jst(month["lastmod"]),
                }
            )
    response.context_data["sitemaps"] = entries
    return response


def sitemap_month(request, year: str, month: str):
    """``/sitemap-articles-YYYY-MM.xml`` (``?p=2`` for further pages); a month without articles is 404."""
    year_number, month_number = int(year), int(month)
    if not (1 <= year_number <= 9998 and 1 <= month_number <= 12):
        raise Http404("No such month")
    sitemap = ArticleMonthSitemap(year=year_number, month=month_number)
    response = sitemap_views.sitemap(
        request, {"articles": sitemap}, section="articles", template_name="articles/feeds/sitemap.xml"
    )
    if not response.context_data["urlset"]:
        raise Http404("No articles that month")
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
