"""Head metadata: description, canonical, Open Graph, Twitter card, JSON-LD NewsArticle, feed discovery."""

import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.template import Context, Template
from django.test import RequestFactory
from PIL import Image

from articles.models import Article, Photo
from articles.structured_data import HEADLINE_MAX_CHARS, PUBLISHER_LOGO, PUBLISHER_LOGO_SIZE, truncate_headline
from articles.tests.factories import ArticleFactory, ArticleUpdateFactory, AuthorFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db

HOSTILE = "</script><script>alert(1)</script>"


class Head(HTMLParser):
    """Collects what crawlers read from a page head."""

    def __init__(self, markup: str):
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict] = []
        self.json_ld: list[str] = []
        self._in_ld = False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta.setdefault(key, []).append(attrs["content"])
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_ld = True
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld[-1] += data

    def one(self, key):
        (value,) = self.meta[key]
        return value

    def link(self, rel):
        return [link for link in self.links if link["rel"] == rel]


def loaded(article):
    """The article as the page view loads it: section and photo joined, authors and tags prefetched."""
    return (
        Article.objects.select_related("section", "lead_photo").prefetch_related("authors", "tags").get(pk=article.pk)
    )


def render(source, *, path="/", host="testserver", secure=False, **context):
    request = RequestFactory().get(path, HTTP_HOST=host, secure=secure)
    return Template("{% load seo %}" + source).render(Context({"request": request, **context}))


@pytest.fixture
def story():
    photo = PhotoFactory(alt_text="Cranes against an orange sky", caption="Cranes at dusk.")
    section = SectionFactory(name="Business", slug="business")
    published = datetime(2026, 1, 16, 22, 5, tzinfo=UTC)  # 7:05 JST, January 17
    article = ArticleFactory(
        headline="Port Reopens After Storm",
        deck="Cranes are moving again and ships queue outside the breakwater.",
        dateline="YOKOHAMA",
        section=section,
        lead_photo=photo,
        published_at=published,
        authors=[
            AuthorFactory(name="Aiko Tanaka", slug="aiko-tanaka"),
            AuthorFactory(name="Ben Ross", slug="ben-ross"),
        ],
        tags=["Shipping", "Weather"],
    )
    ArticleUpdateFactory(article=article, created_at=published + timedelta(hours=2, minutes=7))
    return loaded(article)


def test_article_head_runs_no_queries(story, django_assert_num_queries):
    with django_assert_num_queries(0):
        render("{% seo_article article %}", article=story)


def test_json_ld_news_article(story):
    head = Head(render("{% seo_article article %}", article=story))
    (raw,) = head.json_ld
    data = json.loads(raw)
    url = f"http://testserver{story.get_absolute_url()}"

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Port Reopens After Storm (UPDATE 1)"
    assert data["description"] == story.deck
    assert data["datePublished"] == "2026-01-17T07:05:00+09:00"
    assert data["dateModified"] == "2026-01-17T09:12:00+09:00"
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["articleSection"] == "Business"
    assert data["keywords"] == ["Shipping", "Weather"]
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Aiko Tanaka",
            "url": "http://testserver/author/aiko-tanaka/",
            "jobTitle": "Staff Writer",
        },
        {
            "@type": "Person",
            "name": "Ben Ross",
            "url": "http://testserver/author/ben-ross/",
            "jobTitle": "Staff Writer",
        },
    ]
    crops = story.lead_photo.renditions["crops"]
    assert data["image"] == [
        f"http://testserver{default_storage.url(crops[r]['name'])}" for r in ("16x9", "4x3", "1x1")
    ]
    publisher = data["publisher"]
    assert publisher["@type"] == "Organization"
    assert publisher["name"] == settings.SITE_NAME
    assert publisher["logo"]["@type"] == "ImageObject"
    assert publisher["logo"]["url"].startswith("http://testserver/static/img/logo.")
    assert publisher["logo"]["url"].endswith(".png")
    assert (publisher["logo"]["width"], publisher["logo"]["height"]) == PUBLISHER_LOGO_SIZE


def test_date_modified_equals_published_without_updates():
    article = loaded(ArticleFactory(published_at=datetime(2026, 3, 1, 0, 0, tzinfo=UTC)))
    data = json.loads(Head(render("{% seo_article article %}", article=article)).json_ld[0])
    assert data["datePublished"] == data["dateModified"] == "2026-03-01T09:00:00+09:00"


def test_draft_preview_has_no_dates():
    article = loaded(ArticleFactory(status=Article.Status.DRAFT, published_at=None))
    markup = render("{% seo_article article %}", article=article, preview=True)
    assert "None" not in markup
    head = Head(markup)
    assert "article:published_time" not in head.meta
    data = json.loads(head.json_ld[0])
    assert "datePublished" not in data
    assert "dateModified" not in data


def test_publisher_logo_is_a_raster_of_the_declared_size():
    path = finders.find(PUBLISHER_LOGO)
    with Image.open(path) as logo:
        assert logo.format == "PNG"
        assert logo.size == PUBLISHER_LOGO_SIZE
        assert min(logo.size) >= 112  # Google's minimum for publisher logos


