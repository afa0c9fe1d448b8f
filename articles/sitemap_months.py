"""The per-month summary behind the sitemap index: ``ArticleMonth`` rows kept by database triggers.

One row per calendar month (UTC, ``"YYYY-MM"``) holding visible-status articles
(``published``/``scheduled``): how many, and the newest ``max(published_at,
modified_at)`` among them (``articles.sitemaps.article_lastmod`` of the month's
newest change). The sitemap index reads these rows instead of grouping every
article, so its cost follows the number of months, not of articles.

Why triggers rather than a Python service: every write path changes the
summary in the same transaction as the article, whatever it is (``save()``,
the importer's ``bulk_create``/``bulk_update``, ``publish_scheduled``'s
``QuerySet.update()``, a cascade delete, raw SQL), and each row costs O(1)
(an upsert of one small row), never a recount. Removing a story (delete,
withdraw, moved to another month) cannot lower a month's ``lastmod``: the
month's sitemap file did change then, so ``lastmod`` moves on to that time.

Rows may count ``scheduled`` stories whose time has not come, so readers use
them only for months that ended before the current one (``article_months``);
the current month is counted live, one bounded range of the listing index.
"""

# ruff: noqa: S608 - every statement here is built from this module's constant names, never from input

from __future__ import annotations

from django.db import connection as default_connection

TABLE = "articles_articlemonth"
ARTICLE_TABLE = "articles_article"
VISIBLE = "('published', 'scheduled')"  # articles.models.VISIBLE_STATUSES, as SQL

# --- PostgreSQL: one row trigger function --------------------------------------------------------

_PG_MONTH = "to_char(({row}.published_at AT TIME ZONE 'UTC'), 'YYYY-MM')"

PG_INSTALL = [
    f"""
CREATE OR REPLACE FUNCTION articles_month_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_visible boolean := TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN {VISIBLE};
    new_visible boolean := TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN {VISIBLE};
    old_month text;
    new_month text;
    changed_at timestamptz;
BEGIN
    -- A date past year 9999 (stored by raw SQL; newsroom.dates keeps editors' dates in 1900..2199)
    -- has no "YYYY-MM" month: such a row is left out of the summary, as the sitemap index leaves it out.
    IF old_visible THEN old_month := {_PG_MONTH.format(row="OLD")}; old_visible := length(old_month) = 7; END IF;
    IF new_visible THEN new_month := {_PG_MONTH.format(row="NEW")}; new_visible := length(new_month) = 7; END IF;
    IF TG_OP = 'DELETE' THEN changed_at := now(); ELSE changed_at := NEW.modified_at; END IF;
    IF old_visible AND new_visible AND old_month = new_month THEN
        -- Same month: only the newest change can move (most updates).
        UPDATE {TABLE} SET lastmod = greatest(lastmod, NEW.published_at, NEW.modified_at)
         WHERE month = new_month AND lastmod < greatest(NEW.published_at, NEW.modified_at);
        RETURN NULL;
    END IF;
    IF old_visible THEN
        UPDATE {TABLE} SET article_count = article_count - 1, lastmod = greatest(lastmod, changed_at)
         WHERE month = old_month;
        DELETE FROM {TABLE} WHERE month = old_month AND article_count <= 0;
    END IF;
    IF new_visible THEN
        INSERT INTO {TABLE} (month, article_count, lastmod)
        VALUES (new_month, 1, greatest(NEW.published_at, NEW.modified_at))
        ON CONFLICT (month) DO UPDATE
           SET article_count = {TABLE}.article_count + 1, lastmod = greatest({TABLE}.lastmod, EXCLUDED.lastmod);
    END IF;
    RETURN NULL;
END
$$
""",
    f"""
CREATE TRIGGER articles_month_sync AFTER INSERT OR UPDATE OR DELETE ON {ARTICLE_TABLE}
FOR EACH ROW EXECUTE FUNCTION articles_month_sync()
""",
]

PG_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS articles_month_sync ON {ARTICLE_TABLE}",
    "DROP FUNCTION IF EXISTS articles_month_sync()",
]

PG_REBUILD = f"""
INSERT INTO {TABLE} (month, article_count, lastmod)
SELECT {_PG_MONTH.format(row=ARTICLE_TABLE)}, count(*), greatest(max(published_at), max(modified_at))
  FROM {ARTICLE_TABLE} WHERE status IN {VISIBLE} AND length({_PG_MONTH.format(row=ARTICLE_TABLE)}) = 7 GROUP BY 1
"""

