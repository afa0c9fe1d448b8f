"""The main listings read their index in order, on SQLite and PostgreSQL alike (``EXPLAIN``).

Each page is requested for real and the statement that lists its articles is
explained as captured. SQLite: ``EXPLAIN QUERY PLAN`` must name the index
and build no temporary B-tree for ``ORDER BY``. PostgreSQL: a few thousand
rows and ``ANALYZE`` (the planner then has real statistics, nothing is
switched off), and the plan must be an index scan of that index with no
``Sort`` node.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Author, Section, TaggedArticle

pytestmark = pytest.mark.django_db

ARTICLES = 3000


@pytest.fixture
def archive(settings):
    """ARTICLES stories over about four years in twelve sections; a tag and an author on most of them."""
    settings.PAGE_CACHE_ENABLED = False
    sections = Section.objects.bulk_create(
        Section(name=f"Section {i}", slug=f"section-{i}", position=i) for i in range(12)
    )
    common, rare = Tag.objects.bulk_create([Tag(name="common", slug="common"), Tag(name="rare", slug="rare")])
    author = Author.objects.create(name="Prolific", slug="prolific")
    newest = timezone.now() - timedelta(minutes=10)
    statuses = ["published"] * 8 + ["draft", "withdrawn"]
    articles = Article.objects.bulk_create(
        Article(
            headline=f"Story {i}",
            slug=f"story-{i}",
            section=sections[i % 12],
            status=statuses[i % 10],
            published_at=None if statuses[i % 10] == "draft" else newest - timedelta(hours=12 * i),
        )
        for i in range(ARTICLES)
    )
    TaggedArticle.objects.bulk_create(
        [TaggedArticle(content_object=a, tag=common) for n, a in enumerate(articles) if n % 8]
        + [TaggedArticle(content_object=a, tag=rare) for a in articles[::300]]
    )
    Article.authors.through.objects.bulk_create(
        Article.authors.through(article=a, author=author) for n, a in enumerate(articles) if n % 7
    )
    # Both lists run to more than 100 pages.
    assert Article.objects.published().filter(tagged_items__tag=common).count() > 2000
    assert Article.objects.published().filter(authors=author).count() > 2000
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"newest": newest, "oldest": newest - timedelta(hours=12 * ARTICLES)}


def listing_statements(client, url: str) -> list[str]:
    """The SQL of every statement ``url`` ran that lists articles newest first."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"articles_article"."published_at" DESC' in q["sql"]
    ]


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return "\n".join(row[-1] for row in cursor.fetchall())
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def assert_reads_in_order(sql: str, index: str) -> None:
    text = plan(sql)
    if connection.vendor == "sqlite":
        assert f"USING INDEX {index} " in text or f"USING COVERING INDEX {index} " in text, text
        assert "USE TEMP B-TREE FOR ORDER BY" not in text, text
    else:
        assert f"Index Scan using {index} " in text or f"Index Only Scan using {index} " in text, text
        assert "Sort" not in text, text


def month_url(when: datetime) -> str:
    return f"/sitemap-articles-{when.astimezone(UTC):%Y-%m}.xml"


@pytest.mark.parametrize(
    ("url", "index"),
    [
        ("/", "article_listing_idx"),
        ("/section/section-1/", "article_section_listing_idx"),
        ("/feed/", "article_listing_idx"),
        ("/section/section-2/feed/", "article_section_listing_idx"),
        ("/sitemap-news.xml", "article_listing_idx"),
    ],
)
def test_listing_reads_its_index_in_order(client, archive, url, index):
    statements = listing_statements(client, url)
    assert statements, url
    # The home page's first listing is the latest stories (its sections are the next test).
    assert_reads_in_order(statements[0], index)


