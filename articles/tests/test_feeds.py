"""RSS 2.0 and Atom feeds: site, section and tag; parsed with feedparser as a reader would."""

import html
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from taggit.models import Tag

from articles.feeds import FEED_LENGTH
from articles.models import Article, Photo
from articles.photos import renditions_store
from articles.tests.factories import (
    ArticleFactory,
    ArticleUpdateFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE = "</script><script>alert(1)</script> & <b>bold</b>"


def with_crops(photo):
    """``photo`` with its stored renditions (the photo service makes them on save; this makes sure)."""
    if (photo.renditions or {}).get("crops"):
        return photo
    photo.renditions = renditions_store(
        photo_id=photo.pk, name=photo.image.name, focal_x=photo.focal_x, focal_y=photo.focal_y
    )
    photo.save(update_fields=["renditions"])
    return photo


def parse(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:500]
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response, parsed


def hidden_articles(section=None):
    """One article of every kind readers must not see."""
    section = section or SectionFactory()
    future = timezone.now() + timedelta(hours=3)
    return [
        ArticleFactory(section=section, headline="Draft Story", status=Article.Status.DRAFT, published_at=None),
        ArticleFactory(
            section=section, headline="Scheduled Story", status=Article.Status.SCHEDULED, published_at=future
        ),
        ArticleFactory(section=section, headline="Withdrawn Story", status=Article.Status.WITHDRAWN),
    ]


@pytest.mark.parametrize("url_name", ["syndication:feed", "syndication:atom"])
def test_site_feed_lists_published_articles_newest_first(client, url_name):
    now = timezone.now()
    old = ArticleFactory(headline="Older Story", published_at=now - timedelta(days=2))
    new = ArticleFactory(headline="Newer Story", published_at=now - timedelta(hours=1))
    hidden_articles()

    response, feed = parse(client, reverse(url_name))

    titles = [html.unescape(entry.title) for entry in feed.entries]
    assert titles == ["Newer Story", "Older Story"]
    links = [entry.link for entry in feed.entries]
    assert links == [f"http://testserver{new.get_absolute_url()}", f"http://testserver{old.get_absolute_url()}"]
    assert feed.feed.title == "The Newsroom"
    assert feed.feed.link == "http://testserver/"


@pytest.mark.parametrize("url_name", ["syndication:feed", "syndication:atom"])
@pytest.mark.parametrize("hidden", ["draft", "scheduled", "withdrawn"])
def test_hidden_articles_never_appear(client, url_name, hidden):
    section = SectionFactory(slug="politics", name="Politics")
    ArticleFactory(section=section, headline="Visible Story", tags=["energy"])
    kinds = dict(zip(["draft", "scheduled", "withdrawn"], hidden_articles(section), strict=True))
    kinds[hidden].tags.add("energy")

    for url in (
        reverse(url_name),
        reverse(url_name.replace(":", ":section_"), kwargs={"slug": "politics"}),
        reverse(url_name.replace(":", ":tag_"), kwargs={"slug": "energy"}),
    ):
        _, feed = parse(client, url)
        assert [html.unescape(entry.title) for entry in feed.entries] == ["Visible Story"], url


def test_scheduled_article_appears_once_due(client, settings):
    # Time passing is simulated by a bulk update, which (unlike time) the page cache cannot see.
    settings.PAGE_CACHE_ENABLED = False
    article = ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(minutes=5))
    assert parse(client, "/feed/")[1].entries == []
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert len(parse(client, "/feed/")[1].entries) == 1


def test_rss_entry_fields(client):
    writer_a = AuthorFactory(name="Aiko Tanaka", slug="aiko-tanaka")
    writer_b = AuthorFactory(name="Ben Ross", slug="ben-ross")
    published = datetime(2026, 1, 16, 22, 5, tzinfo=UTC)  # 7:05 JST on the 17th
    article = ArticleFactory(
        headline="Port Reopens After Storm",
        deck="Cranes are moving again & ships queue.",
        published_at=published,
        authors=[writer_a, writer_b],
        tags=["Shipping", "Weather"],
    )
    ArticleUpdateFactory(article=article, created_at=published + timedelta(hours=2))

    _, feed = parse(client, "/feed/")

    (entry,) = feed.entries
    assert html.unescape(entry.title) == "Port Reopens After Storm (UPDATE 1)"
    assert html.unescape(entry.summary) == "Cranes are moving again & ships queue."
    assert entry.published == "Sat, 17 Jan 2026 07:05:00 +0900"
    assert entry.published_parsed[:5] == (2026, 1, 16, 22, 5)  # feedparser normalises to UTC
    assert sorted(tag.term for tag in entry.tags) == ["Shipping", "Weather"]
    assert [author.name for author in entry.authors] == ["Aiko Tanaka", "Ben Ross"]
    assert entry.guid.startswith("tag:")
    assert entry.guid.endswith(f":article:{article.pk}")
    assert entry.guidislink is False


