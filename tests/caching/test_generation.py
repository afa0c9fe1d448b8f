"""Full-page cache on the real reader pages: invalidation on every content change, scheduled stories, editors."""

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article
from articles.tests.factories import (
    ArticleFactory,
    ArticleUpdateFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
)
from articles.views import render_article
from newsroom.caching import generation as page_cache_state
from newsroom.caching.generation import NEXT_DUE_KEY, page_cache_generation, page_cache_invalidate, page_cache_ttl
from newsroom.caching.middleware import PageCacheMiddleware
from newsroom.circuit import redis_circuit

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _cache_reachable():
    redis_circuit.reset()


@pytest.fixture
def article():
    section = SectionFactory(name="Harbour News", slug="harbour-news")
    author = AuthorFactory(name="Mina Tanaka", slug="mina-tanaka")
    return ArticleFactory(
        headline="Ferry Timetable Changes",
        slug="ferry-timetable-changes",
        section=section,
        lead_photo=PhotoFactory(caption="The morning ferry leaves the pier."),
        tags=["Ferries"],
        authors=[author],
    )


def _get(client, url):
    response = client.get(url)
    return response, response.content.decode()


def _filled(client, url):
    """Request ``url`` until it is stored; assert the stored copy is then served."""
    client.get(url)
    response = client.get(url)
    assert response["X-Cache"] == "hit", url
    return response


def test_article_page_second_request_runs_no_query(client, article, django_assert_num_queries):
    url = article.get_absolute_url()
    first = client.get(url)
    assert first.status_code == 200
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert "Ferry Timetable Changes" in second.content.decode()


def _reader_urls(article):
    section, tag, author = article.section, article.tags.get(), article.authors.get()
    return [
        "/",
        article.get_absolute_url(),
        section.get_absolute_url(),
        reverse("articles:tag", args=[tag.slug]),
        author.get_absolute_url(),
        reverse("syndication:feed"),
        reverse("syndication:atom"),
        reverse("syndication:section_feed", args=[section.slug]),
        reverse("syndication:tag_feed", args=[tag.slug]),
        reverse("syndication:sitemap"),
        reverse("syndication:sitemap_news"),
        reverse("syndication:sitemap_section", args=["tags"]),
        reverse(
            "syndication:sitemap_month",
            kwargs={
                "year": f"{article.published_at.astimezone(UTC):%Y}",
                "month": f"{article.published_at.astimezone(UTC):%m}",
            },
        ),
        reverse("syndication:robots"),
        reverse("articles:search") + "?q=ferry",
        reverse("rankings:ranking"),
        reverse("rankings:ranking") + "?window=7d",
    ]


def test_every_reader_page_is_stored_and_replayed_without_queries(client, article, django_assert_num_queries):
    """Catches a template that reads the session or user (Vary: Cookie) or sets the CSRF cookie."""
    for url in _reader_urls(article):
        first = client.get(url)
        assert first.status_code == 200, url
        assert first["Cache-Control"].startswith("public"), url
        with django_assert_num_queries(0):
            second = client.get(url)
        assert second["X-Cache"] == "hit", url
        assert second.content == first.content, url
        assert second["Content-Type"] == first["Content-Type"], url


def test_article_edit_is_visible_at_once(client, article):
    url = article.get_absolute_url()
    _filled(client, url)
    article.headline = "Ferry Timetable Changes Again"
    article.save()
    response, html = _get(client, url)
    assert response["X-Cache"] == "miss"
    assert "Ferry Timetable Changes Again" in html


def test_publishing_a_draft_shows_it_on_the_front_and_section_pages(client, article):
    draft = ArticleFactory(
        headline="Lighthouse Reopens", status=Article.Status.DRAFT, published_at=None, section=article.section
    )
    for url in ("/", article.section.get_absolute_url()):
        _filled(client, url)
        assert "Lighthouse Reopens" not in client.get(url).content.decode()
    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now() - timedelta(minutes=1)
    draft.save()
    for url in ("/", article.section.get_absolute_url()):
        assert "Lighthouse Reopens" in client.get(url).content.decode()


