"""Reader pages: the article page against the reference, lists, bad input, visibility and query counts."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import views
from articles.models import Article, ArticleUpdate
from articles.tests.factories import (
    ArticleFactory,
    ArticleUpdateFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
    make_image_file,
)

pytestmark = pytest.mark.django_db


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def text_of(node) -> str:
    return " ".join(node.get_text().split())


def small_photo(**kwargs):
    """A real photo, small so its renditions are quick to make."""
    return PhotoFactory(image=make_image_file(size=(480, 270)), **kwargs)


def hidden_article_kinds():
    """(label, factory kwargs) for every article an anonymous reader must never see."""
    future = timezone.now() + timedelta(days=1)
    return [
        ("draft", {"status": Article.Status.DRAFT, "published_at": None}),
        ("draft-with-time", {"status": Article.Status.DRAFT}),
        ("in-review", {"status": Article.Status.IN_REVIEW, "published_at": None}),
        ("in-review-with-past-time", {"status": Article.Status.IN_REVIEW}),
        ("scheduled-not-due", {"status": Article.Status.SCHEDULED, "published_at": future}),
        ("published-in-future", {"status": Article.Status.PUBLISHED, "published_at": future}),
        ("withdrawn", {"status": Article.Status.WITHDRAWN}),
    ]


@pytest.fixture
def politics():
    return SectionFactory(name="Politics", slug="politics", position=1)


@pytest.fixture
def story(politics):
    """An article with every element of the reference page."""
    photo = small_photo(caption="The minister arrives at the ministry on Thursday.", credit="Kenji Mori")
    article = ArticleFactory(
        headline="Allies Weigh Higher Defense Budgets",
        slug="allies-weigh-higher-defense-budgets",
        section=politics,
        dateline="WASHINGTON",
        body="<p>Officials met on Thursday.</p><p>They agreed to meet again.</p>",
        lead_photo=photo,
        published_at=datetime(2026, 1, 16, 22, 5, tzinfo=UTC),
        authors=[
            AuthorFactory(name="Aiko Tanaka", slug="aiko-tanaka", role="Staff Writer"),
            AuthorFactory(name="Ben Ortiz", slug="ben-ortiz", role="Washington Correspondent"),
        ],
        tags=["Defense", "Japan-U.S. Relations"],
    )
    ArticleUpdateFactory(article=article, created_at=datetime(2026, 1, 16, 23, 40, tzinfo=UTC), note="Adds reaction.")
    ArticleUpdateFactory(
        article=article,
        kind=ArticleUpdate.Kind.CORRECTION,
        created_at=datetime(2026, 1, 17, 0, 12, tzinfo=UTC),
        note="An earlier version gave the wrong date for the meeting.",
    )
    article.refresh_from_db()
    return article


# --- The article page ----------------------------------------------------------------------------


def test_article_page_has_every_reference_element_in_order(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    page = soup_of(response)
    article = page.find("main").find("article")

    assert text_of(article.select_one(".story-section")) == "Politics"
    assert article.select_one(".story-section a")["href"] == "/section/politics/"
    assert text_of(article.find("h1")) == "Allies Weigh Higher Defense Budgets (UPDATE 1)"
    figure = article.find("figure")
    assert figure.find("img") is not None
    assert text_of(figure.find("figcaption")) == "The minister arrives at the ministry on Thursday. Kenji Mori"
    times = article.select(".story-meta time")
    assert str(times[0]) == '<time datetime="2026-01-17T07:05:00+09:00">7:05 JST, January 17, 2026</time>'
    assert text_of(article.select_one(".story-updated")) == "Updated 9:12 JST, January 17, 2026"
    corrections = article.select_one(".corrections")
    assert "An earlier version gave the wrong date for the meeting." in text_of(corrections)
    assert "Adds reaction." not in text_of(corrections)  # an update is not a correction
    byline = article.select_one(".byline")
    assert text_of(byline) == "By Aiko Tanaka, Staff Writer; Ben Ortiz, Washington Correspondent"
    assert [a["href"] for a in byline.find_all("a")] == ["/author/aiko-tanaka/", "/author/ben-ortiz/"]
    first_paragraph = article.select_one(".story-body p")
    assert text_of(first_paragraph) == "WASHINGTON — Officials met on Thursday."
    assert first_paragraph.find("span", class_="dateline") is not None
    tags = article.select_one(".related-tags")
    assert text_of(tags.find("h2")) == "Related Tags"
    assert {a["href"]: text_of(a) for a in tags.find_all("a")} == {
        "/tag/defense/": "Defense",
        "/tag/japan-us-relations/": "Japan-U.S. Relations",
    }
    rail = page.find("aside")
    assert "Top Articles in Politics" in text_of(rail)
    assert "Access Ranking" in text_of(rail)

    markers = [
        'class="kicker story-section"',
        "(UPDATE 1)</h1>",
        "<figure",
        "<figcaption>",
        "7:05 JST, January 17, 2026",
        "Updated <time",
        "An earlier version gave the wrong date",
        'class="byline"',
        '<span class="dateline">WASHINGTON — </span>',
        "They agreed to meet again.",
        "Related Tags",
        "Top Articles in Politics",
        "Access Ranking",
    ]
    positions = [html.index(marker) for marker in markers]
    assert positions == sorted(positions), dict(zip(markers, positions, strict=True))


def test_lead_photo_is_loaded_eagerly_and_caption_override_wins(client, story):
    story.lead_photo_caption = "Our own caption for this story."
    story.save()
    page = soup_of(client.get(story.get_absolute_url()))
    figure = page.select_one("main figure")
    assert figure.find("img").get("loading") != "lazy"
    assert "Our own caption for this story." in text_of(figure.find("figcaption"))
    assert "The minister arrives" not in text_of(figure.find("figcaption"))


def test_article_without_photo_tags_authors_or_updates_still_renders(client, politics):
    article = ArticleFactory(section=politics, dateline="", body="<p>Short item.</p>")
    page = soup_of(client.get(article.get_absolute_url()))
    main = page.find("main")
    assert main.find("figure") is None
    assert main.select_one(".related-tags") is None
    assert main.select_one(".byline") is None
    assert main.select_one(".story-updated") is None
    assert "(UPDATE" not in text_of(main.find("h1"))
    assert text_of(main.select_one(".story-body")) == "Short item."


def test_wrong_or_missing_slug_redirects_permanently_to_the_canonical_url(client, story):
    for url in (f"/articles/{story.pk}/old-headline/", f"/articles/{story.pk}/", f"/articles/{story.pk}/%E6%9D%B1/"):
        response = client.get(url)
        assert response.status_code == 301, url
        assert response["Location"] == story.get_absolute_url()


@pytest.mark.parametrize(
    "url",
    [
        "/articles/999999/nothing-here/",
        "/articles/99999999999999999999999999/x/",  # beyond a 64-bit id
        "/articles/0/x/",
        "/articles/-1/x/",
        "/articles/abc/x/",
        "/articles/1.5/x/",
        "/section/no-such-section/",
        "/section/bad%20slug/",
        "/section/%00/",
        "/author/nobody/",
        "/tag/no-such-tag/",
        "/tag/%3Cscript%3E/",
    ],
)
def test_unknown_or_malformed_urls_are_404(client, story, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("label", "kwargs"), hidden_article_kinds())
def test_hidden_articles_are_404(client, politics, label, kwargs):
    article = ArticleFactory(section=politics, **kwargs)
    assert client.get(article.get_absolute_url()).status_code == 404, label
    assert client.get(f"/articles/{article.pk}/").status_code == 404, label


def test_scheduled_article_is_visible_once_its_time_has_come(client, politics):
    article = ArticleFactory(
        section=politics, status=Article.Status.SCHEDULED, published_at=timezone.now() - timedelta(minutes=1)
    )
    assert client.get(article.get_absolute_url()).status_code == 200


def test_preview_shows_a_banner_is_not_indexed_nor_cached_and_counts_no_view(politics):
    draft = ArticleFactory(section=politics, status=Article.Status.DRAFT, published_at=None, headline="Draft Story")
    request = RequestFactory().get("/admin/preview/")
    response = views.render_article(request, draft, preview=True)
    page = soup_of(response)
    assert "Preview" in text_of(page.select_one(".preview-banner"))
    assert "Readers cannot see this article." in text_of(page.select_one(".preview-banner"))
    assert page.find("meta", attrs={"name": "robots"})["content"].startswith("noindex")
    assert "no-cache" in response["Cache-Control"]
    assert "Not yet published" in text_of(page.select_one(".story-time"))

    published = views.render_article(request, ArticleFactory(section=politics))
    assert soup_of(published).select_one(".preview-banner") is None
    assert soup_of(published).find("meta", attrs={"name": "robots"}) is None
    assert "no-cache" not in published.get("Cache-Control", "")


def test_hostile_text_is_escaped_and_a_body_that_bypassed_save_is_still_sanitized(client, politics):
    article = ArticleFactory(
        section=politics,
        headline='<script>alert("h")</script>Headline',
        dateline='<img src=x onerror="alert(1)">',
        tags=['<b onmouseover="alert(2)">tag</b>'],
        authors=[AuthorFactory(name="<svg onload=alert(3)>", role="<i>Writer</i>")],
        lead_photo=small_photo(caption="<script>alert(4)</script>", credit='"><script>alert(5)</script>'),
    )
    # QuerySet.update() skips Article.save() and so its sanitizer.
    Article.objects.filter(pk=article.pk).update(
        body='<p onclick="alert(6)">Text<script>alert(7)</script><a href="javascript:alert(8)">x</a></p>'
    )
    html = client.get(article.get_absolute_url()).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert "<script" not in main
    page = BeautifulSoup(main, "html.parser")
    for element in page.find_all(True):
        assert not any(attr.startswith("on") for attr in element.attrs), element
        assert "javascript:" not in element.get("href", "")
    assert page.find("svg") is None
    assert page.find("b") is None
    # Shown as text: the escaped markup reads back as the headline itself.
    assert page.find("h1").get_text() == '<script>alert("h")</script>Headline'


def test_reader_pages_are_the_same_for_everyone_no_csrf_token_no_inline_style_or_script(client, story):
    for url in ("/", story.get_absolute_url(), "/section/politics/", "/tag/defense/", "/author/aiko-tanaka/",
                "/search/?q=allies", "/search/", "/no-such-page/"):  # fmt: skip
        response = client.get(url)
        html = response.content.decode()
        assert "csrfmiddlewaretoken" not in html, url
        assert not response.cookies, url
        assert "style=" not in html, url
        assert "<style" not in html, url
        for script in BeautifulSoup(html, "html.parser").find_all("script"):
            assert script.get("src") or script.get("type") == "application/ld+json", (url, script)
        for form in BeautifulSoup(html, "html.parser").find_all("form"):
            assert form["method"].lower() == "get", url


def test_article_page_has_landmarks_and_a_skip_link(client, story):
    page = soup_of(client.get(story.get_absolute_url()))
    assert page.find("a", class_="skip-link")["href"] == "#main"
    assert page.find("main")["id"] == "main"
    for landmark in ("header", "nav", "main", "aside", "footer"):
        assert page.find(landmark) is not None, landmark
    assert len(page.find_all("h1")) == 1


def test_header_navigation_lists_every_section_in_order(client, story):
    SectionFactory(name="World", slug="world", position=3)
    SectionFactory(name="Business", slug="business", position=2)
    nav = soup_of(client.get("/")).select_one("nav.section-nav")
    assert [text_of(a) for a in nav.find_all("a")] == ["Home", "Politics", "Business", "World"]
    section_nav = soup_of(client.get("/section/business/")).select_one("nav.section-nav")
    assert section_nav.find("a", attrs={"aria-current": "page"})["href"] == "/section/business/"


# --- Query counts: constant whatever the number of tags, authors, photos, updates, articles --------


def count_queries(client, url) -> int:
    cache.clear()  # every measured request is a full-page cache miss
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


def test_article_page_queries_are_few_and_constant(client, django_assert_num_queries, politics):
    small = ArticleFactory(section=politics, lead_photo=small_photo(), tags=["one"], authors=[AuthorFactory()])
    ArticleUpdateFactory(article=small)
    baseline = count_queries(client, small.get_absolute_url())
    # Cold: 8, plus related stories and "More in <Section>" (2) and the footer's trust pages and
    # sections (2), each kept in the fragment cache per generation (a warm page runs 1).
    assert baseline <= 12

    big = ArticleFactory(
        section=politics,
        lead_photo=small_photo(),
        tags=[f"tag {n}" for n in range(12)],
        authors=[AuthorFactory() for _ in range(6)],
    )
    for n in range(5):
        ArticleUpdateFactory(article=big, kind=ArticleUpdate.Kind.CORRECTION if n % 2 else ArticleUpdate.Kind.UPDATE)
    ArticleFactory.create_batch(8, section=politics, lead_photo=small_photo())
    cache.clear()
    with django_assert_num_queries(baseline):
        assert client.get(big.get_absolute_url()).status_code == 200


def test_update_notes_are_shown_with_their_times_below_the_updated_line(client, story):
    ArticleUpdateFactory(article=story, created_at=datetime(2026, 1, 17, 1, 30, tzinfo=UTC), note="Adds the vote.")
    page = soup_of(client.get(story.get_absolute_url()))
    meta = page.select_one(".story-meta")
    notes = [text_of(li) for li in meta.select(".update-notes li")]
    # Newest first, each with its time; the correction stays in its own box.
    assert notes == ["10:30 JST, January 17, 2026 Adds the vote.", "8:40 JST, January 17, 2026 Adds reaction."]
    children = [child for child in meta.children if getattr(child, "name", None)]
    classes = [" ".join(child.get("class", [])) for child in children]
    assert classes.index("update-notes") == classes.index("story-updated") + 1
    assert "An earlier version" not in text_of(meta.select_one(".update-notes"))
    # Structured data keeps the time of the last change.
    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["dateModified"] == "2026-01-17T10:30:00+09:00"


def test_update_notes_internal_notes_and_pending_changes_add_no_query(client, django_assert_num_queries, politics):
    from django.contrib.auth.models import User

    from articles import workflow

    plain = ArticleFactory(section=politics, lead_photo=small_photo(), tags=["one"], authors=[AuthorFactory()])
    baseline = count_queries(client, plain.get_absolute_url())

    busy = ArticleFactory(section=politics, lead_photo=small_photo(), tags=["one"], authors=[AuthorFactory()])
    boss = User.objects.create_superuser("boss", password="irrelevant-pass-123")
    for n in range(4):
        ArticleUpdateFactory(article=busy, note=f"Update {n}.")
        workflow.article_note_add(article=busy, user=boss, text=f"Internal {n}.")
    workflow.article_pending_change_save(
        article=busy, user=boss, content={"headline": "Pending", "section": politics.pk, "tags": [], "authors": []}
    )
    cache.clear()
    with django_assert_num_queries(baseline):
        response = client.get(busy.get_absolute_url())
    assert len(soup_of(response).select(".update-notes li")) == 4


def _fill(section, count, *, photos, tag=None, author=None):
    for n in range(count):
        ArticleFactory(
            section=section,
            lead_photo=photos[n % len(photos)],
            tags=[tag, "extra one", "extra two"] if tag else ["extra one"],
            authors=[author, AuthorFactory()] if author else [AuthorFactory()],
        )


@pytest.mark.parametrize("url", ["/", "/section/politics/", "/tag/common/", "/author/regular/", "/search/?q=council"])
def test_list_pages_queries_do_not_grow_with_content(client, django_assert_num_queries, politics, url):
    author = AuthorFactory(slug="regular")
    _fill(politics, 1, photos=[small_photo()], tag="common", author=author)
    baseline = count_queries(client, url)

    photos = [small_photo(), small_photo()]
    for n in range(6):
        _fill(SectionFactory(name=f"Extra {n}", slug=f"extra-{n}"), 3, photos=photos, tag="common", author=author)
    _fill(politics, 25, photos=photos, tag="common", author=author)
    cache.clear()
    with django_assert_num_queries(baseline):
        assert client.get(url).status_code == 200
    if url != "/":
        cache.clear()
        with django_assert_num_queries(baseline):
            assert client.get(f"{url}{'&' if '?' in url else '?'}page=2").status_code == 200


BODY_COLUMN = re.compile(r'(SELECT |, )"articles_article"\."body"(,| FROM)')


def test_lists_never_load_article_bodies(client, politics):
    ArticleFactory(section=politics, body="<p>" + "secretbodyword " * 50 + "</p>", tags=["t"])
    for url in ("/", "/section/politics/", "/tag/t/", "/search/?q=council"):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        for query in queries.captured_queries:
            # As a selected column (search may still read it inside to_tsvector(), server-side).
            assert not BODY_COLUMN.search(query["sql"]), (url, query["sql"])
    # The article page does load the body: the pattern really recognises it.
    article = Article.objects.get()
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(article.get_absolute_url())
    assert any(BODY_COLUMN.search(query["sql"]) for query in queries.captured_queries)


# --- Home, section, tag, author pages ----------------------------------------------------------


def test_home_has_a_lead_story_with_photo_latest_by_section_and_access_ranking(client, politics):
    business = SectionFactory(name="Business", slug="business", position=2)
    old_photo_story = ArticleFactory(
        section=business, lead_photo=small_photo(), published_at=timezone.now() - timedelta(hours=5)
    )
    ArticleFactory(section=politics, published_at=timezone.now() - timedelta(hours=1), headline="Newest Without Photo")
    # Five stories newer than the photo story: it is still among the lead candidates.
    ArticleFactory.create_batch(4, section=politics, published_at=timezone.now() - timedelta(hours=3))
    page = soup_of(client.get("/"))
    lead = page.select_one(".lead-story")
    assert text_of(lead.find("h2")) == old_photo_story.display_headline
    assert lead.find("img") is not None
    assert lead.find("img").get("loading") != "lazy"
    blocks = page.select(".front-section")
    assert [text_of(b.find("h2")) for b in blocks] == ["Politics"]  # Business's only story leads the page
    politics_items = blocks[0].select(".story-card")
    assert len(politics_items) == 4
    assert text_of(politics_items[0].find("h3")) == "Newest Without Photo"
    assert "Access Ranking" in text_of(page.find("aside"))
    for img in page.select(".front-section img"):
        assert img.get("loading") == "lazy"


def test_home_with_no_articles_is_friendly(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No stories have been published yet." in response.content.decode()


def test_section_page_paginates_newest_first_with_its_top_articles(client, politics):
    now = timezone.now()
    articles = [
        ArticleFactory(section=politics, headline=f"Politics Story {n:02d}", published_at=now - timedelta(hours=n))
        for n in range(25)
    ]
    ArticleFactory(section=SectionFactory(name="Other", slug="other"), headline="Elsewhere")
    page = soup_of(client.get("/section/politics/"))
    headlines = [text_of(h) for h in page.select("main .story-card-headline")]
    assert headlines == [a.headline for a in articles[:20]]
    assert "Top Articles in Politics" in text_of(page.find("aside"))
    assert page.select_one(".pagination a[rel=next]")["href"] == "?page=2"
    assert page.find("a", string=re.compile("RSS"))["href"] == "/section/politics/feed/"

    second = soup_of(client.get("/section/politics/?page=2"))
    assert [text_of(h) for h in second.select("main .story-card-headline")] == [a.headline for a in articles[20:]]
    assert second.select_one(".pagination a[rel=prev]")["href"] == "/section/politics/"
    assert second.select_one(".pagination a[rel=next]") is None


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999", "1.5", "2", "9" * 5000, "%00", "1e3"])
@pytest.mark.parametrize("url", ["/section/politics/", "/tag/japan/", "/author/aiko-tanaka/", "/search/?q=allies"])
def test_bad_page_numbers_are_404(client, story, url, page):
    separator = "&" if "?" in url else "?"
    assert client.get(f"{url}{separator}page={page}").status_code == 404


@pytest.mark.parametrize("url", ["/section/politics/", "/tag/japan/", "/author/aiko-tanaka/", "/search/?q=allies"])
def test_empty_or_first_page_parameter_is_the_first_page(client, story, url):
    separator = "&" if "?" in url else "?"
    story.tags.add("Japan")
    assert client.get(f"{url}{separator}page=").status_code == 200
    assert client.get(f"{url}{separator}page=1").status_code == 200


def test_tag_page_lists_its_articles_and_links_its_feed(client, politics):
    tagged = ArticleFactory(section=politics, tags=["Tokyo Bay"], headline="Ferry Service Expands")
    ArticleFactory(section=politics, tags=["Elsewhere"], headline="Unrelated Story")
    page = soup_of(client.get("/tag/tokyo-bay/"))
    assert text_of(page.find("h1")) == "Tokyo Bay"
    assert [text_of(h) for h in page.select("main .story-card-headline")] == [tagged.headline]
    assert page.find("a", string=re.compile("RSS"))["href"] == "/tag/tokyo-bay/feed/"


def test_tag_page_says_how_many_stories_and_more_than_it_lists(client, politics, monkeypatch):
    monkeypatch.setattr(views, "MAX_LISTED", 3)
    for n in range(3):
        ArticleFactory(section=politics, tags=["Tokyo Bay"], headline=f"Ferry Story {n}")
    description = soup_of(client.get("/tag/tokyo-bay/")).select_one(".page-head-description")
    assert text_of(description) == "3 stories"
    ArticleFactory(section=politics, tags=["Tokyo Bay"], headline="Ferry Story 3")
    cache.clear()
    page = soup_of(client.get("/tag/tokyo-bay/"))
    # Counting stops one beyond what the pages list: a number that is not the tag's real total is not shown.
    assert text_of(page.select_one(".page-head-description")) == "More than 3 stories"


def test_tag_with_non_ascii_slug_works(client, politics):
    article = ArticleFactory(section=politics, tags=["東京"], headline="Capital Story")
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'href="/tag/%E6%9D%B1%E4%BA%AC/"' in html
    assert "Capital Story" in client.get("/tag/%E6%9D%B1%E4%BA%AC/").content.decode()


def test_tag_used_only_by_hidden_articles_is_404(client, politics):
    ArticleFactory(section=politics, status=Article.Status.DRAFT, published_at=None, tags=["Secret Merger"])
    assert client.get("/tag/secret-merger/").status_code == 404


def test_author_page_shows_bio_and_their_articles(client, politics):
    author = AuthorFactory(
        name="Mika Sato", slug="mika-sato", role="Science Editor", bio="Writes about space.\n\nAnd oceans."
    )
    mine = ArticleFactory(section=politics, authors=[author], headline="Probe Reaches Orbit")
    ArticleFactory(section=politics, authors=[AuthorFactory()], headline="Someone Else's Story")
    page = soup_of(client.get("/author/mika-sato/"))
    assert text_of(page.find("h1")) == "Mika Sato"
    assert "Science Editor" in text_of(page.select_one(".page-head"))
    assert "Writes about space." in text_of(page.select_one(".author-bio"))
    assert [text_of(h) for h in page.select("main .story-card-headline")] == [mine.headline]


def test_author_without_articles_has_a_page(client):
    AuthorFactory(slug="new-hire", name="New Hire")
    response = client.get("/author/new-hire/")
    assert response.status_code == 200
    assert "No published stories yet." in response.content.decode()


@pytest.mark.parametrize(("label", "kwargs"), hidden_article_kinds())
def test_hidden_articles_never_reach_any_list(client, politics, label, kwargs):
    author = AuthorFactory(slug="shared-author")
    visible = ArticleFactory(section=politics, tags=["shared"], authors=[author], headline="Visible Council Story")
    hidden = ArticleFactory(
        section=politics,
        tags=["shared"],
        authors=[author],
        headline="Hiddenheadline Council Story",
        **kwargs,
    )
    for url in ("/", "/section/politics/", "/tag/shared/", "/author/shared-author/", "/search/?q=council",
                "/search/?q=hiddenheadline", visible.get_absolute_url()):  # fmt: skip
        cache.clear()
        html = client.get(url).content.decode()
        assert "Hiddenheadline" not in html, (label, url)
        assert f"/articles/{hidden.pk}/" not in html, (label, url)


# --- Error pages -------------------------------------------------------------------------------


def test_404_page_is_friendly_and_has_the_site_navigation(client, politics):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = soup_of(response)
    assert "could not find" in text_of(page.find("h1"))
    assert page.select_one("nav.section-nav a[href='/section/politics/']") is not None
    assert page.find("form", attrs={"action": "/search/"}) is not None


def test_500_page_renders_without_database_or_context_processors(django_db_blocker):
    request = RequestFactory().get("/")
    with django_db_blocker.block():  # any query would raise
        response = views.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "The Newsroom" in html
    assert "/static/css/site." in html


def test_500_page_falls_back_to_plain_html_if_its_template_breaks(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template storage is gone")

    monkeypatch.setattr(views.loader, "get_template", broken)
    response = views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_an_exception_in_a_view_gives_the_friendly_500(client, monkeypatch, story):
    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "article_for_page", explode)
    client.raise_request_exception = False
    response = client.get(story.get_absolute_url())
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_404_page_still_answers_404_when_the_database_is_down(client, monkeypatch):
    from django.db import OperationalError

    from articles.templatetags import news

    def database_down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(news, "section_list_for_nav", database_down)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


@pytest.mark.parametrize("url", ["/section/politics/", "/tag/deep/", "/author/deep-author/"])
def test_lists_page_no_deeper_than_max_pages(client, politics, monkeypatch, url):
    """Counting and OFFSET stop at MAX_PAGES pages, whatever the archive holds; deeper pages are 404."""
    monkeypatch.setattr(views, "MAX_PAGES", 2)
    monkeypatch.setattr(views, "MAX_LISTED", 2 * views.PAGE_SIZE)
    author = AuthorFactory(slug="deep-author")
    now = timezone.now()
    stories = [
        ArticleFactory(section=politics, published_at=now - timedelta(hours=n), tags=["deep"], authors=[author])
        for n in range(2 * views.PAGE_SIZE + 5)
    ]
    second = client.get(f"{url}?page=2")
    assert second.status_code == 200
    page = soup_of(second)
    assert [text_of(h) for h in page.select("main .story-card-headline")] == [a.headline for a in stories[20:40]]
    assert page.select_one(".pagination a[rel=next]") is None
    assert client.get(f"{url}?page=3").status_code == 404