def test_atom_entry_fields(client):
    writer = AuthorFactory(name="Aiko Tanaka", slug="aiko-tanaka")
    published = timezone.now() - timedelta(hours=5)
    article = ArticleFactory(headline="AT&T <Deal> Signed", authors=[writer], tags=["Telecoms"], published_at=published)
    update = ArticleUpdateFactory(article=article, created_at=published + timedelta(hours=1))

    response, feed = parse(client, "/atom/")

    assert response["Content-Type"].startswith("application/atom+xml")
    (entry,) = feed.entries
    # Atom titles are text: no double escaping, the headline reads as written.
    assert entry.title == "AT&T <Deal> Signed (UPDATE 1)"
    assert entry.authors == [{"name": "Aiko Tanaka", "href": "http://testserver/author/aiko-tanaka/"}]
    assert entry.published_parsed == published.utctimetuple()
    assert entry.updated_parsed == update.created_at.utctimetuple()
    assert entry.updated == timezone.localtime(update.created_at).replace(microsecond=0).isoformat()
    assert entry.updated.endswith("+09:00")
    assert entry.id.endswith(f":article:{article.pk}")
    assert [tag.term for tag in entry.tags] == ["Telecoms"]


def test_guid_is_stable_across_slug_changes_updates_and_hosts(client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "mirror.example"]
    settings.PAGE_CACHE_ENABLED = False  # the slug is changed by a bulk update, which sends no signal
    article = ArticleFactory()
    first = parse(client, "/feed/")[1].entries[0].guid
    Article.objects.filter(pk=article.pk).update(slug="a-new-slug", update_count=2)
    assert parse(client, "/feed/", HTTP_HOST="mirror.example")[1].entries[0].guid == first
    # Distinct articles get distinct guids.
    ArticleFactory()
    guids = [entry.guid for entry in parse(client, "/feed/")[1].entries]
    assert len(set(guids)) == 2


@pytest.mark.parametrize("url", ["/feed/", "/atom/"])
def test_an_empty_site_has_an_empty_feed(client, url):
    _, feed = parse(client, url)
    assert feed.entries == []
    assert feed.feed.title == "The Newsroom"


def test_lead_photo_crop_is_the_enclosure_and_media_content(client):
    photo = with_crops(PhotoFactory(caption="Cranes at dusk.", credit="Kenji Mori"))
    ArticleFactory(lead_photo=photo)

    for url in ("/feed/", "/atom/"):
        _, feed = parse(client, url)
        (entry,) = feed.entries
        (enclosure,) = entry.enclosures
        crop = photo.renditions["crops"]["16x9"]
        assert enclosure.href == f"http://testserver{default_storage.url(crop['name'])}"
        assert int(enclosure.length) == default_storage.size(crop["name"]) > 0
        assert enclosure.type == "image/jpeg"
        (media,) = entry.media_content
        assert media["url"] == enclosure.href
        assert (media["width"], media["height"]) == ("1200", "675")
        assert entry.media_credit[0]["content"] == "Kenji Mori"


def test_media_description_carries_the_article_caption(client):
    photo = with_crops(PhotoFactory(caption="The photo's own caption."))
    ArticleFactory(lead_photo=photo, lead_photo_caption="This story's caption.")
    response = client.get("/feed/")
    assert b'<media:description type="plain">This story\'s caption.</media:description>' in response.content