# --- SQLite: a trigger per case (a trigger's WHEN picks it) ---------------------------------------
# Datetimes are stored as UTC text ("2026-11-30 22:05:00[.ffffff]"): the month is its first seven
# characters and text order is time order, so max() of the strings is the newest time.

_SQ_OLD_VISIBLE = f"old.status IN {VISIBLE}"
_SQ_NEW_VISIBLE = f"new.status IN {VISIBLE}"
_SQ_SAME = (
    f"({_SQ_OLD_VISIBLE} AND {_SQ_NEW_VISIBLE} AND substr(old.published_at, 1, 7) = substr(new.published_at, 1, 7))"
)
_SQ_ADD = f"""
    INSERT INTO {TABLE} (month, article_count, lastmod)
    VALUES (substr(new.published_at, 1, 7), 1, max(new.published_at, new.modified_at))
    ON CONFLICT (month) DO UPDATE SET article_count = article_count + 1, lastmod = max(lastmod, excluded.lastmod);
"""


def _sq_remove(changed_at: str) -> str:
    return f"""
    UPDATE {TABLE} SET article_count = article_count - 1, lastmod = max(lastmod, {changed_at})
     WHERE month = substr(old.published_at, 1, 7);
    DELETE FROM {TABLE} WHERE month = substr(old.published_at, 1, 7) AND article_count <= 0;
"""


SQLITE_INSTALL = [
    f"""CREATE TRIGGER articles_month_insert AFTER INSERT ON {ARTICLE_TABLE}
WHEN {_SQ_NEW_VISIBLE} BEGIN {_SQ_ADD} END""",
    f"""CREATE TRIGGER articles_month_delete AFTER DELETE ON {ARTICLE_TABLE}
WHEN {_SQ_OLD_VISIBLE} BEGIN {_sq_remove("strftime('%Y-%m-%d %H:%M:%f', 'now')")} END""",
    f"""CREATE TRIGGER articles_month_update_same AFTER UPDATE ON {ARTICLE_TABLE}
WHEN {_SQ_SAME} BEGIN
    UPDATE {TABLE} SET lastmod = max(lastmod, new.published_at, new.modified_at)
     WHERE month = substr(new.published_at, 1, 7) AND lastmod < max(new.published_at, new.modified_at);
END""",
    f"""CREATE TRIGGER articles_month_update_out AFTER UPDATE ON {ARTICLE_TABLE}
WHEN {_SQ_OLD_VISIBLE} AND NOT {_SQ_SAME} BEGIN {_sq_remove("new.modified_at")} END""",
    f"""CREATE TRIGGER articles_month_update_in AFTER UPDATE ON {ARTICLE_TABLE}
WHEN {_SQ_NEW_VISIBLE} AND NOT {_SQ_SAME} BEGIN {_SQ_ADD} END""",
]

SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS articles_month_{name}"
    for name in ("insert", "delete", "update_same", "update_out", "update_in")
]

SQLITE_REBUILD = f"""
INSERT INTO {TABLE} (month, article_count, lastmod)
SELECT substr(published_at, 1, 7), count(*), max(max(published_at), max(modified_at))
  FROM {ARTICLE_TABLE} WHERE status IN {VISIBLE} GROUP BY 1
"""


def _statements(connection, *, postgresql: list[str], sqlite: list[str]) -> list[str]:
    if connection.vendor == "postgresql":
        return postgresql
    if connection.vendor == "sqlite":
        return sqlite
    raise NotImplementedError(f"no month summary triggers for {connection.vendor}")


def months_triggers_install(connection) -> None:
    """Create the triggers keeping ``ArticleMonth`` in step with the articles (migration 0009)."""
    with connection.cursor() as cursor:
        for statement in _statements(connection, postgresql=PG_INSTALL, sqlite=SQLITE_INSTALL):
            cursor.execute(statement)


def months_triggers_uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, postgresql=PG_UNINSTALL, sqlite=SQLITE_UNINSTALL):
            cursor.execute(statement)


def article_months_rebuild(*, connection=None) -> int:
    """Recount every month from the articles (one grouped scan); returns the number of months.

    For the migration that adds the table and for loads that bypass triggers on purpose
    (``bench/archive`` writes with replication role ``replica`` on PostgreSQL). Call it in a
    transaction; the triggers keep the rows from then on.
    """
    connection = connection or default_connection
    rebuild = _statements(connection, postgresql=[PG_REBUILD], sqlite=[SQLITE_REBUILD])[0]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(rebuild)
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]