def test_withdrawn_or_deleted_article_disappears_at_once(client, article):
    other = ArticleFactory(headline="Bridge Inspection Finds Rust", section=article.section)
    _filled(client, article.get_absolute_url())
    _filled(client, other.get_absolute_url())
    article.status = Article.Status.WITHDRAWN
    article.save()
    assert client.get(article.get_absolute_url()).status_code == 404
    url = other.get_absolute_url()
    other.delete()
    assert client.get(url).status_code == 404


def test_tag_changes_invalidate(client, article):
    url = article.get_absolute_url()
    _filled(client, url)
    article.tags.add("Night Trains")
    assert "Night Trains" in client.get(url).content.decode()

    _filled(client, url)
    tag = Tag.objects.get(name="Night Trains")
    tag.name = "Sleeper Trains"
    tag.save()
    assert "Sleeper Trains" in client.get(url).content.decode()

    _filled(client, url)
    article.tags.remove("Ferries")
    html = client.get(url).content.decode()
    assert ">Ferries<" not in html

    _filled(client, url)
    article.tags.clear()
    assert "Related Tags" not in client.get(url).content.decode()


def test_photo_change_invalidates(client, article):
    url = article.get_absolute_url()
    _filled(client, url)
    photo = article.lead_photo
    photo.caption = "Passengers queue for the evening ferry."
    photo.save()
    response, html = _get(client, url)
    assert response["X-Cache"] == "miss"
    assert "Passengers queue for the evening ferry." in html


def test_update_or_correction_added_invalidates(client, article):
    url = article.get_absolute_url()
    _filled(client, url)
    ArticleUpdateFactory(article=article, note="Adds the operator's statement.")
    assert "Ferry Timetable Changes (UPDATE 1)" in client.get(url).content.decode()


def test_section_and_author_changes_invalidate(client, article):
    url = article.get_absolute_url()
    _filled(client, url)
    section = article.section
    section.name = "Port and Harbour"
    section.save()
    assert "Port and Harbour" in client.get(url).content.decode()

    _filled(client, url)
    author = article.authors.get()
    author.name = "Mina Tanaka-Smith"
    author.save()
    assert "Mina Tanaka-Smith" in client.get(url).content.decode()

    _filled(client, url)
    article.authors.add(AuthorFactory(name="Kenji Sato"))
    assert "Kenji Sato" in client.get(url).content.decode()


def test_public_invalidate_function_is_what_other_apps_call(client, article):
    _filled(client, "/")
    page_cache_invalidate()
    assert client.get("/")["X-Cache"] == "miss"


def test_invalidation_from_another_process_reaches_this_one(client, article, settings, tmp_path):
    """What several gunicorn workers and management commands rely on.

    With Redis the generation lives in Redis; with the per-process local-memory
    cache it is a file's timestamp. Either way another process's change counts.
    """
    if "locmem" in settings.CACHES["default"]["BACKEND"]:
        # The test database is in memory, which no other process could share; a real one uses a file.
        settings.PAGE_CACHE_GENERATION_FILE = str(tmp_path / "pages.generation")
    path = page_cache_state.page_cache_generation_file()
    _filled(client, "/")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    code = (
        "import sys, django; django.setup(); from django.conf import settings;"
        "settings.PAGE_CACHE_GENERATION_FILE = sys.argv[1] or None;"
        "from newsroom.caching.generation import page_cache_invalidate; page_cache_invalidate()"
    )
    subprocess.run([sys.executable, "-c", code, str(path or "")], cwd=BASE_DIR, env=env, check=True, timeout=60)
    assert client.get("/")["X-Cache"] == "miss"


# --- Scheduled publication ----------------------------------------------------------------------


def test_ttl_is_the_configured_lifetime_when_nothing_is_scheduled(settings):
    settings.PAGE_CACHE_SECONDS = 300
    ArticleFactory(status=Article.Status.DRAFT, published_at=timezone.now() + timedelta(seconds=30))
    ArticleFactory(status=Article.Status.WITHDRAWN, published_at=timezone.now() + timedelta(seconds=30))
    ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() - timedelta(seconds=30))
    assert page_cache_ttl() == 300


def test_ttl_never_outlives_the_next_publication(settings):
    settings.PAGE_CACHE_SECONDS = 300
    now = time.time()
    due = timezone.now() + timedelta(seconds=100)
    ArticleFactory(status=Article.Status.SCHEDULED, published_at=due)
    ArticleFactory(status=Article.Status.SCHEDULED, published_at=due + timedelta(seconds=50))
    ttl = page_cache_ttl(now=now)
    assert 95 <= ttl <= due.timestamp() - now
    # At the publication itself, and just before it, nothing may be stored.
    assert page_cache_ttl(now=due.timestamp() - 0.5) == 0
    # Once it has passed, the next one caps the lifetime.
    assert page_cache_ttl(now=due.timestamp() + 1) == 49