def test_photo_without_renditions_falls_back_to_the_original(client):
    photo = PhotoFactory()
    Photo.objects.filter(pk=photo.pk).update(renditions={})  # e.g. made before renditions existed
    ArticleFactory(lead_photo=photo)
    _, feed = parse(client, "/feed/")
    (enclosure,) = feed.entries[0].enclosures
    assert enclosure.href == f"http://testserver{photo.image.url}"
    assert int(enclosure.length) == photo.image.size


def test_missing_photo_file_drops_the_enclosure_not_the_feed(client):
    photo = with_crops(PhotoFactory())
    ArticleFactory(lead_photo=photo)
    default_storage.delete(photo.image.name)
    default_storage.delete(photo.renditions["crops"]["16x9"]["name"])
    _, feed = parse(client, "/feed/")
    assert feed.entries[0].enclosures == []


def test_article_without_photo_has_no_enclosure(client):
    ArticleFactory(lead_photo=None)
    _, feed = parse(client, "/feed/")
    assert feed.entries[0].enclosures == []
    assert "media_content" not in feed.entries[0]


def test_absolute_urls_come_from_the_request(client, settings):
    settings.ALLOWED_HOSTS = ["news.example.com"]
    photo = with_crops(PhotoFactory())
    ArticleFactory(lead_photo=photo, authors=[AuthorFactory(slug="kim")])
    _, feed = parse(client, "/atom/", HTTP_HOST="news.example.com", secure=True)
    entry = feed.entries[0]
    assert entry.link.startswith("https://news.example.com/articles/")
    assert entry.enclosures[0].href.startswith("https://news.example.com/media/renditions/")
    assert entry.authors[0]["href"] == "https://news.example.com/author/kim/"


def test_feed_holds_the_newest_thirty(client):
    section = SectionFactory()
    now = timezone.now()
    articles = Article.objects.bulk_create(
        Article(
            headline=f"Story {i}",
            slug=f"story-{i}",
            section=section,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(minutes=i + 1),
        )
        for i in range(FEED_LENGTH + 5)
    )
    _, feed = parse(client, "/feed/")
    assert len(feed.entries) == FEED_LENGTH == 30
    assert html.unescape(feed.entries[0].title) == articles[0].headline
    assert html.unescape(feed.entries[-1].title) == f"Story {FEED_LENGTH - 1}"


def test_section_and_tag_feeds_are_narrowed(client):
    politics = SectionFactory(slug="politics", name="Politics")
    sports = SectionFactory(slug="sports", name="Sports")
    ArticleFactory(section=politics, headline="Diet Passes Budget", tags=["Budget"])
    ArticleFactory(section=sports, headline="Marathon Record Falls", tags=["Running"])

    _, feed = parse(client, "/section/politics/feed/")
    assert [html.unescape(e.title) for e in feed.entries] == ["Diet Passes Budget"]
    assert feed.feed.title == "Politics | The Newsroom"
    assert feed.feed.link == "http://testserver/section/politics/"

    _, feed = parse(client, "/section/sports/atom/")
    assert [e.title for e in feed.entries] == ["Marathon Record Falls"]

    _, feed = parse(client, "/tag/running/feed/")
    assert [html.unescape(e.title) for e in feed.entries] == ["Marathon Record Falls"]
    assert feed.feed.link == "http://testserver/tag/running/"

    _, feed = parse(client, "/tag/budget/atom/")
    assert [e.title for e in feed.entries] == ["Diet Passes Budget"]


def test_unicode_tag_feed(client):
    ArticleFactory(headline="Tokyo Story", tags=["東京"])
    from taggit.models import Tag

    slug = Tag.objects.get(name="東京").slug
    _, feed = parse(client, reverse("syndication:tag_feed", kwargs={"slug": slug}))
    assert [html.unescape(e.title) for e in feed.entries] == ["Tokyo Story"]


@pytest.mark.parametrize(
    "url",
    ["/section/nope/feed/", "/section/nope/atom/", "/tag/nope/feed/", "/tag/nope/atom/", "/section/a%00b/feed/"],
)
def test_unknown_section_or_tag_is_404(client, url):
    SectionFactory(slug="politics")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/feed/", "/atom/"])
