"""The article page's furniture: breadcrumbs, share links, related stories and "More in <Section>"."""

import json
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Section, TaggedArticle
from articles.selectors import RELATED_SCAN_DEPTH, article_furniture
from articles.tests.factories import ArticleFactory, SectionFactory
from articles.tests.test_listing_plans import assert_reads_in_order, plan

pytestmark = pytest.mark.django_db


def soup_of(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def desk():
    """A story with tags, two stories sharing a tag elsewhere, the section's others, and ones never shown."""
    now = timezone.now()
    economy, world = SectionFactory(name="Economy", slug="economy"), SectionFactory(name="World", slug="world")
    story = ArticleFactory(
        section=economy, headline="Yen Falls", tags=["yen", "markets"], published_at=now - timedelta(hours=5)
    )
    tagged = [
        ArticleFactory(
            section=world, headline="Markets Abroad", tags=["markets"], published_at=now - timedelta(hours=1)
        ),
        ArticleFactory(section=world, headline="Yen Abroad", tags=["yen"], published_at=now - timedelta(hours=2)),
    ]
    in_section = [
        ArticleFactory(section=economy, headline=f"Economy {n}", published_at=now - timedelta(hours=10 + n))
        for n in range(8)
    ]
    draft, scheduled, withdrawn = Article.Status.DRAFT, Article.Status.SCHEDULED, Article.Status.WITHDRAWN
    hidden = [
        ArticleFactory(section=economy, headline="Draft Story", tags=["yen"], status=draft, published_at=None),
        ArticleFactory(
            section=economy, headline="Embargoed", tags=["yen"], status=scheduled, published_at=now + timedelta(days=1)
        ),
        ArticleFactory(section=economy, headline="Withdrawn Story", tags=["markets"], status=withdrawn),
    ]
    return {"story": story, "tagged": tagged, "in_section": in_section, "hidden": hidden}


def headlines(section) -> list[str]:
    return [a.get_text(strip=True) for a in section.select(".story-card-headline a")]


def test_related_are_tag_sharing_stories_newest_first_then_the_section_and_never_the_story(client, desk):
    page = soup_of(client.get(desk["story"].get_absolute_url()))
    related = page.select_one("section.related-stories")
    assert related.select_one("h2").get_text(strip=True) == "Related Stories"
    assert headlines(related) == ["Markets Abroad", "Yen Abroad", "Economy 0", "Economy 1"]
    more = page.select_one("section.more-in-section")
    assert more.select_one("h2").get_text(" ", strip=True) == "More in Economy"
    assert more.select_one("h2 a")["href"] == "/section/economy/"
    # The section's newest not already among the related, five of them.
    assert headlines(more) == ["Economy 2", "Economy 3", "Economy 4", "Economy 5", "Economy 6"]
    text = page.get_text()
    for story in desk["hidden"]:
        assert story.headline not in text
    assert "Yen Falls" not in " ".join(headlines(related) + headlines(more))


def test_a_story_without_tags_or_neighbours_shows_no_empty_lists(client):
    alone = ArticleFactory(section=SectionFactory(name="Lonely"))
    page = soup_of(client.get(alone.get_absolute_url()))
    assert page.select_one("section.related-stories") is None
    assert page.select_one("section.more-in-section") is None


def test_breadcrumbs_follow_the_aria_pattern_and_match_their_breadcrumb_list(client, desk):
    story = desk["story"]
    page = soup_of(client.get(story.get_absolute_url()))
    nav = page.select_one('nav[aria-label="Breadcrumb"]')
    items = nav.select("ol > li")
    assert [li.get_text(strip=True) for li in items] == ["Home", "Economy", "Yen Falls"]
    assert [li.a["href"] for li in items] == ["/", "/section/economy/", story.get_absolute_url()]
    assert [a.get("aria-current") for a in nav.select("a")] == [None, None, "page"]
    scripts = [json.loads(s.string) for s in page.select('script[type="application/ld+json"]')]
    (crumbs,) = [s for s in scripts if s.get("@type") == "BreadcrumbList"]
    assert [(i["position"], i["name"], urlsplit(i["item"]).path) for i in crumbs["itemListElement"]] == [
        (1, "Home", "/"),
        (2, "Economy", "/section/economy/"),
        (3, "Yen Falls", story.get_absolute_url()),
    ]
    assert all(i["item"].startswith("http://testserver/") for i in crumbs["itemListElement"])


def test_share_links_need_no_third_party_script(client, desk):
    story = desk["story"]
    page = soup_of(client.get(story.get_absolute_url()))
    share = page.select_one("section.share")
    url = f"http://testserver{story.get_absolute_url()}"
    links = {a.get_text(" ", strip=True): a["href"] for a in share.select("a")}
    x = urlsplit(links["Share on X (opens in a new tab)"])
    assert (x.netloc, parse_qs(x.query)) == ("x.com", {"url": [url], "text": ["Yen Falls"]})
    assert parse_qs(urlsplit(links["Share on Facebook (opens in a new tab)"]).query) == {"u": [url]}
    assert parse_qs(urlsplit(links["Share on LINE (opens in a new tab)"]).query) == {"url": [url]}
    mail = urlsplit(links["Email"])
    assert (mail.scheme, parse_qs(mail.query)) == ("mailto", {"subject": ["Yen Falls"], "body": [url]})
    assert links["Copy link"] == url
    # The Web Share button shows only where the script finds the API.
    assert share.select_one("[data-share-native]").has_attr("hidden")
    # Only first-party scripts.
    for script in page.select("script[src]"):
        assert script["src"].startswith("/static/"), script["src"]
    assert page.select_one('script[src*="share"]').has_attr("defer")


def test_hostile_text_in_every_furniture_field_stays_text(client):
    evil = "<script>alert(1)</script>\"&'<img src=x onerror=alert(2)>"
    section = SectionFactory(name=f"Sec {evil}", slug="sec")
    story = ArticleFactory(section=section, headline=f"Head {evil}", tags=[f"tag {evil}"])
    ArticleFactory(section=section, headline=f"Other {evil}", tags=[f"tag {evil}"])
    html = client.get(story.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one('nav[aria-label="Breadcrumb"] a[aria-current]').get_text() == f"Head {evil}"
    crumbs = [json.loads(s.string) for s in page.select('script[type="application/ld+json"]')]
    assert any(c.get("itemListElement", [{}])[-1].get("name") == f"Head {evil}" for c in crumbs)
    x = page.select_one("a.share-x")["href"]
    assert parse_qs(urlsplit(unescape(x)).query)["text"] == [f"Head {evil}"]


def test_the_furniture_costs_two_queries_whatever_the_tags(client, desk, django_assert_num_queries):
    story = desk["story"]
    many = ArticleFactory(section=story.section, tags=[f"t{n}" for n in range(10)])
    for n in range(10):
        ArticleFactory(section=SectionFactory(), tags=[f"t{n}"])
    few_tags, many_tags = (list(a.tags.values_list("pk", flat=True)) for a in (story, many))
    with django_assert_num_queries(2):
        few_result = article_furniture(article=story, tag_ids=few_tags)
    with django_assert_num_queries(2):
        many_result = article_furniture(article=many, tag_ids=many_tags)
    assert len(few_result["related"]) == len(many_result["related"]) == 4

    def page_queries(article) -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(article.get_absolute_url()).status_code == 200
        return len(queries.captured_queries)

    assert page_queries(many) == page_queries(story)


def test_a_new_story_sharing_a_tag_shows_at_once(client, desk):
    story = desk["story"]
    client.get(story.get_absolute_url())
    ArticleFactory(section=SectionFactory(), headline="Fresh Yen News", tags=["yen"])
    page = soup_of(client.get(story.get_absolute_url()))
    assert headlines(page.select_one("section.related-stories"))[0] == "Fresh Yen News"


@pytest.fixture
def archive(settings):
    """RELATED_SCAN_DEPTH * 2 stories in twelve sections, a common and a rare tag, statistics analysed."""
    settings.PAGE_CACHE_ENABLED = False
    sections = Section.objects.bulk_create(Section(name=f"S{i}", slug=f"s-{i}", position=i) for i in range(12))
    common, rare = Tag.objects.bulk_create([Tag(name="common", slug="common"), Tag(name="rare", slug="rare")])
    newest = timezone.now() - timedelta(minutes=10)
    total = RELATED_SCAN_DEPTH * 2
    articles = Article.objects.bulk_create(
        Article(headline=f"Story {i}", slug=f"story-{i}", section=sections[i % 12], status="published",
                published_at=newest - timedelta(hours=i))
        for i in range(total)
    )  # fmt: skip
    TaggedArticle.objects.bulk_create(
        [TaggedArticle(content_object=a, tag=common) for n, a in enumerate(articles) if n % 4]
        + [TaggedArticle(content_object=a, tag=rare) for a in articles[::500]]
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"articles": articles, "common": common, "rare": rare}


def furniture_statements(story, tag_ids) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        article_furniture(article=story, tag_ids=tag_ids)
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("tag", ["common", "rare"])
def test_related_and_more_in_section_read_their_listing_indexes_within_bounds(archive, tag):
    story = archive["articles"][RELATED_SCAN_DEPTH * 2 - 1]  # the oldest: nothing newer is skipped
    related_sql, section_sql = furniture_statements(story, [archive[tag].pk])
    assert_reads_in_order(section_sql, "article_section_listing_idx")
    # Related: the tag's rows from its listing index, from the cutoff on only (never the tag's whole
    # history), and just the stories kept read from the article table, by primary key.
    text = plan(related_sql)
    if connection.vendor == "sqlite":
        assert "USING COVERING INDEX taggedarticle_listing_idx (tag_id=? AND listed_at>? AND listed_at<?)" in text, text
        assert "SEARCH articles_article USING INTEGER PRIMARY KEY" in text, text
        assert "SCAN articles_article" not in text, text
    else:
        assert re.search(r"Index (Only )?Scan using taggedarticle_listing_idx on articles_taggedarticle ", text), text
        assert re.search(r"Index Cond: .*listed_at >= ", text), text
        assert "Seq Scan on articles_article" not in text, text
        assert "Seq Scan on articles_taggedarticle" not in text, text


def test_related_stories_are_looked_for_among_the_newest_only(archive):
    rare = archive["rare"]
    oldest_rare = list(archive["articles"][::500])[-1]
    story = ArticleFactory(section=oldest_rare.section, tags=["rare"])
    related = article_furniture(article=story, tag_ids=[rare.pk])["related"]
    # Rare stories beyond the newest RELATED_SCAN_DEPTH are never scanned for; the section fills in.
    rare_ids = {a.pk for a in archive["articles"][::500] if archive["articles"].index(a) < RELATED_SCAN_DEPTH}
    assert {a.pk for a in related if a.pk in {x.pk for x in archive["articles"][::500]}} <= rare_ids
    assert len(related) == 4
    text = plan(furniture_statements(story, [rare.pk])[0])
    assert "taggedarticle_listing_idx" in text, text