def test_scheduling_an_article_resets_the_cached_next_publication(settings):
    settings.PAGE_CACHE_SECONDS = 300
    assert page_cache_ttl() == 300
    # "Nothing scheduled" is remembered, with the generation it was computed under.
    assert cache.get(NEXT_DUE_KEY) == (page_cache_generation(), 0.0)
    scheduled = ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(seconds=40))
    assert cache.get(NEXT_DUE_KEY)[0] != page_cache_generation()
    assert page_cache_ttl() <= 40
    scheduled.published_at = timezone.now() + timedelta(seconds=20)
    scheduled.save()
    assert page_cache_ttl() <= 20


def test_scheduled_article_is_visible_at_its_time_despite_the_cache(client):
    ArticleFactory(headline="Ferry Timetable Changes")
    due = timezone.now() + timedelta(seconds=2)
    ArticleFactory(headline="Midnight Ferry Announced", status=Article.Status.SCHEDULED, published_at=due)
    before = client.get("/")
    assert "Midnight Ferry Announced" not in before.content.decode()
    s_maxage = int(before["Cache-Control"].split("s-maxage=")[1])
    assert s_maxage <= 2
    time.sleep(max(0.0, due.timestamp() - time.time()) + 0.05)
    after = client.get("/")
    assert after["X-Cache"] == "miss"
    assert "Midnight Ferry Announced" in after.content.decode()


# --- Editors and previews -------------------------------------------------------------------------


def test_logged_in_staff_neither_get_nor_fill_the_cache(client, article):
    url = article.get_absolute_url()
    staff = get_user_model().objects.create_user("desk", is_staff=True)
    client.force_login(staff)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert response["X-Cache"] == "bypass"
        assert response["Cache-Control"] == "private, no-cache"
    client.logout()
    assert client.get(url)["X-Cache"] == "miss"
    assert client.get(url)["X-Cache"] == "hit"
    client.force_login(staff)
    assert client.get(url)["X-Cache"] == "bypass"


def test_previews_are_never_stored(rf):
    draft = ArticleFactory(headline="Embargoed Budget", status=Article.Status.DRAFT, published_at=None)
    renders = []

    def preview(request):
        renders.append(1)
        return render_article(request, draft, preview=True)

    middleware = PageCacheMiddleware(preview)
    for _ in range(2):
        response = middleware(rf.get("/preview/"))
        assert "Embargoed Budget" in response.content.decode()
        assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"]
        assert "public" not in response["Cache-Control"]
    assert len(renders) == 2


def test_unknown_query_parameters_never_store_another_copy_of_a_page(client, article):
    """A random ``?cb=`` on every request stores at most one page: the parameter is not part of the key."""
    outcomes = [client.get(f"/?cb={uuid.uuid4().hex}")["X-Cache"] for _ in range(50)]
    assert outcomes == ["miss"] + ["hit"] * 49
    assert client.get("/")["X-Cache"] == "hit"  # the very same page as without a query string
    # Parameters a page does read still make pages of their own.
    search = reverse("articles:search")
    assert client.get(f"{search}?q=ferry&cb=1")["X-Cache"] == "miss"
    assert client.get(f"{search}?q=ferry&cb=2")["X-Cache"] == "hit"
    assert client.get(f"{search}?q=harbour")["X-Cache"] == "miss"


def test_a_known_parameter_the_view_does_not_read_is_answered_uncached(client, article):
    """``?q=`` means something to search, nothing to the home page: random values there are never stored."""
    for _ in range(2):
        response = client.get("/?q=anything")
        assert response.status_code == 200
        assert response["X-Cache"] == "miss"


def test_pagination_links_keep_only_known_parameters(client):
    section = SectionFactory(slug="harbour-news")
    ArticleFactory.create_batch(25, section=section, headline="Ferry news")
    body = client.get("/search/?q=ferry&cb=evil&page=1").content.decode()
    assert "?q=ferry&amp;page=2" in body
    assert "cb=evil" not in body
