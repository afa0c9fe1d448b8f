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


# The newest matches are looked for in windows of the newest ids, each older than the last and
# wider (first_window, candidate_sql): the first holds WINDOW_FIRST ids, each next WINDOW_GROWTH
# times as many. The first may be walked row by row, so it is small: 1,500 rows cost some 9 ms of
# vectors read at 1,000,000 articles, and hold the limit for a word in two thirds of the stories.
WINDOW_FIRST = 1500
WINDOW_GROWTH = 4
# Reading one match from the table costs about this many primary-key entries of a window's
# bitmap: at 1,000,000 articles, 39 ns a key against 4.3 µs a row in shared buffers (110) and
# more for rows the OS cache serves. It decides when the windows stop widening and the
# remaining matches are read from the rest of the archive at once.
ROW_COST_IN_KEYS = 175


def windows_plan(*, top: int, window_first: int = WINDOW_FIRST, window_growth: int = WINDOW_GROWTH) -> list[int]:
    """The lower bounds of the windows below ``top`` (each window is ``(bound, previous bound]``), newest first."""
    bounds, width = [], window_first
    while top - width > 0:
        bounds.append(top - width)
        width *= window_growth
    return bounds


def candidate_sql(
    *,
    terms: SearchTerms,
    now: datetime,
    limit: int,
    top: int,
    first: list[int],
    window_first: int = WINDOW_FIRST,
    window_growth: int = WINDOW_GROWTH,
    row_cost_in_keys: int = ROW_COST_IN_KEYS,
) -> tuple[str, list]:
    """SQL and parameters of the ranked candidates: ids of the ``limit`` newest matches, best ts_rank_cd first.

    ``top`` (the newest id) and ``first`` (the matches among the newest
    ``window_first`` ids) come from ``first_window``, which also sets how this
    statement is planned. The newest ``limit`` visible matches are looked for window
    by window: after the first, each next, older window ``window_growth`` times as
    wide, until the windows read hold ``limit`` matches; then the rest of the archive
    (below the last window) if they do not. Each window is its own subquery with its
    bounds written in, read as the GIN index's matches ANDed with the primary key's
    range (a BitmapAnd): only the matches inside the window are read from the table,
    and no row twice, so a word in 2% of a million stories reads about 1,500 of its
    18,600 matches. The windows' key ranges cost something too: once the
    matches found so far say the rest of the archive holds fewer than the next
    window's keys are worth (``row_cost_in_keys``), the rest is read at once, through
    the GIN index alone for a rare word.

    The windows' subqueries are chained with CASE, which runs a subquery only when its
    branch is taken. Only the ``limit`` rows chosen are ranked, from the stored vector.
    """
    query, query_params = tsquery_sql(terms)
    visible, visible_params = _visible(now)
    match = f"{COLUMN} @@ {query} AND {visible}"
    match_params = [*query_params, *visible_params]
    # No more windows once the first holds enough.
    bounds = windows_plan(top=top, window_first=window_first, window_growth=window_growth) if len(first) < limit else []

    def newest(condition: str) -> str:
        return f"ARRAY(SELECT id FROM {ARTICLES} WHERE {match} AND {condition} ORDER BY id DESC LIMIT {int(limit)})"

    # The first window's matches, found by first_window(); it held every id if there are no bounds.
    steps = [f"SELECT CAST(%s AS bigint[]) AS ids, {'false' if bounds else 'true'} AS rest"]
    params: list = [list(first)]
    for number, above in enumerate(bounds, start=1):
        last, found = f"step{number}", f"cardinality(step{number}.ids)"
        enough = f"{last}.rest OR {found} >= {int(limit)}"
        rest = newest(f"id <= {above}")
        if number == len(bounds):  # below the last window: only the rest is left
            steps.append(
                f"SELECT CASE WHEN {enough} THEN {last}.ids ELSE {last}.ids || {rest} END AS ids, true AS rest "
                f"FROM {last}"
            )
            params += match_params
            continue
        bound = bounds[number]
        # The matches found so far, in (above, top], extrapolated to the rest (ids up to above)
        # and costed in keys, against the next window's keys (above - bound).
        cheaper = f"{found}::numeric * {above} * {int(row_cost_in_keys)} <= {top - above}::numeric * {above - bound}"
        window = newest(f"id > {bound} AND id <= {above}")
        steps.append(
            f"SELECT CASE WHEN {enough} THEN {last}.ids WHEN {cheaper} THEN {last}.ids || {rest} "
            f"ELSE {last}.ids || {window} END AS ids, {last}.rest OR {cheaper} AS rest FROM {last}"
        )
        params += [*match_params, *match_params]
    ctes = ", ".join(f"step{number} AS MATERIALIZED ({step})" for number, step in enumerate(steps, start=1))
    sql = (
        f"WITH {ctes} SELECT id FROM {ARTICLES} "
        f"WHERE id = ANY(CAST((SELECT (ids)[1:{int(limit)}] FROM step{len(steps)}) AS bigint[])) "
        f"ORDER BY ts_rank_cd({COLUMN}, {query}) DESC, published_at DESC, id DESC"
    )
    return sql, [*params, *query_params]