def test_a_later_page_walks_the_index_for_its_ids_and_reads_only_the_rows_it_shows(client, archive):
    """A later page is an OFFSET into the same ordered read, of ids only; the rows shown are then
    looked up by primary key (``articles.views.DeepSlices``), never the rows before them.

    Page 2: in a fixture this small the planner rightly sorts a section's few hundred rows
    for the last pages; ``bench/archive`` measures page 200 of a 1,000,000-story archive.
    """
    page = 2
    (statement,) = listing_statements(client, f"/section/section-1/?page={page}")
    ids = re.search(r' IN \((SELECT U0\."id" .* OFFSET \d+)\)\) ORDER BY ', statement)
    assert ids, statement
    assert f"OFFSET {(page - 1) * 20}" in ids[1]
    assert_reads_in_order(ids[1], "article_section_listing_idx")
    text = plan(statement)
    if connection.vendor == "sqlite":
        assert "USING INTEGER PRIMARY KEY" in text, text
    else:
        assert "Index Scan using articles_article_pkey" in text, text


def test_a_month_sitemap_reads_its_range_of_the_index(client, archive):
    (sql,) = listing_statements(client, month_url(archive["oldest"] + timedelta(days=400)))
    assert_reads_in_order(sql, "article_listing_idx")


def test_the_sitemap_index_reads_only_the_current_month_of_articles(client, archive):
    """Earlier months come from the ArticleMonth summary; the articles are read for this month only."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/sitemap.xml").status_code == 200
    grouped = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"] and "articles_article" in q["sql"]]
    assert len(grouped) == 1, grouped
    text = plan(grouped[0])
    if connection.vendor == "sqlite":
        # A range of the index (this month), not a SCAN of it.
        range_read = r"SEARCH articles_article USING (COVERING )?INDEX article_listing_idx \(published_at>"
        assert re.search(range_read, text), text
    else:
        assert re.search(r"Index (Only )?Scan using article_listing_idx", text), text
        assert re.search(r"Index Cond: .*\(published_at >= '\d{4}-\d\d-01 00:00:00\+00'", text), text
    assert any("articles_articlemonth" in q["sql"] for q in queries.captured_queries)


def test_the_front_page_sections_probe_the_section_index(client, archive):
    _, sections = listing_statements(client, "/")[:2]
    text = plan(sections)
    # A handful of rows per section are sorted for display; the archive itself never is.
    if connection.vendor == "sqlite":
        assert "USING INDEX article_section_listing_idx (section_id=? AND published_at<?)" in text, text
        assert "SCAN articles_article" not in text, text
    else:
        assert "using article_section_listing_idx" in text, text
        assert "Seq Scan on articles_article" not in text, text


# Tag and author pages: the owner's range of the through table's listing index, in order; each row
# shown is joined to its article by primary key (``published()`` as a guard), never a sort or a scan.
THROUGH_LISTINGS = {
    "tag": ("articles_taggedarticle", "taggedarticle_listing_idx", "tag_id"),
    "author": ("articles_authorlisting", "author_listing_idx", "author_id"),
}


def through_statements(client, url: str, table: str) -> list[str]:
    """The SQL of every statement ``url`` ran that reads ``table`` (its count and its listing)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [
        q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"] or f'JOIN "{table}"' in q["sql"]
    ]


def assert_through_listing(sql: str, kind: str) -> None:
    table, index, owner = THROUGH_LISTINGS[kind]
    text = plan(sql)
    if connection.vendor == "sqlite":
        assert re.search(rf"SEARCH {table} USING (COVERING )?INDEX {index} \({owner}=\? AND listed_at<\?\)", text), text
        assert "SEARCH articles_article USING INTEGER PRIMARY KEY (rowid=?)" in text, text
        assert "USE TEMP B-TREE" not in text, text
        assert "SCAN articles_article" not in text, text
    else:
        assert re.search(rf"Index (Only )?Scan( Backward)? using {index} on {table}", text), text
        assert re.search(r"Index Scan using articles_article_pkey on articles_article", text), text
        assert "Sort" not in text, text
        assert "Seq Scan on articles_article" not in text, text


