"""Search: PostgreSQL full-text search ranked headline > deck > body, and the SQLite word-match fallback."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article
from articles.selectors import SEARCH_MAX_LENGTH, article_search
from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL full-text search")
on_sqlite = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite fallback")


def ago(hours):
    return timezone.now() - timedelta(hours=hours)


def headlines(queryset):
    return [a.headline for a in queryset]


def results_on_page(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    page = BeautifulSoup(response.content.decode(), "html.parser")
    return [" ".join(h.get_text().split()) for h in page.select("main .story-card-headline")]


@pytest.fixture
def stories():
    return {
        "headline": ArticleFactory(
            headline="Lighthouse Keepers Return",
            deck="Staff come back.",
            body="<p>Nothing more.</p>",
            published_at=ago(3),
        ),
        "deck": ArticleFactory(
            headline="Coastal Jobs Rebound", deck="The lighthouse reopens.", body="<p>Text.</p>", published_at=ago(2)
        ),
        "body": ArticleFactory(
            headline="Weekend Ferry Timetable",
            deck="Changes ahead.",
            body="<p>Boats pass the old lighthouse at noon.</p>",
            published_at=ago(1),
        ),
        "other": ArticleFactory(headline="Rice Prices Rise", deck="Markets.", body="<p>Farmers react.</p>"),
    }


def test_a_word_is_found_in_headline_deck_or_body(stories):
    found = headlines(article_search(query="lighthouse"))
    assert sorted(found) == sorted(stories[k].headline for k in ("headline", "deck", "body"))


def test_every_word_must_match_somewhere_in_the_article(stories):
    # "ferry" is in one headline, "lighthouse" in its body: only that story has both.
    assert headlines(article_search(query="ferry lighthouse")) == [stories["body"].headline]
    assert headlines(article_search(query="rice lighthouse")) == []


def test_search_is_case_insensitive(stories):
    assert headlines(article_search(query="LIGHTHOUSE keepers")) == [stories["headline"].headline]


@on_postgresql
def test_postgresql_ranks_headline_above_deck_above_body(stories):
    # The body match is the newest and the headline match the oldest: relevance, not date, decides.
    assert headlines(article_search(query="lighthouse")) == [
        stories["headline"].headline,
        stories["deck"].headline,
        stories["body"].headline,
    ]


@on_postgresql
def test_postgresql_stems_words_and_accepts_web_search_syntax(stories):
    assert headlines(article_search(query="lighthouses")) != []  # English stemming
    assert sorted(headlines(article_search(query="lighthouse -ferry"))) == sorted(
        [stories["headline"].headline, stories["deck"].headline]
    )
    assert headlines(article_search(query='"lighthouse keepers"')) == [stories["headline"].headline]
    assert headlines(article_search(query="the")) == []  # only a stop word


@on_sqlite
def test_sqlite_fallback_orders_newest_first(stories):
    assert headlines(article_search(query="lighthouse")) == [
        stories["body"].headline,
        stories["deck"].headline,
        stories["headline"].headline,
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": Article.Status.DRAFT, "published_at": None},
        {"status": Article.Status.SCHEDULED, "published_at": timezone.now() + timedelta(days=1)},
        {"status": Article.Status.WITHDRAWN},
    ],
)
def test_search_never_finds_hidden_articles(client, kwargs):
    ArticleFactory(headline="Zeppelin Returns", **kwargs)
    assert headlines(article_search(query="zeppelin")) == []
    assert results_on_page(client, "zeppelin") == []


def test_search_page_lists_results_and_paginates_keeping_the_query(client):
    for n in range(23):
        ArticleFactory(headline=f"Volcano Update {n}", published_at=ago(n + 1))
    first = client.get("/search/", {"q": "volcano"})
    page = BeautifulSoup(first.content.decode(), "html.parser")
    assert "23 stories match" in page.select_one(".search-summary").get_text()
    assert len(page.select("main .story-card")) == 20
    assert page.select_one(".pagination a[rel=next]")["href"] == "?q=volcano&page=2"
    assert page.select_one("#search-q")["value"] == "volcano"
    assert len(results_on_page(client, "volcano", page=2)) == 3


def test_empty_search_shows_the_form_without_searching(client):
    ArticleFactory(headline="Anything")
    for params in ({}, {"q": ""}, {"q": "   "}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/search/", params)
        assert response.status_code == 200
        for query in queries.captured_queries:
            assert "LIKE" not in query["sql"].upper(), query["sql"]
            assert "tsquery" not in query["sql"], query["sql"]
        page = BeautifulSoup(response.content.decode(), "html.parser")
        assert page.select("main .story-card") == []
        assert page.find("input", id="search-q") is not None


def test_too_long_search_is_refused_with_a_message(client):
    response = client.get("/search/", {"q": "x" * (SEARCH_MAX_LENGTH + 1)})
    assert response.status_code == 400
    assert "Please shorten your search" in response.content.decode()
    assert client.get("/search/", {"q": "x" * SEARCH_MAX_LENGTH}).status_code == 200


def test_no_match_says_so_and_the_query_is_escaped(client):
    response = client.get("/search/", {"q": "<script>alert(1)</script>"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "No stories match" in html
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "query",
    ['"', "'", "&", "|", "!", ":*", "(", ")", "-", "or", "a & | ! b", "%", "_", "\\", "\x00", "lighthouse\x00keepers",
     "-lighthouse", '"unbalanced', "<->", "a:*", "!!!", "DROP TABLE articles_article;--", "東京", "😀", "\u200b"],
)  # fmt: skip
def test_odd_queries_never_break_search(client, stories, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=SEARCH_MAX_LENGTH + 20))
def test_any_text_gives_a_page_or_a_clear_refusal(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code in (200, 400)


def test_search_vendor_branch_matches_the_database():
    # Guards the dispatch itself: PostgreSQL must never silently run the LIKE fallback.
    sql = str(article_search(query="lighthouse").query)
    if connection.vendor == "postgresql":
        assert "to_tsvector" in sql
        assert "websearch_to_tsquery" in sql
    else:
        assert "LIKE" in sql.upper()


@on_postgresql
def test_postgresql_search_document_is_answered_from_the_gin_index(stories):
    from django.contrib.postgres.search import SearchQuery

    from articles.models import Article
    from articles.selectors import article_search_vector

    # The search's own document expression: the index must match it exactly to be usable.
    matching = (
        Article.objects.alias(document=article_search_vector())
        .filter(document=SearchQuery("lighthouse", search_type="websearch", config="english"))
        .values("id")
    )
    sql, params = matching.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: make the planner show its options
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "article_search_idx" in plan, plan
    assert len(matching) == 3


@on_sqlite
def test_sqlite_fallback_matches_body_text_not_its_markup():
    story = ArticleFactory(
        headline="Harbour Works Finish",
        deck="Cranes leave.",
        body='<p>The <strong>harbour</strong> reopens; <a href="https://example.com/volcano">see the map</a>.</p>',
    )

    assert headlines(article_search(query="harbour reopens")) == [story.headline]
    assert headlines(article_search(query="map")) == [story.headline]
    assert headlines(article_search(query="strong")) == []  # a tag name
    assert headlines(article_search(query="volcano")) == []  # inside an attribute
    assert headlines(article_search(query="href")) == []