def test_hostile_headline_is_escaped_and_feed_still_parses(client, url):
    ArticleFactory(headline=HOSTILE, deck="<img src=x onerror=alert(1)>\x0b", tags=["<script>"])
    response, feed = parse(client, url)
    assert b"<script>" not in response.content
    assert b"<img" not in response.content
    entry = feed.entries[0]
    shown = html.unescape(entry.title) if url == "/feed/" else entry.title
    assert shown == HOSTILE
    assert html.unescape(entry.summary) == "<img src=x onerror=alert(1)>"  # shown as text, control char dropped


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_section_and_tag_channel_title_and_description_are_plain_text(client, kind):
    """A section's name and description, a tag's name: shown as typed, never as markup."""
    section = SectionFactory(name="Arts & <b>Crafts</b>", description="<script>alert(1)</script> <b>Bold</b> & more")
    ArticleFactory(section=section, headline="A Story", tags=["<i>Tag</i> & <script>x</script>"])
    tag = Tag.objects.get(name__startswith="<i>")
    suffix = "feed" if kind == "rss" else "atom"
    for url, title, description in [
        (f"/section/{section.slug}/{suffix}/", section.name, section.description),
        (
            f"/tag/{tag.slug}/{suffix}/",
            tag.name,
            f"The latest news tagged “{tag.name}” from {django_settings.SITE_NAME}.",
        ),
    ]:
        response, feed = parse(client, url)
        for markup in (b"<b>", b"<i>", b"<script"):
            assert markup not in response.content, url
        # RSS readers take the channel's text as HTML (so it is escaped twice); Atom's is declared text.
        shown = html.unescape if kind == "rss" else str
        assert shown(feed.feed.title) == f"{title} | {django_settings.SITE_NAME}", url
        assert shown(feed.feed.subtitle) == description, url
        assert html.unescape(feed.entries[0].title) == "A Story"


def test_control_characters_never_break_the_feed(client):
    photo = with_crops(PhotoFactory(caption="Bell\x07 rings", credit="Desk\x1b"))
    author = AuthorFactory(name="Ctrl\x02 Name")
    ArticleFactory(headline="Tab\tand\x0cform feed", lead_photo=photo, authors=[author], tags=["x\x01y"])
    for url in ("/feed/", "/atom/"):
        _, feed = parse(client, url)
        assert html.unescape(feed.entries[0].title).startswith("Tab\tandform feed")


@pytest.mark.parametrize("url", ["/feed/", "/atom/", "/section/politics/feed/", "/tag/energy/atom/"])
def test_queries_do_not_grow_with_articles_authors_and_tags(client, django_assert_num_queries, settings, url):
    settings.PAGE_CACHE_ENABLED = False
    section = SectionFactory(slug="politics")
    photo = PhotoFactory()

    def add(count):
        for _ in range(count):
            ArticleFactory(
                section=section,
                lead_photo=photo,
                authors=[AuthorFactory(), AuthorFactory()],
                tags=["energy", f"t{Article.objects.count()}", f"u{Article.objects.count()}"],
            )

    # Items, authors, tags; a section or tag feed first loads its object.
    queries = 3 + ("/section/" in url or "/tag/" in url)
    add(1)
    with django_assert_num_queries(queries):
        assert len(parse(client, url)[1].entries) == 1
    add(6)
    with django_assert_num_queries(queries):
        assert len(parse(client, url)[1].entries) == 7


def test_published_article_shows_in_the_cached_feed_at_once(client):
    ArticleFactory(headline="First")
    assert len(parse(client, "/feed/")[1].entries) == 1
    response = client.get("/feed/")
    assert response["X-Cache"] == "hit"
    draft = ArticleFactory(headline="Second", status=Article.Status.DRAFT, published_at=None)
    draft.status, draft.published_at = Article.Status.PUBLISHED, timezone.now()
    draft.save()
    assert [html.unescape(e.title) for e in parse(client, "/feed/")[1].entries] == ["Second", "First"]


def test_last_modified_is_the_newest_publication_or_update(client):
    published = timezone.now() - timedelta(hours=2)
    article = ArticleFactory(published_at=published)
    assert client.get("/feed/")["Last-Modified"] == http_date(published.timestamp())
    update = ArticleUpdateFactory(article=article, created_at=published + timedelta(minutes=30))
    assert client.get("/feed/")["Last-Modified"] == http_date(update.created_at.timestamp())
