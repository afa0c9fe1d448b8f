"""Search: the same behaviour on SQLite (FTS5) and PostgreSQL (stored tsvector), run on both legs."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.core.paginator import InvalidPage
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article, Section
from articles.search import NOTHING_TO_LOOK_FOR, SEARCH_MAX_LENGTH, article_search, backend
from articles.search.query import search_terms_parse
from articles.services import article_withdraw
from articles.tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL plan")
on_sqlite = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite plan and triggers")


def ago(hours):
    return timezone.now() - timedelta(hours=hours)


def headlines(results):
    return [hit.article.headline for hit in results.hits]


def found(query, **kwargs):
    return headlines(article_search(query=query, **kwargs))


def search_page(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def page_headlines(page):
    return [" ".join(h.get_text().split()) for h in page.select("main .story-card-headline")]


@pytest.fixture
def stories():
    # The body match is the newest and the headline match the oldest: relevance, not date, must decide.
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


# --- What matches ------------------------------------------------------------------------------


def test_ranks_headline_above_deck_above_body(stories):
    assert found("lighthouse") == [
        stories["headline"].headline,
        stories["deck"].headline,
        stories["body"].headline,
    ]


def test_every_word_must_match_somewhere_in_the_article(stories):
    # "ferry" is in one headline, "lighthouse" in its body: only that story has both.
    assert found("ferry lighthouse") == [stories["body"].headline]
    assert found("rice lighthouse") == []


def test_search_is_case_insensitive(stories):
    assert found("LIGHTHOUSE keepers") == [stories["headline"].headline]


def test_words_are_stemmed():
    stories = [
        ArticleFactory(headline="Budget Passes Diet", body="<p>Spending.</p>"),
        ArticleFactory(headline="Ministers Meet", deck="Two budgets compared.", body="<p>Talks.</p>"),
        ArticleFactory(headline="Schools Plan Ahead", body="<p>The city budgeted more for teachers.</p>"),
        ArticleFactory(headline="Rail Fares Rise", body="<p>Commuters budge.</p>"),
    ]
    expected = sorted(a.headline for a in stories[:3])
    assert sorted(found("budgets")) == expected
    assert sorted(found("budget")) == expected


def test_stop_words_match_nothing_and_are_ignored_beside_other_words(client, stories):
    assert found("lighthouse") == found("the lighthouse") == found("a lighthouse of the")
    for query in ("a", "the", "The A of"):
        results = article_search(query=query)
        assert results.hits == []
        assert results.count == 0
        assert results.message == NOTHING_TO_LOOK_FOR
    page = search_page(client, "the")
    assert page.select("main .story-card") == []
    assert "Very common words" in page.select_one(".search-summary").get_text()


def test_phrases_and_excluded_words(stories):
    assert sorted(found("lighthouse -ferry")) == sorted([stories["headline"].headline, stories["deck"].headline])
    assert found('"lighthouse keepers"') == [stories["headline"].headline]
    assert found('"keepers lighthouse"') == []
    assert found('lighthouse -"old lighthouse"') == [stories["headline"].headline, stories["deck"].headline]
    # A phrase keeps its stop words: the words must stand as written.
    assert found('"the old lighthouse"') == [stories["body"].headline]
    assert found('"the new lighthouse"') == []
    # Only words to leave out: nothing to look for.
    assert article_search(query="-ferry").message == NOTHING_TO_LOOK_FOR


def test_body_text_is_indexed_not_its_markup():
    story = ArticleFactory(
        headline="Harbour Works Finish",
        deck="Cranes leave.",
        body='<p>The <strong>harbour</strong> reopens; <a href="https://example.com/volcano" title="a>b tsunami">'
        "see the map</a>.</p><p>Fish&amp;chips</p><p>next</p>",
    )
    assert found("harbour reopens") == [story.headline]
    assert found("map") == [story.headline]
    assert found("chips") == [story.headline]
    assert found("strong") == []  # a tag name
    assert found("volcano") == []  # inside an attribute
    assert found("tsunami") == []  # inside an attribute after a ">"
    assert found("href") == []
    assert found('"chips next"') == [story.headline]  # two paragraphs: words apart, not run together
    assert found("chipsnext") == []


def test_search_finds_exactly_what_readers_may_see():
    now = timezone.now()
    # The search's SQL rule for visibility against Article.objects.published() itself.
    kinds = [
        {"status": Article.Status.PUBLISHED, "published_at": now - timedelta(hours=1)},
        {"status": Article.Status.PUBLISHED, "published_at": now + timedelta(hours=1)},
        {"status": Article.Status.SCHEDULED, "published_at": now - timedelta(hours=1)},  # due, not yet flipped
        {"status": Article.Status.SCHEDULED, "published_at": now + timedelta(days=1)},
        {"status": Article.Status.SCHEDULED, "published_at": now},
        {"status": Article.Status.SCHEDULED, "published_at": now + timedelta(microseconds=1)},
        {"status": Article.Status.DRAFT, "published_at": None},
        {"status": Article.Status.DRAFT, "published_at": now - timedelta(hours=1)},
        {"status": Article.Status.WITHDRAWN, "published_at": now - timedelta(hours=1)},
    ]
    for n, kind in enumerate(kinds):
        ArticleFactory(headline=f"Zeppelin Story {n}", **kind)
    expected = set(Article.objects.published(now=now).values_list("headline", flat=True))
    assert len(expected) == 3
    results = article_search(query="zeppelin", now=now)
    assert set(headlines(results)) == expected
    assert results.count == 3  # the ranked candidates themselves, not only the rows shown


# --- Count, pages, limit -----------------------------------------------------------------------


def test_search_page_counts_lists_and_paginates_keeping_the_query(client):
    for n in range(23):
        ArticleFactory(headline=f"Volcano Update {n}", published_at=ago(n + 1))
    page = search_page(client, "volcano")
    assert " ".join(page.select_one(".search-summary").get_text().split()) == "23 stories match volcano."
    assert len(page.select("main .story-card")) == 20
    assert page.select_one(".pagination a[rel=next]")["href"] == "?q=volcano&page=2"
    assert page.select_one("#search-q")["value"] == "volcano"
    assert len(page_headlines(search_page(client, "volcano", page=2))) == 3
    assert client.get("/search/", {"q": "volcano", "page": 3}).status_code == 404
    assert client.get("/search/", {"q": "volcano", "page": "x"}).status_code == 404


def test_one_match_is_counted_in_the_singular(client, stories):
    summary = search_page(client, "keepers").select_one(".search-summary").get_text()
    assert " ".join(summary.split()) == "1 story matches keepers."


def test_beyond_the_limit_the_newest_matches_are_ranked_and_the_count_says_more(stories):
    section = SectionFactory()
    Article.objects.bulk_create(
        Article(
            headline=f"Tide Table {n}",
            slug=f"tide-{n}",
            section=section,
            body="<p>lighthouse</p>",
            status=Article.Status.PUBLISHED,
            published_at=ago(10 + n),
        )
        for n in range(6)
    )
    results = article_search(query="lighthouse", limit=5)
    assert results.more is True
    assert results.count == 5
    # The 5 newest by id are the last five bulk-created ones, not the older stories' headline match.
    newest = list(Article.objects.filter(headline__startswith="Tide").order_by("-id").values_list("id", flat=True)[:5])
    assert sorted(hit.article.pk for hit in results.hits) == sorted(newest)
    everything = article_search(query="lighthouse", limit=9)
    assert everything.more is False
    assert everything.count == 9
    assert headlines(everything)[0] == stories["headline"].headline


def test_more_than_a_thousand_matches_say_so(client):
    section = SectionFactory()
    Article.objects.bulk_create(
        (
            Article(
                headline=f"Harvest Report {n}",
                slug=f"harvest-{n}",
                section=section,
                status=Article.Status.PUBLISHED,
                published_at=ago(1),
            )
            for n in range(1001)
        ),
        batch_size=500,
    )
    page = search_page(client, "harvest")
    summary = " ".join(page.select_one(".search-summary").get_text().split())
    assert summary == "More than 1,000 stories match harvest: the newest 1,000 are shown, most relevant first."
    assert page.select_one(".pagination-status").get_text() == "Page 1 of 50"


def test_a_page_that_does_not_exist_raises(stories):
    with pytest.raises(InvalidPage):
        article_search(query="lighthouse", page=2)


def test_search_page_queries_are_constant(client, django_assert_num_queries):
    ArticleFactory(headline="Glacier Melts", published_at=ago(1))
    with CaptureQueriesContext(connection) as baseline:
        search_page(client, "glacier")
    for n in range(30):
        ArticleFactory(headline=f"Glacier Study {n}", section=SectionFactory(), published_at=ago(n + 2))
    cache.clear()  # the navigation and rail are cached: measure the uncached page each time
    with django_assert_num_queries(len(baseline)):
        assert len(page_headlines(search_page(client, "glacier"))) == 20
    cache.clear()
    with django_assert_num_queries(len(baseline)):
        assert len(page_headlines(search_page(client, "glacier", page=2))) == 11


def test_search_itself_runs_three_queries_and_none_for_stop_words(django_assert_num_queries, stories):
    # PostgreSQL reads the newest window's matches (and sets how the rest is planned) in a statement of its own.
    candidates = 2 if connection.vendor == "postgresql" else 1
    with django_assert_num_queries(candidates + 2):
        article_search(query="lighthouse")
    with django_assert_num_queries(candidates):
        article_search(query="zebra")
    with django_assert_num_queries(0):
        article_search(query="the")


# --- Highlighting ------------------------------------------------------------------------------


def test_matched_words_are_highlighted_in_headline_deck_and_snippet(client):
    ArticleFactory(
        headline="Lighthouse Keepers Return",
        deck="The lighthouses reopen.",
        body="<p>" + "Filler words here. " * 30 + "Boats pass the <em>lighthouse</em> at noon.</p>",
    )
    card = search_page(client, "lighthouse").select_one("main .story-card")
    assert [m.get_text() for m in card.select(".story-card-headline mark")] == ["Lighthouse"]
    assert [m.get_text() for m in card.select(".deck mark")] == ["lighthouses"]
    snippet = card.select_one(".search-snippet")
    assert [m.get_text() for m in snippet.select("mark")] == ["lighthouse"]
    assert "Boats pass the lighthouse" in snippet.get_text()
    assert snippet.find("em") is None  # the body's markup is not reproduced


def test_highlights_escape_article_text_and_the_query(client):
    ArticleFactory(
        headline="Lighthouse <script>alert(1)</script> Story",
        deck='Lighthouse "deck" <img src=x onerror=alert(2)>',
        body="<p>lighthouse &lt;script&gt;alert(3)&lt;/script&gt; \x02unbalanced</p>",
    )
    response = client.get("/search/", {"q": "lighthouse"})
    html = response.content.decode()
    assert response.status_code == 200
    page = BeautifulSoup(html, "html.parser")
    assert page.select("main script") == []
    assert page.select("main img") == []
    for n in (1, 2, 3):
        assert f"<script>alert({n})" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    card = page.select_one("main .story-card")
    assert "<script>alert(3)</script>" in card.select_one(".search-snippet").get_text()
    assert len(card.select("mark")) == 3  # one per text, the stray marker character ignored


# --- Hostile input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ['"', "'", "&", "|", "!", ":*", "(", ")", "-", "or", "a & | ! b", "%", "_", "\\", "\x00", "lighthouse\x00keepers",
     "-lighthouse", '"unbalanced', "<->", "a:*", "!!!", "DROP TABLE articles_article;--", "東京", "😀", "\u200b",
     "NEAR(lighthouse keepers)", "lighthouse NEAR/2 keepers", "headline:lighthouse", "{headline deck}:lighthouse",
     "lighth*", "^lighthouse", "lighthouse OR ferry", "lighthouse AND NOT ferry", "+lighthouse", "lighthouse -",
     '"" "" ""', "'lighthouse'", "body_text:x", "article_search:x", "rowid:1", "-(a)", "x" * SEARCH_MAX_LENGTH,
     " ".join(["lighthouse"] * 60)[:SEARCH_MAX_LENGTH], "\"a\" NOT \"b\"", "1=1' OR '1'='1"],
)  # fmt: skip
def test_hostile_queries_give_a_page(client, stories, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200


def test_fts_syntax_in_a_query_is_only_words(stories):
    assert found("headline:lighthouse") == found("headline lighthouse") == []
    assert found("NEAR(lighthouse keepers)") == []  # "near" is a word to find, not an operator
    assert found("(lighthouse keepers)") == [stories["headline"].headline]
    assert found("lighthouse OR ferry") == [stories["body"].headline]  # both words, not either
    assert found("lighthouse*") == found("lighthouse")


def test_a_thousand_character_query_is_refused_with_a_message(client):
    response = client.get("/search/", {"q": "lighthouse " * 91})
    assert response.status_code == 400
    assert "Please shorten your search" in response.content.decode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=SEARCH_MAX_LENGTH))
def test_any_text_within_the_limit_gives_a_page(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200


def test_empty_search_shows_the_form_without_searching(client):
    ArticleFactory(headline="Anything")
    for params in ({}, {"q": ""}, {"q": "   "}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/search/", params)
        assert response.status_code == 200
        for query in queries.captured_queries:
            assert "MATCH" not in query["sql"], query["sql"]
            assert "tsquery" not in query["sql"], query["sql"]
        page = BeautifulSoup(response.content.decode(), "html.parser")
        assert page.select("main .story-card") == []
        assert page.find("input", id="search-q") is not None


def test_no_match_says_so_and_the_query_is_escaped(client):
    response = client.get("/search/", {"q": "<script>alert(1)</script>"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "No stories match" in html
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- The index stays in step -------------------------------------------------------------------


def test_edits_are_found_in_the_same_transaction():
    story = ArticleFactory(headline="Orchard Harvest Begins", body="<p>Apples.</p>")
    with transaction.atomic():
        story.headline = "Vineyard Harvest Begins"
        story.body = "<p>Grapes ripen.</p>"
        story.save()
        assert found("vineyard") == [story.headline]
        assert found("grapes") == [story.headline]
        assert found("orchard") == []
        assert found("apples") == []
        Article.objects.filter(pk=story.pk).update(deck="Pickers arrive.")  # bulk path, no save()
        assert found("pickers") == [story.headline]
        (created,) = Article.objects.bulk_create(
            [Article(headline="Quince Jam", slug="q", section=story.section, status="published", published_at=ago(1))]
        )
        assert found("quince") == ["Quince Jam"]
        created.delete()
        assert found("quince") == []
        transaction.set_rollback(True)
    assert found("orchard") == ["Orchard Harvest Begins"]


def test_withdrawing_takes_the_story_out_of_search_at_once():
    editor = User.objects.create_user("eddie", password="irrelevant-pass-123", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    editor = User.objects.get(pk=editor.pk)
    story = ArticleFactory(headline="Pier Closes")
    assert found("pier") == [story.headline]
    with transaction.atomic():
        article_withdraw(article=story, user=editor)
        assert found("pier") == []


@on_sqlite
def test_sqlite_triggers_lost_in_a_table_rebuild_are_restored_by_migrate():
    story = ArticleFactory(headline="Canal Dredging Starts")
    with connection.cursor() as cursor:
        # What Django's SQLite table rebuild (copy, drop, rename) does to triggers.
        cursor.execute("DROP TRIGGER article_search_update")
    Article.objects.filter(pk=story.pk).update(headline="Canal Dredging Ends")
    assert found("ends") == []  # unindexed while the trigger is missing
    call_command("migrate", verbosity=0)
    assert found("ends") == ["Canal Dredging Ends"]
    Article.objects.filter(pk=story.pk).update(headline="Canal Reopens")
    assert found("reopens") == ["Canal Reopens"]


def test_backend_matches_the_database():
    assert backend().__name__ == f"articles.search.{connection.vendor}"


# --- Plans: the full-text index does the work --------------------------------------------------


def _plan(query: str, *, limit: int = 1001) -> str:
    terms, now = search_terms_parse(query), timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The first window (and the settings the rest is planned with), then the rest's plan.
            top, first = backend().first_window(cursor, terms=terms, now=now, limit=limit)
            sql, params = backend().candidate_sql(terms=terms, now=now, limit=limit, top=top, first=first)
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        sql, params = backend().candidate_sql(terms=terms, now=now, limit=limit)
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[-1] for row in cursor.fetchall())


@pytest.fixture
def archive():
    """3,000 stories sharing common words, three with a rare one; statistics up to date."""
    section = Section.objects.create(name="Archive", slug="archive")
    common = "<p>council minister city report week government people year</p>"
    Article.objects.bulk_create(
        (
            Article(
                headline=f"Council Report {n}" + (" Narwhal" if n % 1000 == 7 else ""),
                slug=f"archive-{n}",
                section=section,
                body=common,
                status=Article.Status.PUBLISHED,
                published_at=ago(n + 1),
            )
            for n in range(3000)
        ),
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does after a bulk load: the GIN index's pending entries merged, statistics taken.
            cursor.execute("SELECT gin_clean_pending_list('article_search_vector_idx')")
            # And indexes the size of what they hold: the rows earlier tests wrote and rolled back
            # leave dead entries that VACUUM (impossible inside a test's transaction) would reclaim,
            # and the planner prices an index scan by the index's pages.
            cursor.execute("REINDEX TABLE articles_article")
            cursor.execute("ANALYZE articles_article")
        else:
            cursor.execute("ANALYZE")


@on_postgresql
def test_postgresql_reads_the_gin_index_for_a_rare_word(archive):
    with connection.cursor() as cursor:
        # 3,000 rows fit in a few pages, where a sequential scan is cheapest: show the planner's other choices.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = _plan("narwhal")
    assert "Bitmap Index Scan on article_search_vector_idx" in plan, plan
    # Ranking reads the stored vector: no to_tsvector() per row at query time.
    assert "to_tsvector" not in plan, plan
    assert found("narwhal") == [
        "Council Report 7 Narwhal",
        "Council Report 1007 Narwhal",
        "Council Report 2007 Narwhal",
    ]


def _table_rows_read(query: str, *, limit: int, walk: bool = True, **windows) -> int:
    """Rows the candidates' scans for matches read from the table, by EXPLAIN ANALYZE of both statements."""
    from articles.search import postgresql

    terms, now = search_terms_parse(query), timezone.now()
    plans = []
    with connection.cursor() as cursor:
        # Not the seqscan that 3,000 rows in a few pages would get; walk=False: nor a key walk in the first window.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"SET LOCAL enable_indexscan = {'on' if walk else 'off'}")
        window_first = windows.get("window_first", postgresql.WINDOW_FIRST)
        first_sql, first_params = postgresql.first_window_sql(
            terms=terms, now=now, limit=limit, window_first=window_first
        )
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + first_sql, first_params)
        plans.append(cursor.fetchone()[0][0]["Plan"])
        top, first = postgresql.first_window(cursor, terms=terms, now=now, limit=limit, window_first=window_first)
        sql, params = postgresql.candidate_sql(terms=terms, now=now, limit=limit, top=top, first=first, **windows)
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plans.append(cursor.fetchone()[0][0]["Plan"])

    def rows(node):
        # Scans testing the words: not max(id)'s, nor the ranking's read of the rows chosen (by id).
        own = 0
        tests = node.get("Recheck Cond", "") + node.get("Filter", "")
        if node["Node Type"] in ("Bitmap Heap Scan", "Index Scan") and "search_vector" in tests:
            own = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
        return own + sum(rows(child) for child in node.get("Plans", []))

    return sum(rows(plan) for plan in plans)


