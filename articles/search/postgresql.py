"""Search on PostgreSQL: a stored, weighted ``tsvector`` column with a GIN index.

``articles_article.search_vector`` is a generated column (``GENERATED ALWAYS AS
... STORED``): PostgreSQL computes it in the statement that writes the article,
whatever the path (``save()``, ``QuerySet.update()``, ``bulk_create()``, raw SQL), so
it is current in the same transaction and cannot drift. Headline weighs A, deck B,
body C; the body is indexed as text (tags replaced by spaces with the same pattern
as SQLite's ``newsroom_html_text()``, the sanitizer's entities decoded).
The model does not declare the column: Django never reads or writes it.

Changing the type of ``headline``, ``deck`` or ``body`` later needs the column
dropped and added again around it (PostgreSQL refuses to alter a column a generated
column uses: the migration fails loudly, nothing drifts).
"""

# SQL in this module is built from its own constants only; what a reader types is always a bound parameter.
# ruff: noqa: S608, S611

from datetime import datetime

from django.db import connection, transaction

from articles.models import Article
from articles.search.query import SearchTerms
from articles.search.text import MARK_END, MARK_START, TAG_PATTERN

ARTICLES = "articles_article"
COLUMN = "search_vector"
INDEX = "article_search_vector_idx"
# Migration 0003's GIN index on the vector expression, which the stored column replaces.
OLD_INDEX = "article_search_idx"
CONFIG = "'english'::regconfig"
# highlights() returns HTML-escaped texts (SQLite's are plain text).
HIGHLIGHTS_ESCAPED = True


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def body_html_sql(column: str) -> str:
    """SQL for the HTML in ``column`` without its tags (each a space): text with the sanitizer's entities."""
    return f"regexp_replace({column}, {_literal(TAG_PATTERN)}, ' ', 'g')"


def body_text_sql(column: str) -> str:
    """SQL for the text of the HTML in ``column``: immutable, so usable in a generated column."""
    text = body_html_sql(column)
    # The entities the sanitizer writes in text; &amp; last so "&amp;lt;" stays "&lt;".
    for entity, char in (("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&")):
        text = f"replace({text}, {_literal(entity)}, {_literal(char)})"
    return text


def _html_escape_sql(text_sql: str) -> str:
    return f"replace(replace(replace({text_sql}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


VECTOR_SQL = (
    f"setweight(to_tsvector({CONFIG}, coalesce(headline, '')), 'A') || "
    f"setweight(to_tsvector({CONFIG}, coalesce(deck, '')), 'B') || "
    f"setweight(to_tsvector({CONFIG}, coalesce({body_text_sql('body')}, '')), 'C')"
)


def index_install(db) -> None:
    """Add the generated column (computed for every article now) and its GIN index; drop 0003's index."""
    with db.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {ARTICLES} ADD COLUMN {COLUMN} tsvector GENERATED ALWAYS AS ({VECTOR_SQL}) STORED")
        cursor.execute(f"CREATE INDEX {INDEX} ON {ARTICLES} USING gin ({COLUMN})")
        cursor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")


def index_uninstall(db) -> None:
    """Drop the column (and with it its index)."""
    with db.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {ARTICLES} DROP COLUMN IF EXISTS {COLUMN}")


def tsquery_sql(terms: SearchTerms) -> tuple[str, list]:
    """The ``tsquery`` of ``terms``: each word through ``plainto_tsquery``, each phrase ``phraseto_tsquery``.

    The words are bound parameters, parsed by PostgreSQL as text: nothing a reader
    types is ever read as tsquery syntax.
    """
    parts, params = [], []
    for term in (*terms.wanted, *terms.unwanted):
        function = "phraseto_tsquery" if len(term.tokens) > 1 else "plainto_tsquery"
        parts.append(("!!" if term.negated else "") + f"{function}({CONFIG}, %s)")
        params.append(term.text)
    return "(" + " && ".join(parts) + ")", params


def _visible(now: datetime) -> tuple[str, list]:
    # Article.objects.published() as SQL; test_search checks the two agree.
    return (
        "status IN (%s, %s) AND published_at IS NOT NULL AND published_at <= %s",
        [Article.Status.PUBLISHED.value, Article.Status.SCHEDULED.value, now],
    )


# The newest matches are looked for in a window of the newest ids that widens until it
# holds ``limit`` of them (see candidate_sql). First window, and how much each next one is wider.
WINDOW_FIRST = 4000
WINDOW_GROWTH = 4
# Reading one match from the table costs about this many primary-key entries of a window's
# bitmap: at 1,000,000 articles, 39 ns a key against 4.3 µs a row in shared buffers (110) and
# more for rows the OS cache serves. It decides when the windows stop widening and the
# remaining matches are read from the whole archive at once.
ROW_COST_IN_KEYS = 175