def first_window(
    cursor, *, terms: SearchTerms, now: datetime, limit: int, window_first: int = WINDOW_FIRST
) -> tuple[int, list[int]]:
    """The newest id and the newest ``limit`` matches among the newest ``window_first`` ids; sets the rest's plan.

    One statement, planned as usual: its window's bound is known only when it runs, so
    the planner takes it for a third of the archive and walks the primary key for a
    word in most stories (stopping at ``limit``) or ANDs the GIN bitmap with the key's
    range. It also sets, for the open transaction, how ``candidate_sql``'s windows are
    planned: ``enable_indexscan = off``, because with their bounds written in the
    planner walked the key through whole windows of a word in 2% of the stories (it
    does not count the detoasting of each row's vector for ``@@``: 24 ms for 4,000
    rows at 1,000,000 articles) where the BitmapAnd reads only the matches; and
    ``jit = off``, because their cost estimate passes jit_above_cost and compiling
    them took longer than running them (34 ms of JIT for a rare word found in 8 ms).
    Both last until the transaction ends: the candidates' own, or the caller's if one
    is open.
    """
    cursor.execute(*first_window_sql(terms=terms, now=now, limit=limit, window_first=window_first))
    top, ids = cursor.fetchone()[2:]  # after the two settings
    return top, ids


def first_window_sql(*, terms: SearchTerms, now: datetime, limit: int, window_first: int) -> tuple[str, list]:
    """SQL and parameters of ``first_window``'s statement: the two settings, the newest id, the first window's ids."""
    query, query_params = tsquery_sql(terms)
    visible, visible_params = _visible(now)
    sql = (
        "SELECT set_config('jit', 'off', true), set_config('enable_indexscan', 'off', true), top.id, "
        f"ARRAY(SELECT id FROM {ARTICLES} WHERE {COLUMN} @@ {query} AND {visible} AND id > top.id - %s "
        f"ORDER BY id DESC LIMIT %s) FROM (SELECT coalesce(max(id), 0) AS id FROM {ARTICLES}) AS top"
    )
    return sql, [*query_params, *visible_params, window_first, limit]


def candidates(*, terms: SearchTerms, now: datetime, limit: int, **windows: int) -> list[int]:
    """Ids of the ``limit`` newest visible matches of ``terms``, most relevant first.

    ``windows`` (``window_first``, ``window_growth``, ``row_cost_in_keys``) change how
    they are looked for (``first_window``, then ``candidate_sql``), never what is found.
    """
    window_first = windows.get("window_first", WINDOW_FIRST)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        top, first = first_window(cursor, terms=terms, now=now, limit=limit, window_first=window_first)
        sql, params = candidate_sql(terms=terms, now=now, limit=limit, top=top, first=first, **windows)
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