def assert_through_page(sql: str, kind: str) -> None:
    """A page: its ids from the index range alone (the OFFSET skips index entries), then its articles by id."""
    table, index, owner = THROUGH_LISTINGS[kind]
    text = plan(sql)
    if connection.vendor == "sqlite":
        assert re.search(rf"SEARCH (U0|{table}) USING COVERING INDEX {index} \({owner}=\? AND listed_at<\?\)", text), (
            text
        )
        assert "SEARCH articles_article USING INTEGER PRIMARY KEY (rowid=?)" in text, text
        assert "SCAN articles_article" not in text, text
        # One sort: the page's own rows, for display. The index range needs none.
        assert text.count("USE TEMP B-TREE FOR ORDER BY") <= 1, text
    else:
        assert re.search(rf"Index (Only )?Scan( Backward)? using {index} on {table}", text), text
        assert "Index Scan using articles_article_pkey on articles_article" in text, text
        assert "Seq Scan on articles_article" not in text, text
        sort_keys = [line for line in text.splitlines() if "Sort Key:" in line]
        assert all("listed_at" not in line for line in sort_keys), text


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("/tag/common/", "tag"),
        # A later page skips entries of the same index range, never articles. (Not a page near the
        # end of this small archive's 100: without a VACUUM, which a test transaction cannot run, the
        # planner charges an index-only scan for heap fetches and sorts the whole small tag instead.)
        ("/tag/common/?page=10", "tag"),
        ("/author/prolific/", "author"),
        ("/author/prolific/?page=10", "author"),
    ],
)
def test_tag_and_author_pages_read_the_through_listing_index_in_order(client, archive, url, kind):
    table, index, owner = THROUGH_LISTINGS[kind]
    statements = through_statements(client, url, table)
    (listing,) = [sql for sql in statements if " IN (SELECT " in sql]
    assert_through_page(listing, kind)
    # The count reads the through table alone, never the articles.
    (count,) = [sql for sql in statements if sql.startswith("SELECT COUNT(*)")]
    assert "articles_article" not in count.replace(table, ""), count
    if connection.vendor == "sqlite":
        text = plan(count)
        assert f"SEARCH {table} USING COVERING INDEX {index} ({owner}=? AND listed_at<?)" in text, text


def test_the_tag_feed_reads_the_through_listing_index_in_order(client, archive):
    statements = through_statements(client, "/tag/common/feed/", "articles_taggedarticle")
    (listing,) = [sql for sql in statements if 'ORDER BY "articles_taggedarticle"."listed_at" DESC' in sql]
    assert_through_listing(listing, "tag")


def test_a_rare_tag_is_read_from_its_own_rows(client, archive):
    (sql,) = [q for q in through_statements(client, "/tag/rare/", "articles_taggedarticle") if " IN (SELECT " in q]
    text = plan(sql)
    if connection.vendor == "sqlite":
        assert re.search(r"SEARCH (U0|articles_taggedarticle) USING COVERING INDEX taggedarticle_listing_idx", text)
        assert "SCAN articles_article" not in text, text
    else:
        # A handful of rows: either index led by tag_id will do, the articles fetched by id.
        assert re.search(r"Index (Only )?Scan( Backward)? using \w+ on articles_taggedarticle", text), text
        assert "Seq Scan on articles_article" not in text, text


def test_the_tag_sitemap_reads_each_tags_first_listed_row(client, archive):
    """EXISTS and the newest date per tag: the first entry of the tag's range, from the index alone."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/sitemap-tags.xml").status_code == 200
    (sql,) = [q["sql"] for q in queries.captured_queries if 'FROM "taggit_tag"' in q["sql"] and "listed_at" in q["sql"]]
    text = plan(sql)
    assert "articles_article" not in text, text
    if connection.vendor == "sqlite":
        assert "USING COVERING INDEX taggedarticle_listing_idx (tag_id=? AND listed_at<?)" in text, text
    else:
        assert re.search(r"Index Only Scan using taggedarticle_listing_idx", text), text
        assert "Seq Scan on articles_taggedarticle" not in text, text
