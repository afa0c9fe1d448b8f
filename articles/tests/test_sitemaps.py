"""Sitemaps (index, articles with images, sections, tags), the Google News sitemap and robots.txt."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import sitemaps
from articles.models import VISIBLE_STATUSES, Article, ArticleMonth
from articles.sitemap_months import article_months_rebuild
from articles.sitemaps import IMAGE_NS, NEWS_MAX_ARTICLES, NEWS_NS, SITEMAP_NS
from articles.tests.factories import ArticleFactory, ArticleUpdateFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db

NS = {"sm": SITEMAP_NS, "image": IMAGE_NS, "news": NEWS_NS}


def get_xml(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/xml")
    return response, ET.fromstring(response.content)  # noqa: S314 - our own output; raises if malformed


def locs(root):
    return [el.text for el in root.findall("sm:url/sm:loc", NS)]


def month_url(when) -> str:
    return f"/sitemap-articles-{when.astimezone(UTC):%Y-%m}.xml"


def article_sitemap(client, when=None):
    """The month sitemap holding ``when`` (default: now, when the factories' articles appeared)."""
    return get_xml(client, month_url(when or timezone.now() - timedelta(hours=1)))


def hidden_articles(section):
    future = timezone.now() + timedelta(hours=3)
    return {
        "draft": ArticleFactory(section=section, status=Article.Status.DRAFT, published_at=None),
        "scheduled": ArticleFactory(section=section, status=Article.Status.SCHEDULED, published_at=future),
        "withdrawn": ArticleFactory(section=section, status=Article.Status.WITHDRAWN),
    }


def test_index_lists_every_sitemap_with_absolute_urls(client):
    ArticleFactory(tags=["energy"])
    _, root = get_xml(client, "/sitemap.xml")
    assert root.tag == f"{{{SITEMAP_NS}}}sitemapindex"
    listed = [el.text for el in root.findall("sm:sitemap/sm:loc", NS)]
    assert listed == [
        "http://testserver/sitemap-home.xml",
        "http://testserver/sitemap-sections.xml",
        "http://testserver/sitemap-tags.xml",
        f"http://testserver{month_url(timezone.now() - timedelta(hours=1))}",
    ]
    lastmods = [el.text for el in root.findall("sm:sitemap/sm:lastmod", NS)]
    assert len(lastmods) == 4
    for lastmod in lastmods:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", lastmod), lastmod
    for url in listed:
        get_xml(client, url.removeprefix("http://testserver"))


def test_article_sitemap_has_images_with_real_captions(client):
    photo = PhotoFactory(caption="Harbour cranes at dusk & a ship.", alt_text="Cranes against an orange sky")
    with_override = PhotoFactory(caption="The photo's own caption.")
    first = ArticleFactory(lead_photo=photo)
    second = ArticleFactory(lead_photo=with_override, lead_photo_caption="This story's caption.")
    bare = ArticleFactory(lead_photo=None)

    response, root = article_sitemap(client)

    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    assert b'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"' in response.content
    by_loc = {url.find("sm:loc", NS).text: url for url in root.findall("sm:url", NS)}
    assert set(by_loc) == {f"http://testserver{a.get_absolute_url()}" for a in (first, second, bare)}

    image = by_loc[f"http://testserver{first.get_absolute_url()}"].find("image:image", NS)
    crop = photo.renditions["crops"]["16x9"]["name"]
    assert image.find("image:loc", NS).text == f"http://testserver{default_storage.url(crop)}"
    assert image.find("image:caption", NS).text == "Harbour cranes at dusk & a ship."
    assert image.find("image:title", NS).text == "Cranes against an orange sky"

    image = by_loc[f"http://testserver{second.get_absolute_url()}"].find("image:image", NS)
    assert image.find("image:caption", NS).text == "This story's caption."
    assert by_loc[f"http://testserver{bare.get_absolute_url()}"].find("image:image", NS) is None


def test_article_lastmod_follows_edits_in_tokyo_time(client):
    published = timezone.now() - timedelta(days=2)
    article = ArticleFactory(published_at=published)
    ArticleUpdateFactory(article=article)  # saves the article's denormalised fields via update()
    article.refresh_from_db()
    _, root = article_sitemap(client, published)
    lastmod = root.find("sm:url/sm:lastmod", NS).text
    assert lastmod.endswith("+09:00")
    expected = timezone.localtime(max(article.published_at, article.modified_at)).isoformat(timespec="seconds")
    assert lastmod == expected


@pytest.mark.parametrize("hidden", ["draft", "scheduled", "withdrawn"])
def test_hidden_articles_never_appear_in_any_sitemap(client, hidden):
    section = SectionFactory(slug="politics")
    visible = ArticleFactory(section=section, tags=["shown"])
    article = hidden_articles(section)[hidden]
    article.tags.add("secret")

    _, root = article_sitemap(client)
    assert locs(root) == [f"http://testserver{visible.get_absolute_url()}"]
    _, root = get_xml(client, "/sitemap-news.xml")
    assert locs(root) == [f"http://testserver{visible.get_absolute_url()}"]
    _, root = get_xml(client, "/sitemap-tags.xml")
    assert locs(root) == ["http://testserver/tag/shown/"]


def test_sections_and_tags(client):
    politics = SectionFactory(slug="politics", name="Politics", position=1)
    SectionFactory(slug="empty", name="Empty", position=2)
    newest = timezone.now() - timedelta(hours=1)
    ArticleFactory(section=politics, published_at=newest - timedelta(days=1), tags=["Budget"])
    ArticleFactory(section=politics, published_at=newest, tags=["Budget", "Diet"])
    ArticleFactory(section=politics, status=Article.Status.DRAFT, published_at=None, tags=["Unpublished"])

    _, root = get_xml(client, "/sitemap-sections.xml")
    assert locs(root) == ["http://testserver/section/politics/", "http://testserver/section/empty/"]
    lastmods = [url.find("sm:lastmod", NS) for url in root.findall("sm:url", NS)]
    assert lastmods[0].text == timezone.localtime(newest).isoformat(timespec="seconds")
    assert lastmods[1] is None  # a section with nothing published has no date

    _, root = get_xml(client, "/sitemap-tags.xml")
    assert locs(root) == ["http://testserver/tag/budget/", "http://testserver/tag/diet/"]


def test_news_sitemap_last_48_hours_in_news_namespace(client):
    now = timezone.now()
    recent = ArticleFactory(headline="Fresh & Relevant", published_at=now - timedelta(hours=47))
    ArticleUpdateFactory(article=recent)
    ArticleFactory(headline="Too Old", published_at=now - timedelta(hours=49))

    response, root = get_xml(client, "/sitemap-news.xml")

    assert b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in response.content
    (url,) = root.findall("sm:url", NS)
    recent.refresh_from_db()
    assert url.find("sm:loc", NS).text == f"http://testserver{recent.get_absolute_url()}"
    news = url.find("news:news", NS)
    assert news.find("news:publication/news:name", NS).text == "The Newsroom"
    assert news.find("news:publication/news:language", NS).text == "en"
    date = news.find("news:publication_date", NS).text
    assert date == timezone.localtime(recent.published_at).isoformat(timespec="seconds")
    assert date.endswith("+09:00")
    assert news.find("news:title", NS).text == "Fresh & Relevant (UPDATE 1)"


def test_news_sitemap_caps_at_one_thousand_newest(client):
    section = SectionFactory()
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            headline=f"Story {i}",
            slug=f"story-{i}",
            section=section,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(seconds=10 * (i + 1)),
        )
        for i in range(NEWS_MAX_ARTICLES + 5)
    )
    _, root = get_xml(client, "/sitemap-news.xml")
    titles = [el.text for el in root.findall("sm:url/news:news/news:title", NS)]
    assert len(titles) == NEWS_MAX_ARTICLES == 1000
    assert titles[0] == "Story 0"
    assert titles[-1] == f"Story {NEWS_MAX_ARTICLES - 1}"


