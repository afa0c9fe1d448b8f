"""Search on SQLite: an FTS5 table kept in step with the articles by triggers.

``article_search`` holds each article's headline, deck and body text (markup
removed) under the article's id as rowid, tokenized ``porter unicode61`` (English
stemming: "budgets" finds "budget"). Triggers on ``articles_article`` write it in the
same statement as the article, so every path (``save()``, ``QuerySet.update()``,
``bulk_create()``, raw SQL through Django) keeps it current inside the same
transaction. The body's text comes from ``newsroom_html_text()``, a deterministic SQL
function this module registers on every SQLite connection Django opens; a connection
without it (the ``sqlite3`` shell) cannot write an article's text at all, rather
than write it unindexed.

Django rebuilds a SQLite table for some schema changes (drop, copy, rename), which
drops its triggers: ``index_ensure`` runs after every ``migrate`` and puts them back,
re-indexing every article if any was missing.
"""

# SQL in this module is built from its own constants only; what a reader types is always a bound parameter.
# ruff: noqa: S608, S611

from datetime import UTC, datetime

from django.db import connection

from articles.models import Article
from articles.search.query import SearchTerms
from articles.search.text import MARK_END, MARK_START, html_text

TABLE = "article_search"
ARTICLES = "articles_article"
FUNCTION = "newsroom_html_text"
TRIGGERS = ("article_search_insert", "article_search_update", "article_search_delete")
# bm25() weights of the columns headline, deck, body_text: a headline match counts most.
WEIGHTS = (10.0, 4.0, 1.0)
SNIPPET_TOKENS = 24
# highlights() returns plain texts (PostgreSQL's are HTML-escaped).
HIGHLIGHTS_ESCAPED = False

_TEXTS = (
    "replace(replace({row}.headline, char(2), ''), char(3), ''), "
    "replace(replace({row}.deck, char(2), ''), char(3), ''), "
    f"{FUNCTION}({{row}}.body)"
)
_INSERT = f"INSERT INTO {TABLE}(rowid, headline, deck, body_text) VALUES (new.id, {_TEXTS.format(row='new')});"
TRIGGER_SQL = {
    "article_search_insert": f"CREATE TRIGGER article_search_insert AFTER INSERT ON {ARTICLES} BEGIN {_INSERT} END",
    # Only when the indexed text changes: publishing or counting an update rewrites nothing.
    "article_search_update": (
        f"CREATE TRIGGER article_search_update AFTER UPDATE OF id, headline, deck, body ON {ARTICLES} "
        "WHEN old.id IS NOT new.id OR old.headline IS NOT new.headline OR old.deck IS NOT new.deck "
        "OR old.body IS NOT new.body "
        f"BEGIN DELETE FROM {TABLE} WHERE rowid = old.id; {_INSERT} END"
    ),
    "article_search_delete": (
        f"CREATE TRIGGER article_search_delete AFTER DELETE ON {ARTICLES} "
        f"BEGIN DELETE FROM {TABLE} WHERE rowid = old.id; END"
    ),
}


def connection_prepare(sender, connection, **kwargs) -> None:
    """Register ``newsroom_html_text()`` on a new SQLite connection (a ``connection_created`` receiver)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 1, html_text, deterministic=True)


def _reindex(cursor) -> None:
    cursor.execute(f"DELETE FROM {TABLE}")
    cursor.execute(
        f"INSERT INTO {TABLE}(rowid, headline, deck, body_text) "
        f"SELECT id, {_TEXTS.format(row=ARTICLES)} FROM {ARTICLES}"
    )


def index_install(db) -> None:
    """Create the FTS5 table, index every article and create the triggers (migration ``search_index``)."""
    with db.cursor() as cursor:
        cursor.execute(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5(headline, deck, body_text, tokenize='porter unicode61')"
        )
        _reindex(cursor)
        for sql in TRIGGER_SQL.values():
            cursor.execute(sql)


def index_uninstall(db) -> None:
    """Drop the triggers and the FTS5 table."""
    with db.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def index_ensure(db) -> bool:
    """Recreate missing triggers and re-index every article if any was missing; True if it had to."""
    with db.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = %s", [TABLE])
        if cursor.fetchone() is None:
            return False  # the migration has not run yet (or was reversed)
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND name IN (%s, %s, %s)",
            [ARTICLES, *TRIGGERS],
        )
        present = {name for (name,) in cursor.fetchall()}
        if present == set(TRIGGERS):
            return False
        for name in TRIGGERS:
            if name not in present:
                cursor.execute(TRIGGER_SQL[name])
        _reindex(cursor)
    return True


def _visible(now: datetime) -> tuple[str, list]:
    # Article.objects.published() for the articles table "a", as SQL; test_search checks the two agree.
    # Stored datetimes are UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]": the same format compares in order.
    stamp = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return (
        "a.status IN (%s, %s) AND a.published_at IS NOT NULL AND a.published_at <= %s",
        [Article.Status.PUBLISHED.value, Article.Status.SCHEDULED.value, stamp],
    )


def candidate_sql(*, terms: SearchTerms, now: datetime, limit: int) -> tuple[str, list]:
    """SQL and parameters of the ranked candidates: ids of the ``limit`` newest matches, best bm25 first.

    The inner query walks the FTS5 index from the highest rowid (the newest
    article) down and stops after ``limit`` visible matches, so a word in every
    story costs as much as one in ``limit`` stories; bm25 ranks only those.
    """
    visible, params = _visible(now)
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = (
        "SELECT id FROM ("
        f"SELECT a.id AS id, a.published_at AS published_at, bm25({TABLE}, {weights}) AS score "
        # CROSS JOIN keeps the FTS5 table as the outer loop, read in rowid order.
        f"FROM {TABLE} CROSS JOIN {ARTICLES} AS a ON a.id = {TABLE}.rowid "
        f"WHERE {TABLE} MATCH %s AND {visible} "
        f"ORDER BY {TABLE}.rowid DESC LIMIT %s"
        ") ORDER BY score, published_at DESC, id DESC"
    )
    return sql, [terms.fts5(), *params, limit]


def candidates(*, terms: SearchTerms, now: datetime, limit: int) -> list[int]:
    """Ids of the ``limit`` newest visible matches of ``terms``, most relevant first."""
    sql, params = candidate_sql(terms=terms, now=now, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def highlight_sql(*, terms: SearchTerms, ids: list[int]) -> tuple[str, list]:
    """SQL and parameters of ``highlights`` (``ids`` not empty)."""
    listed = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT rowid, highlight({TABLE}, 0, %s, %s), highlight({TABLE}, 1, %s, %s), "
        f"snippet({TABLE}, 2, %s, %s, %s, %s) FROM {TABLE} "
        f"WHERE {TABLE} MATCH %s AND rowid BETWEEN %s AND %s AND +rowid IN ({listed})"
    )
    markers = [MARK_START, MARK_END]
    return sql, [*markers, *markers, *markers, "…", SNIPPET_TOKENS, terms.fts5(), min(ids), max(ids), *ids]


def highlights(*, terms: SearchTerms, ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """For each of ``ids`` (one page): headline, deck and a body snippet with markers around the matches.

    One full-text query for the page. FTS5 reads only the rowid range where the
    page's articles are; the list itself is a filter on that range (the unary ``+``
    keeps SQLite from handing it to FTS5, which would run the whole MATCH again for
    each rowid: 120 ms instead of 7 ms for a word in every story at 100,000).
    """
    if not ids:
        return {}
    sql, params = highlight_sql(terms=terms, ids=ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (row[1], row[2], row[3]) for row in cursor.fetchall()}