@on_postgresql
def test_postgresql_reads_only_the_first_window_for_a_word_in_every_story(archive):
    # Bounded: the primary key walked backwards until the 50 asked for, or a window's 100 rows read; never all 3,000.
    assert _table_rows_read("council", limit=50, window_first=100) == 50
    assert _table_rows_read("council", limit=50, window_first=100, walk=False) == 100
    assert _table_rows_read("council", limit=50, window_first=10**9, walk=False) == 3000  # the whole archive
    results = article_search(query="council", limit=100)
    assert (results.count, results.more) == (100, True)


@on_sqlite
def test_sqlite_reads_the_fts5_index_in_rowid_order(archive):
    plan = _plan("narwhal")
    assert "SCAN article_search VIRTUAL TABLE INDEX" in plan, plan
    assert "SEARCH a USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
    assert "SCAN a" not in plan.replace("SCAN article_search", ""), plan
    assert found("narwhal") == [
        "Council Report 7 Narwhal",
        "Council Report 1007 Narwhal",
        "Council Report 2007 Narwhal",
    ]


@on_sqlite
def test_sqlite_highlights_read_one_rowid_range_not_one_match_per_row(archive):
    from articles.search import sqlite

    ids = list(Article.objects.order_by("-id").values_list("id", flat=True)[:1000:50])  # a page spread over the window
    sql, params = sqlite.highlight_sql(terms=search_terms_parse("council"), ids=ids)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = "\n".join(row[-1] for row in cursor.fetchall())
    # "M" the MATCH, "><" the rowid range; an "=" would be the MATCH run again for each listed rowid.
    assert "SCAN article_search VIRTUAL TABLE INDEX 0:M" in plan, plan
    assert "><" in plan, plan
    assert "=" not in plan, plan
    assert sorted(sqlite.highlights(terms=search_terms_parse("council"), ids=ids)) == sorted(ids)