def test_open_graph_and_twitter(story, settings):
    settings.ALLOWED_HOSTS = ["news.example.com"]
    head = Head(render("{% seo_article article %}", article=story, host="news.example.com", secure=True))
    url = f"https://news.example.com{story.get_absolute_url()}"
    crop = story.lead_photo.renditions["crops"]["16x9"]

    assert head.one("description") == story.deck
    assert [link["href"] for link in head.link("canonical")] == [url]
    assert head.one("og:type") == "article"
    assert head.one("og:title") == "Port Reopens After Storm (UPDATE 1)"
    assert head.one("og:description") == story.deck
    assert head.one("og:url") == url
    assert head.one("og:site_name") == settings.SITE_NAME
    assert head.one("og:image") == f"https://news.example.com{default_storage.url(crop['name'])}"
    assert (head.one("og:image:width"), head.one("og:image:height")) == ("1200", "675")
    assert head.one("og:image:alt") == "Cranes against an orange sky"
    assert head.one("article:published_time") == "2026-01-17T07:05:00+09:00"
    assert head.one("article:modified_time") == "2026-01-17T09:12:00+09:00"
    assert head.one("article:section") == "Business"
    assert head.meta["article:tag"] == ["Shipping", "Weather"]
    assert head.meta["article:author"] == [
        "https://news.example.com/author/aiko-tanaka/",
        "https://news.example.com/author/ben-ross/",
    ]
    assert head.one("twitter:card") == "summary_large_image"
    assert head.one("twitter:image") == head.one("og:image")
    feeds = [(link["type"], link["href"]) for link in head.link("alternate")]
    assert feeds == [
        ("application/rss+xml", "https://news.example.com/feed/"),
        ("application/atom+xml", "https://news.example.com/atom/"),
        ("application/rss+xml", "https://news.example.com/section/business/feed/"),
    ]


def test_article_without_photo_gets_a_summary_card_and_no_image():
    article = loaded(ArticleFactory(lead_photo=None, deck=""))
    head = Head(render("{% seo_article article %}", article=article))
    assert "og:image" not in head.meta
    assert "description" not in head.meta
    assert head.one("twitter:card") == "summary"
    data = json.loads(head.json_ld[0])
    assert "image" not in data
    assert "description" not in data


def test_photo_without_renditions_uses_the_original():
    photo = PhotoFactory()
    Photo.objects.filter(pk=photo.pk).update(renditions={})
    article = loaded(ArticleFactory(lead_photo=photo))
    head = Head(render("{% seo_article article %}", article=article))
    assert head.one("og:image") == f"http://testserver{photo.image.url}"
    assert json.loads(head.json_ld[0])["image"] == [f"http://testserver{photo.image.url}"]


def test_hostile_headline_cannot_escape_the_json_ld_script():
    article = loaded(ArticleFactory(headline=HOSTILE, deck='"><img src=x onerror=alert(1)> & <!--', tags=["</script>"]))
    markup = render("{% seo_article article %}", article=article)
    assert "<script>alert(1)" not in markup
    assert "<img" not in markup
    assert markup.count("<script") == 1
    assert markup.count("</script>") == 1
    assert "<!--" not in markup
    head = Head(markup)
    data = json.loads(head.json_ld[0])
    assert data["headline"] == HOSTILE
    assert data["keywords"] == ["</script>"]
    assert head.one("og:title") == HOSTILE  # escaped in the attribute, intact once parsed


def test_long_headline_is_cut_at_a_word_for_json_ld():
    headline = "Ministers Agree " + " ".join(f"word{i}" for i in range(25))
    article = loaded(ArticleFactory(headline=headline))
    data = json.loads(Head(render("{% seo_article article %}", article=article)).json_ld[0])
    assert len(data["headline"]) <= HEADLINE_MAX_CHARS
    assert data["headline"].endswith("…")
    assert headline.startswith(data["headline"][:-1])
    assert truncate_headline("short") == "short"


def test_seo_page():
    markup = render(
        '{% seo_page title="Politics" description=description feed_url="/section/politics/feed/" %}',
        path="/section/politics/?page=3&utm_source=x&fbclid=y",
        description="  Votes,\n and   more. ",
    )
    head = Head(markup)
    assert [link["href"] for link in head.link("canonical")] == ["http://testserver/section/politics/?page=3"]
    assert head.one("description") == "Votes, and more."
    assert head.one("og:type") == "website"
    assert head.one("og:title") == "Politics"
    assert head.one("og:url") == "http://testserver/section/politics/?page=3"
    assert head.one("og:image").startswith("http://testserver/static/img/logo.")
    assert head.one("twitter:card") == "summary"
    assert [(link["type"], link["href"], link["title"]) for link in head.link("alternate")] == [
        ("application/rss+xml", "http://testserver/feed/", "The Newsroom (RSS)"),
        ("application/atom+xml", "http://testserver/atom/", "The Newsroom (Atom)"),
        ("application/rss+xml", "http://testserver/section/politics/feed/", "Politics (RSS)"),
    ]
    assert head.json_ld == []


@pytest.mark.parametrize("page", ["1", "0", "abc", "-2", ""])
def test_seo_page_canonical_drops_a_first_or_bogus_page(page):
    head = Head(render('{% seo_page title="Tag" %}', path=f"/tag/energy/?page={page}"))
    assert [link["href"] for link in head.link("canonical")] == ["http://testserver/tag/energy/"]


def test_seo_page_site_feed_is_not_repeated():
    head = Head(render('{% seo_page title="Home" feed_url="/feed/" %}'))
    assert [link["href"] for link in head.link("alternate")] == ["http://testserver/feed/", "http://testserver/atom/"]


def test_article_page_carries_the_head(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    head = Head(response.content.decode().split("</head>")[0])
    data = [json.loads(raw) for raw in head.json_ld]
    assert [item["@type"] for item in data] == ["NewsArticle", "BreadcrumbList"]
    assert data[0]["datePublished"].endswith("+09:00")
    assert head.one("og:type") == "article"