def test_hostile_and_control_characters_stay_well_formed(client):
    photo = PhotoFactory(caption="<script>alert(1)</script>\x0b & more", alt_text="a\x02b")
    ArticleFactory(headline="</script><script>alert(1)</script>\x1f", lead_photo=photo)
    response, root = article_sitemap(client)
    assert b"<script>" not in response.content
    assert root.find("sm:url/image:image/image:caption", NS).text == "<script>alert(1)</script> & more"
    response, root = get_xml(client, "/sitemap-news.xml")
    assert b"<script>" not in response.content
    assert root.find("sm:url/news:news/news:title", NS).text == "</script><script>alert(1)</script>"


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap-nope.xml",
        # The single sitemap of every article is gone: months replace it.
        "/sitemap-articles.xml",
        "{month}?p=2",
        "{month}?p=x",
        "{month}?p=0",
        "/sitemap-articles-2026-13.xml",
        "/sitemap-articles-2026-00.xml",
        "/sitemap-articles-0000-01.xml",
        "/sitemap-articles-9999-12.xml",
        # A month without a published article.
        "/sitemap-articles-1999-01.xml",
        "/sitemap-articles-26-1.xml",
    ],
)
def test_unknown_sitemap_or_page_is_404(client, url):
    ArticleFactory()
    assert client.get(url.format(month=month_url(timezone.now() - timedelta(hours=1)))).status_code == 404