def candidate_sql(
    *,
    terms: SearchTerms,
    now: datetime,
    limit: int,
    window_first: int = WINDOW_FIRST,
    window_growth: int = WINDOW_GROWTH,
    row_cost_in_keys: int = ROW_COST_IN_KEYS,
) -> tuple[str, list]:
    """SQL and parameters of the ranked candidates: ids of the ``limit`` newest matches, best ts_rank_cd first.

    The newest ``limit`` visible matches by id are those of the narrowest window of
    the newest ids (``id > top - width``) holding ``limit`` of them, or, when no
    window does, of the whole archive: a recursive query tries windows of
    ``WINDOW_FIRST`` ids, then each ``WINDOW_GROWTH`` times wider, and stops at the
    first holding ``limit`` matches. In a window the planner intersects the GIN
    index's matches with the primary key's range (a BitmapAnd) or, for a word in
    most stories, walks the primary key backwards and stops after ``limit``; either
    way only the matches inside the window are read from the table, so a word in 2%
    of the stories costs about what a word in 50% does, not what its 20,000
    matches would. The windows' key ranges cost something too, so once the matches
    found so far say the whole archive holds fewer than the next window's keys are
    worth (``ROW_COST_IN_KEYS``), the last step reads every match through the GIN
    index alone, as a rare word's few matches are read.

    Only the ``limit`` rows chosen are ranked, from the stored vector.
    """
    query, query_params = tsquery_sql(terms)
    visible, visible_params = _visible(now)
    match = f"{COLUMN} @@ {query} AND {visible}"
    match_params = [*query_params, *visible_params]
    # width: ids covered so far (0 before the first window; at least top once everything is).
    sql = (
        f"WITH RECURSIVE windows (top, width, ids) AS ("
        f"SELECT coalesce(max(id), 0), 0::bigint, ARRAY[]::bigint[] FROM {ARTICLES} "
        f"UNION ALL "
        f"SELECT windows.top, next.width, CASE WHEN next.width >= windows.top "
        f"THEN ARRAY(SELECT id FROM {ARTICLES} WHERE {match} ORDER BY id DESC LIMIT %s) "
        f"ELSE ARRAY(SELECT id FROM {ARTICLES} WHERE {match} AND id > windows.top - next.width "
        f"ORDER BY id DESC LIMIT %s) END "
        f"FROM windows, LATERAL (SELECT CASE "
        f"WHEN windows.width = 0 THEN %s "
        f"WHEN windows.width * %s >= windows.top "
        f"OR cardinality(windows.ids) * windows.top * %s <= windows.width * windows.width * %s "
        f"THEN windows.top "
        f"ELSE windows.width * %s END AS width) AS next "
        f"WHERE cardinality(windows.ids) < %s AND windows.width < windows.top) "
        f"SELECT id FROM {ARTICLES} "
        f"WHERE id = ANY(CAST((SELECT ids FROM windows ORDER BY width DESC LIMIT 1) AS bigint[])) "
        f"ORDER BY ts_rank_cd({COLUMN}, {query}) DESC, published_at DESC, id DESC"
    )
    params = [
        *match_params,
        limit,
        *match_params,
        limit,
        window_first,
        window_growth,
        row_cost_in_keys,
        window_growth,
        window_growth,
        limit,
        *query_params,
    ]
    return sql, params


def candidates(*, terms: SearchTerms, now: datetime, limit: int, **windows: int) -> list[int]:
    """Ids of the ``limit`` newest visible matches of ``terms``, most relevant first.

    ``windows`` (``window_first``, ``window_growth``, ``row_cost_in_keys``) change how
    ``candidate_sql`` looks for them, never what it finds.
    """
    sql, params = candidate_sql(terms=terms, now=now, limit=limit, **windows)
    # The planner costs the recursive query as ten rounds of windows, past jit_above_cost, and
    # compiling it takes longer than running it (at 1,000,000 articles, 34 ms of JIT for a rare
    # word found in 8 ms). SET LOCAL lasts to the end of the transaction: this one, or the
    # caller's if one is open (savepoint=False: no SAVEPOINT round trips for a setting).
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def highlights(*, terms: SearchTerms, ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """For each of ``ids`` (one page): headline, deck and a body snippet, HTML-escaped, with markers.

    ``ts_headline`` runs only for these rows. It is given HTML-escaped text because
    it drops whatever its parser takes for a tag, such as an article's "<script>"
    written as text; ``HIGHLIGHTS_ESCAPED`` tells the caller.
    """
    if not ids:
        return {}
    query, query_params = tsquery_sql(terms)
    whole = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"
    fragments = (
        f'StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=2, MaxWords=24, MinWords=12, FragmentDelimiter=" … "'
    )
    markers = MARK_START + MARK_END
    texts = (_html_escape_sql("headline"), _html_escape_sql("deck"), body_html_sql("body"))
    columns = [f"ts_headline({CONFIG}, translate({text}, %s, ''), {query}, %s)" for text in texts]
    sql = f"SELECT id, {', '.join(columns)} FROM {ARTICLES} WHERE id = ANY(%s)"
    params = [
        *(markers, *query_params, whole),
        *(markers, *query_params, whole),
        *(markers, *query_params, fragments),
        list(ids),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (row[1], row[2], row[3]) for row in cursor.fetchall()}
