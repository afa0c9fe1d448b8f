"""Fragment cache: pieces shared between renders stay right after every kind of change, and save queries."""

import pytest

from articles.tests.factories import ArticleFactory, ArticleUpdateFactory, AuthorFactory, SectionFactory
from newsroom.caching.fragments import fragment_cached

pytestmark = pytest.mark.django_db


@pytest.fixture
def uncached_pages(settings):
    # The page cache off, as in the "uncached" benchmark: every request renders, fragments do the saving.
    settings.PAGE_CACHE_ENABLED = False


def test_a_warm_article_page_runs_one_query(client, uncached_pages, django_assert_num_queries):
    article = ArticleFactory(tags=["energy", "diet"], authors=[AuthorFactory(), AuthorFactory()])
    ArticleUpdateFactory(article=article)
    first = client.get(article.get_absolute_url())

    with django_assert_num_queries(1):  # the visibility check and the article's own columns
        second = client.get(article.get_absolute_url())

    assert second.status_code == 200
    # The same page, up to the per-request page-view beacon at its end.
    assert second.content.decode().rsplit("</footer>", 1)[0] == first.content.decode().rsplit("</footer>", 1)[0]


def test_renamed_section_author_and_tag_show_at_once(client, uncached_pages):
    section = SectionFactory(name="Harbour")
    author = AuthorFactory(name="Aki Sato")
    article = ArticleFactory(section=section, authors=[author], tags=["ferries"])
    url = article.get_absolute_url()
    client.get(url)

    section.name = "Waterfront"
    section.save()
    author.name = "Aki Sato-Mori"
    author.save()
    article.tags.add("tides")
    html = client.get(url).content.decode()

    assert "Waterfront" in html
    assert "Harbour" not in html
    assert "Aki Sato-Mori" in html
    assert "tides" in html


def test_an_unpublished_article_is_gone_although_its_relations_were_cached(client, uncached_pages):
    article = ArticleFactory()
    assert client.get(article.get_absolute_url()).status_code == 200

    type(article).objects.filter(pk=article.pk).update(status=type(article).Status.DRAFT)  # no signal, no bump

    assert client.get(article.get_absolute_url()).status_code == 404


def test_a_bulk_edit_of_the_articles_own_columns_shows_although_it_was_cached(client, uncached_pages):
    article = ArticleFactory(headline="Ferry Timetable Unchanged", tags=["ferries"])
    assert b"Ferry Timetable Unchanged" in client.get(article.get_absolute_url()).content

    type(article).objects.filter(pk=article.pk).update(headline="Ferry Timetable Rewritten")  # no signal, no bump

    html = client.get(article.get_absolute_url()).content
    assert b"Ferry Timetable Rewritten" in html
    assert b"ferries" in html


def test_fragments_are_rendered_again_after_an_invalidation():
    renders = []

    def render():
        renders.append(1)
        return f"<p>render {len(renders)}</p>"

    assert fragment_cached("probe", "a", render=render) == "<p>render 1</p>"
    assert fragment_cached("probe", "a", render=render) == "<p>render 1</p>"
    assert fragment_cached("probe", "b", render=render) == "<p>render 2</p>"
    SectionFactory()  # any content change bumps the generation

    assert fragment_cached("probe", "a", render=render) == "<p>render 3</p>"


def test_fragments_can_be_turned_off(settings):
    settings.FRAGMENT_CACHE_ENABLED = False
    renders = []

    def render():
        renders.append(1)
        return "<p>x</p>"

    fragment_cached("probe", render=render)
    fragment_cached("probe", render=render)

    assert len(renders) == 2


def test_the_process_keeps_its_copy_and_stays_bounded(monkeypatch):
    from newsroom.caching import fragments

    reads = []
    shared_get = fragments.fragment_cache_get
    monkeypatch.setattr(fragments, "fragment_cache_get", lambda key: reads.append(key) or shared_get(key))

    assert fragment_cached("probe", "a", render=lambda: "<p>a</p>") == "<p>a</p>"
    assert fragment_cached("probe", "a", render=lambda: "<p>never</p>") == "<p>a</p>"
    assert len(reads) == 1  # the second call did not ask the shared cache

    monkeypatch.setattr(fragments, "LOCAL_MAX_ENTRIES", 2)
    for part in "bcde":
        fragment_cached("probe", part, render=lambda part=part: f"<p>{part}</p>")
    assert len(fragments._local) <= 2


def test_the_process_copy_expires_like_the_shared_one(monkeypatch):
    from newsroom.caching import fragments

    clock = [1000.0]
    monkeypatch.setattr(fragments.time, "monotonic", lambda: clock[0])
    fragments.fragment_local_set("k", "<p>old</p>", seconds=60)

    assert fragments.fragment_local_get("k") == "<p>old</p>"
    clock[0] += 61
    assert fragments.fragment_local_get("k") is None