def test_robots_txt_names_both_sitemaps(client, settings):
    settings.ALLOWED_HOSTS = ["news.example.com"]
    response = client.get("/robots.txt", HTTP_HOST="news.example.com", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines
    assert "Disallow: /search/" in lines
    assert "Sitemap: https://news.example.com/sitemap.xml" in lines
    assert "Sitemap: https://news.example.com/sitemap-news.xml" in lines
    assert lines[0] == "User-agent: *"


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # Per sitemap: its newest date (one aggregate) and its page count (none for the home
        # sitemap, a list); then this month's count and lastmod (grouped), and earlier months' rows.
        ("/sitemap.xml", 7),
        # The page count, then the page.
        ("{month}", 2),
        ("/sitemap-sections.xml", 2),
        ("/sitemap-tags.xml", 2),
        ("/sitemap-news.xml", 1),
    ],
)
def test_queries_do_not_grow(client, django_assert_num_queries, settings, url, queries):
    settings.PAGE_CACHE_ENABLED = False
    photo = PhotoFactory()

    def add(count):
        for _ in range(count):
            n = Article.objects.count()
            ArticleFactory(section=SectionFactory(), lead_photo=photo, tags=[f"a{n}", f"b{n}", "common"])

    url = url.format(month=month_url(timezone.now() - timedelta(hours=1)))
    add(1)
    with django_assert_num_queries(queries):
        _, root = get_xml(client, url)
    one = len(root)
    add(8)
    with django_assert_num_queries(queries):
        _, root = get_xml(client, url)
    assert url == "/sitemap.xml" or len(root) > one


@pytest.mark.parametrize("url", ["/sitemap.xml", "/sitemap-home.xml", "/sitemap-tags.xml", "/sitemap-news.xml"])
def test_an_empty_site_still_answers(client, url):
    _, root = get_xml(client, url)
    assert root.tag.startswith(f"{{{SITEMAP_NS}}}")


def test_an_empty_site_lists_no_month(client):
    _, root = get_xml(client, "/sitemap.xml")
    listed = [el.text for el in root.findall("sm:sitemap/sm:loc", NS)]
    assert not [url for url in listed if "sitemap-articles" in url]