# --- PostgreSQL: windows of the newest ids --------------------------------------------------


@pytest.fixture
def harbour_archive():
    """600 stories; "harbour" in every 7th, some of those not visible (drafts, scheduled ahead), ids with gaps."""
    now = timezone.now()
    section = Section.objects.create(name="Windows", slug="windows")
    made = Article.objects.bulk_create(
        Article(
            headline=f"Harbour Story {n}" if n % 7 == 0 else f"Quay Story {n}",
            slug=f"windows-{n}",
            section=section,
            # Repeats vary the rank, so the order of the candidates is tested too.
            body="<p>" + "harbour " * (n % 5 if n % 7 == 0 else 0) + "council report</p>",
            status=Article.Status.DRAFT if n % 49 == 0 else Article.Status.PUBLISHED,
            published_at=now + timedelta(days=1) if n % 91 == 0 else now - timedelta(minutes=n),
        )
        for n in range(600)
    )
    Article.objects.filter(pk__in=[article.pk for article in made[::10]]).delete()
    return now


@on_postgresql
@pytest.mark.parametrize("limit", [1, 6, 30, 200])
@pytest.mark.parametrize(
    "windows",
    [
        {"window_first": 5, "window_growth": 2, "row_cost_in_keys": 0},  # widen until the whole archive
        {"window_first": 5, "window_growth": 3, "row_cost_in_keys": 1},
        {"window_first": 40, "window_growth": 2, "row_cost_in_keys": 10**6},  # soon the whole archive at once
    ],
)
def test_postgresql_windows_find_the_newest_matches_of_the_whole_archive(harbour_archive, limit, windows):
    from articles.search import postgresql

    now = harbour_archive
    terms = search_terms_parse("harbour")
    visible = Article.objects.published(now=now).filter(headline__startswith="Harbour")
    newest = set(visible.order_by("-id").values_list("id", flat=True)[:limit])
    assert len(newest) == min(limit, visible.count())
    # A first window wider than the archive is the rule itself: every match, newest first, ranked.
    whole = postgresql.candidates(terms=terms, now=now, limit=limit, window_first=10**9)
    assert set(whole) == newest
    assert postgresql.candidates(terms=terms, now=now, limit=limit, **windows) == whole


@on_postgresql
def test_postgresql_reads_only_the_matches_inside_the_windows(archive):
    """A word in 1 story of 50: the rows read from the table are about the limit's, not all the word's 59."""
    from articles.search import postgresql

    Article.objects.filter(headline__regex=r" [0-9]*[05]0$").update(deck="Lighthouse")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
    # The windows of the newest 100 ids, the 100 before them and the 200 before those hold
    # 2, 2 and 4 of the 59 matches; the whole archive's GIN scan reads all 59.
    assert _table_rows_read("lighthouse", limit=5, walk=False, window_first=100, window_growth=2) == 2 + 2 + 4
    assert _table_rows_read("lighthouse", limit=5, walk=False, window_first=10**9) == 59
    terms, now = search_terms_parse("lighthouse"), timezone.now()
    whole = postgresql.candidates(terms=terms, now=now, limit=5, window_first=10**9)
    assert postgresql.candidates(terms=terms, now=now, limit=5, window_first=100, window_growth=2) == whole