def test_index_lists_one_sitemap_per_month_with_its_newest_change(client):
    section = SectionFactory()
    october = ArticleFactory(section=section, published_at=datetime(2026, 10, 31, 23, 0, tzinfo=UTC))
    early = ArticleFactory(section=section, published_at=datetime(2026, 11, 1, 0, 30, tzinfo=UTC))
    late = ArticleFactory(section=section, published_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    ArticleFactory(section=section, status=Article.Status.DRAFT, published_at=None)
    # Edited later than its newer sibling: the month's lastmod is the newest change, not publication.
    edited = datetime(2026, 11, 25, 1, 2, 3, tzinfo=UTC)
    Article.objects.filter(pk=early.pk).update(modified_at=edited)
    Article.objects.filter(pk=late.pk).update(modified_at=late.published_at)
    Article.objects.filter(pk=october.pk).update(modified_at=october.published_at)
    # Times moved back by hand, which no edit does (the summary's lastmod never goes back):
    # recounted as after a load of old data.
    article_months_rebuild()

    _, root = get_xml(client, "/sitemap.xml")
    months = {
        el.find("sm:loc", NS).text: el.find("sm:lastmod", NS).text
        for el in root.findall("sm:sitemap", NS)
        if "sitemap-articles" in el.find("sm:loc", NS).text
    }
    assert months == {
        "http://testserver/sitemap-articles-2026-11.xml": "2026-11-25T10:02:03+09:00",
        "http://testserver/sitemap-articles-2026-10.xml": "2026-11-01T08:00:00+09:00",
    }
    _, root = get_xml(client, "/sitemap-articles-2026-11.xml")
    assert locs(root) == [f"http://testserver{a.get_absolute_url()}" for a in (late, early)]
    assert [el.text for el in root.findall("sm:url/sm:lastmod", NS)] == [
        "2026-11-20T18:00:00+09:00",
        "2026-11-25T10:02:03+09:00",
    ]
    _, root = get_xml(client, "/sitemap-articles-2026-10.xml")
    assert locs(root) == [f"http://testserver{october.get_absolute_url()}"]


def test_a_month_over_the_limit_pages_and_the_index_lists_every_page(client, monkeypatch):
    monkeypatch.setattr(sitemaps, "ARTICLE_SITEMAP_LIMIT", 2)
    monkeypatch.setattr(sitemaps.ArticleMonthSitemap, "limit", 2)
    section = SectionFactory()
    stories = [
        ArticleFactory(section=section, published_at=datetime(2026, 11, day, tzinfo=UTC)) for day in (1, 2, 3, 4, 5)
    ]
    _, root = get_xml(client, "/sitemap.xml")
    listed = [el.text for el in root.findall("sm:sitemap/sm:loc", NS) if "sitemap-articles" in el.text]
    base = "http://testserver/sitemap-articles-2026-11.xml"
    assert listed == [base, f"{base}?p=2", f"{base}?p=3"]
    seen = []
    for url in listed:
        _, root = get_xml(client, url.removeprefix("http://testserver"))
        assert len(root.findall("sm:url", NS)) <= 2
        seen += locs(root)
    assert seen == [f"http://testserver{a.get_absolute_url()}" for a in reversed(stories)]
    assert client.get("/sitemap-articles-2026-11.xml?p=4").status_code == 404


def test_month_sitemaps_are_stored_by_the_page_cache(client, settings):
    settings.PAGE_CACHE_ENABLED = True
    ArticleFactory(published_at=datetime(2026, 11, 3, tzinfo=UTC))
    first = client.get("/sitemap-articles-2026-11.xml")
    assert first.status_code == 200
    assert "public" in first["Cache-Control"]
    assert "s-maxage" in first["Cache-Control"]
    assert client.get("/sitemap-articles-2026-11.xml")["X-Cache"] == "hit"


def month_rows() -> dict[str, tuple[int, datetime]]:
    return {m.month: (m.article_count, m.lastmod) for m in ArticleMonth.objects.all()}


def recount() -> dict[str, int]:
    """What the summary should say, counted from the articles themselves."""
    counts: dict[str, int] = {}
    for published_at in Article.objects.filter(status__in=VISIBLE_STATUSES).values_list("published_at", flat=True):
        key = f"{published_at.astimezone(UTC):%Y-%m}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_the_month_summary_follows_every_kind_of_write():
    """Saves, QuerySet.update(), bulk writes and deletes all keep ArticleMonth equal to a recount."""
    section = SectionFactory()
    march = datetime(2024, 3, 10, 12, tzinfo=UTC)
    a = ArticleFactory(section=section, published_at=march)
    b = ArticleFactory(section=section, published_at=march + timedelta(days=1))
    draft = ArticleFactory(section=section, status=Article.Status.DRAFT, published_at=None)
    assert {k: v[0] for k, v in month_rows().items()} == recount() == {"2024-03": 2}

    # Moved to another month with save(): out of March, into May.
    b.published_at = datetime(2024, 5, 2, tzinfo=UTC)
    b.save()
    assert {k: v[0] for k, v in month_rows().items()} == recount() == {"2024-03": 1, "2024-05": 1}
    # Published by a bulk UPDATE (no save signals), then withdrawn by save().
    Article.objects.filter(pk=draft.pk).update(status=Article.Status.PUBLISHED, published_at=march)
    assert month_rows()["2024-03"][0] == 2
    a.status = Article.Status.WITHDRAWN
    a.save()
    assert {k: v[0] for k, v in month_rows().items()} == recount() == {"2024-03": 1, "2024-05": 1}
    # bulk_create and a delete: the emptied month goes.
    Article.objects.bulk_create(
        Article(headline=f"Bulk {n}", slug=f"bulk-{n}", section=section, status="published", published_at=march)
        for n in range(3)
    )
    b.delete()
    assert {k: v[0] for k, v in month_rows().items()} == recount() == {"2024-03": 4}


def test_a_month_lastmod_is_its_newest_change_and_a_removal_moves_it_on():
    section = SectionFactory()
    published = datetime(2024, 3, 10, 12, tzinfo=UTC)
    a = ArticleFactory(section=section, published_at=published)
    b = ArticleFactory(section=section, published_at=published + timedelta(hours=1))
    Article.objects.update(modified_at=published)
    article_months_rebuild()  # as if both were written in 2024
    assert month_rows()["2024-03"] == (2, published + timedelta(hours=1))
    edited = datetime(2024, 6, 1, 8, 30, tzinfo=UTC)
    Article.objects.filter(pk=a.pk).update(modified_at=edited)
    assert month_rows()["2024-03"] == (2, edited)
    # An older change never lowers it.
    Article.objects.filter(pk=b.pk).update(modified_at=published + timedelta(hours=2))
    assert month_rows()["2024-03"] == (2, edited)
    before = timezone.now()
    b.delete()  # the month's file changes now: one URL fewer
    count, lastmod = month_rows()["2024-03"]
    assert count == 1
    assert lastmod >= before - timedelta(seconds=1)


def test_the_current_month_is_counted_live_and_lists_scheduled_stories_once_due():
    now = datetime(2026, 12, 15, 12, tzinfo=UTC)
    section = SectionFactory()
    ArticleFactory(section=section, published_at=datetime(2026, 11, 30, 23, tzinfo=UTC))
    due = now + timedelta(hours=2)
    scheduled = ArticleFactory(section=section, status=Article.Status.SCHEDULED, published_at=due)
    Article.objects.filter(pk=scheduled.pk).update(modified_at=now - timedelta(days=1))
    # The summary counts the scheduled story already; the index must not show it before its time.
    assert month_rows()["2026-12"][0] == 1

    before = sitemaps.article_months(now=now)
    assert [(m["year"], m["month"], m["count"]) for m in before] == [(2026, 11, 1)]
    after = sitemaps.article_months(now=due + timedelta(minutes=1))
    assert [(m["year"], m["month"], m["count"]) for m in after] == [(2026, 12, 1), (2026, 11, 1)]
    assert after[0]["lastmod"] == due
    # A month later the finished month comes from the summary, with the same figures.
    later = sitemaps.article_months(now=datetime(2027, 1, 5, tzinfo=UTC))
    assert [(m["year"], m["month"], m["count"], m["lastmod"]) for m in later][0] == (2026, 12, 1, due)


def test_the_index_pages_a_month_from_its_summary(client, monkeypatch):
    """Months before this one are read from ArticleMonth, not recounted from the articles."""
    monkeypatch.setattr(sitemaps, "ARTICLE_SITEMAP_LIMIT", 2)
    section = SectionFactory()
    for day in (1, 2, 3):
        ArticleFactory(section=section, published_at=datetime(2025, 1, day, tzinfo=UTC))
    assert ArticleMonth.objects.get(month="2025-01").article_count == 3
    _, root = get_xml(client, "/sitemap.xml")
    listed = [el.text for el in root.findall("sm:sitemap/sm:loc", NS) if "sitemap-articles" in el.text]
    assert listed == [
        "http://testserver/sitemap-articles-2025-01.xml",
        "http://testserver/sitemap-articles-2025-01.xml?p=2",
    ]


def test_rebuild_recounts_the_summary():
    section = SectionFactory()
    ArticleFactory(section=section, published_at=datetime(2024, 3, 10, tzinfo=UTC))
    ArticleFactory(section=section, published_at=datetime(2023, 1, 10, tzinfo=UTC))
    expected = month_rows()
    ArticleMonth.objects.all().delete()
    ArticleMonth.objects.create(month="2020-01", article_count=9, lastmod=timezone.now())
    assert article_months_rebuild() == 2
    assert month_rows() == expected


def tag_sitemap_pages(client) -> list[str]:
    _, root = get_xml(client, "/sitemap.xml")
    return [el.text for el in root.findall("sm:sitemap/sm:loc", NS) if "sitemap-tags" in el.text]


def test_the_index_pages_tags_by_the_tags_with_stories(client, monkeypatch):
    """More tags than a page holds: the exact count of tags with a visible story decides the pages."""
    monkeypatch.setattr(sitemaps.TagSitemap, "limit", 2)
    section = SectionFactory()
    ArticleFactory(section=section, tags=["energy"])
    ArticleFactory(section=section, status=Article.Status.DRAFT, published_at=None, tags=["unseen", "hidden"])
    assert tag_sitemap_pages(client) == ["http://testserver/sitemap-tags.xml"]
    ArticleFactory(section=section, tags=["ports", "rail"])
    assert tag_sitemap_pages(client) == ["http://testserver/sitemap-tags.xml", "http://testserver/sitemap-tags.xml?p=2"]
    assert client.get("/sitemap-tags.xml?p=3").status_code == 404


def test_few_tags_need_no_count_of_their_stories(client, settings):
    settings.PAGE_CACHE_ENABLED = False
    ArticleFactory(tags=["energy"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/sitemap-tags.xml").status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "COUNT" in q["sql"] and "articles_article" in q["sql"]]
