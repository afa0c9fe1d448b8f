"""Reader visibility copied onto the tag and byline rows, kept by database triggers.

``TaggedArticle.listed_at`` and ``AuthorListing.listed_at`` hold the article's
``published_at`` while its status is one of ``VISIBLE_STATUSES``, else NULL.
A tag's or an author's page and its count then read one range of a single index
(``taggedarticle_listing_idx`` / ``author_listing_idx``: owner, ``listed_at``
newest first, article id) in order, touching only the rows shown, whatever the
size of the archive. ``AuthorListing`` is a copy of the byline table
(``Article.authors``), one row per byline.

Why triggers rather than Python: every write path keeps them right in the same
transaction as the article, whatever it is (``save()``, ``tags.add()``,
``authors.set()``, the importer's ``bulk_create``/``bulk_update``,
``publish_scheduled``'s ``QuerySet.update()``, a cascade delete, raw SQL, a
``COPY``), each at the cost of the article's own rows:

* a tag row inserted (or moved to another article) copies its article's value;
* a byline inserted, moved or deleted inserts, moves or deletes its copy;
* an article whose status or ``published_at`` changes its listed value
  rewrites its tag rows and bylines (found by the article-led unique indexes).

``listed_at <= now`` still admits nothing the article would not show, since the
value follows the article; the listings keep ``published()`` on the article as
a guard all the same.
"""

# ruff: noqa: S608 - every statement here is built from this module's constant names, never from input

from __future__ import annotations

from django.db import connection as default_connection

ARTICLE_TABLE = "articles_article"
TAGGED_TABLE = "articles_taggedarticle"
BYLINE_TABLE = "articles_article_authors"  # Article.authors' auto-created through table
LISTING_TABLE = "articles_authorlisting"
VISIBLE = "('published', 'scheduled')"  # articles.models.VISIBLE_STATUSES, as SQL


def _listed(row: str) -> str:
    """The listed value of an article row (``NEW``, ``OLD`` or a table alias), as SQL."""
    return f"(CASE WHEN {row}.status IN {VISIBLE} THEN {row}.published_at END)"


def _listed_of(article_id: str) -> str:
    """The listed value of the article with id ``article_id``, as a scalar subquery (NULL if none)."""
    return f"(SELECT {_listed('a')} FROM {ARTICLE_TABLE} a WHERE a.id = {article_id})"


# --- PostgreSQL ---------------------------------------------------------------------------------

PG_INSTALL = [
    # A tag row takes its article's value as it is written (BEFORE: no second write of the row).
    f"""
CREATE OR REPLACE FUNCTION articles_tagged_listing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.listed_at := {_listed_of("NEW.content_object_id")};
    RETURN NEW;
END
$$
""",
    f"""
CREATE TRIGGER articles_tagged_listing BEFORE INSERT OR UPDATE OF content_object_id ON {TAGGED_TABLE}
FOR EACH ROW EXECUTE FUNCTION articles_tagged_listing()
""",
    f"""
CREATE OR REPLACE FUNCTION articles_byline_listing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM {LISTING_TABLE} WHERE article_id = OLD.article_id AND author_id = OLD.author_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO {LISTING_TABLE} (article_id, author_id, listed_at)
        VALUES (NEW.article_id, NEW.author_id, {_listed_of("NEW.article_id")})
        ON CONFLICT (article_id, author_id) DO UPDATE SET listed_at = EXCLUDED.listed_at;
    END IF;
    RETURN NULL;
END
$$
""",
    f"""
CREATE TRIGGER articles_byline_listing AFTER INSERT OR UPDATE OR DELETE ON {BYLINE_TABLE}
FOR EACH ROW EXECUTE FUNCTION articles_byline_listing()
""",
    f"""
CREATE OR REPLACE FUNCTION articles_article_listing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {TAGGED_TABLE} SET listed_at = {_listed("NEW")} WHERE content_object_id = NEW.id;
    UPDATE {LISTING_TABLE} SET listed_at = {_listed("NEW")} WHERE article_id = NEW.id;
    RETURN NULL;
END
$$
""",
    # Only when the listed value changes (most saves change neither status nor publication time).
    f"""
CREATE TRIGGER articles_article_listing AFTER UPDATE OF status, published_at ON {ARTICLE_TABLE}
FOR EACH ROW WHEN ({_listed("OLD")} IS DISTINCT FROM {_listed("NEW")})
EXECUTE FUNCTION articles_article_listing()
""",
]

PG_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS articles_article_listing ON {ARTICLE_TABLE}",
    f"DROP TRIGGER IF EXISTS articles_byline_listing ON {BYLINE_TABLE}",
    f"DROP TRIGGER IF EXISTS articles_tagged_listing ON {TAGGED_TABLE}",
    "DROP FUNCTION IF EXISTS articles_article_listing()",
    "DROP FUNCTION IF EXISTS articles_byline_listing()",
    "DROP FUNCTION IF EXISTS articles_tagged_listing()",
]

PG_REBUILD = [
    f"""
UPDATE {TAGGED_TABLE} t SET listed_at = {_listed("a")}
  FROM {ARTICLE_TABLE} a
 WHERE a.id = t.content_object_id AND t.listed_at IS DISTINCT FROM {_listed("a")}
""",
    f"DELETE FROM {LISTING_TABLE}",
    f"""
INSERT INTO {LISTING_TABLE} (article_id, author_id, listed_at)
SELECT b.article_id, b.author_id, {_listed("a")}
  FROM {BYLINE_TABLE} b JOIN {ARTICLE_TABLE} a ON a.id = b.article_id
""",
]

# --- SQLite: a trigger per case; a row cannot be changed before it is written, so it is updated after -----

_SQ_BYLINE_ADD = f"""
    INSERT INTO {LISTING_TABLE} (article_id, author_id, listed_at)
    VALUES (new.article_id, new.author_id, {_listed_of("new.article_id")})
    ON CONFLICT (article_id, author_id) DO UPDATE SET listed_at = excluded.listed_at;
"""
_SQ_BYLINE_REMOVE = f"""
    DELETE FROM {LISTING_TABLE} WHERE article_id = old.article_id AND author_id = old.author_id;
"""
_SQ_TAGGED_COPY = f"""
    UPDATE {TAGGED_TABLE} SET listed_at = {_listed_of("new.content_object_id")} WHERE id = new.id;
"""

SQLITE_INSTALL = [
    f"CREATE TRIGGER articles_tagged_listing_insert AFTER INSERT ON {TAGGED_TABLE} BEGIN {_SQ_TAGGED_COPY} END",
    f"""CREATE TRIGGER articles_tagged_listing_move AFTER UPDATE OF content_object_id ON {TAGGED_TABLE}
BEGIN {_SQ_TAGGED_COPY} END""",
    f"CREATE TRIGGER articles_byline_listing_insert AFTER INSERT ON {BYLINE_TABLE} BEGIN {_SQ_BYLINE_ADD} END",
    f"CREATE TRIGGER articles_byline_listing_delete AFTER DELETE ON {BYLINE_TABLE} BEGIN {_SQ_BYLINE_REMOVE} END",
    f"""CREATE TRIGGER articles_byline_listing_update AFTER UPDATE ON {BYLINE_TABLE}
BEGIN {_SQ_BYLINE_REMOVE} {_SQ_BYLINE_ADD} END""",
    f"""CREATE TRIGGER articles_article_listing AFTER UPDATE OF status, published_at ON {ARTICLE_TABLE}
WHEN {_listed("old")} IS NOT {_listed("new")} BEGIN
    UPDATE {TAGGED_TABLE} SET listed_at = {_listed("new")} WHERE content_object_id = new.id;
    UPDATE {LISTING_TABLE} SET listed_at = {_listed("new")} WHERE article_id = new.id;
END""",
]

SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS articles_{name}"
    for name in (
        "tagged_listing_insert",
        "tagged_listing_move",
        "byline_listing_insert",
        "byline_listing_delete",
        "byline_listing_update",
        "article_listing",
    )
]

SQLITE_REBUILD = [
    f"""
UPDATE {TAGGED_TABLE} SET listed_at = {_listed_of(f"{TAGGED_TABLE}.content_object_id")}
 WHERE listed_at IS NOT {_listed_of(f"{TAGGED_TABLE}.content_object_id")}
""",
    f"DELETE FROM {LISTING_TABLE}",
    f"""
INSERT INTO {LISTING_TABLE} (article_id, author_id, listed_at)
SELECT b.article_id, b.author_id, {_listed("a")}
  FROM {BYLINE_TABLE} b JOIN {ARTICLE_TABLE} a ON a.id = b.article_id
""",
]


def _statements(connection, *, postgresql: list[str], sqlite: list[str]) -> list[str]:
    if connection.vendor == "postgresql":
        return postgresql
    if connection.vendor == "sqlite":
        return sqlite
    raise NotImplementedError(f"no listing triggers for {connection.vendor}")


def _run(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def listing_triggers_install(connection) -> None:
    """Create the triggers keeping ``listed_at`` and ``AuthorListing`` in step (migration 0010)."""
    _run(connection, _statements(connection, postgresql=PG_INSTALL, sqlite=SQLITE_INSTALL))


def listing_triggers_uninstall(connection) -> None:
    _run(connection, _statements(connection, postgresql=PG_UNINSTALL, sqlite=SQLITE_UNINSTALL))


def listings_rebuild(*, connection=None) -> None:
    """Set every tag row's ``listed_at`` and copy every byline afresh, set-based (a few statements).

    For the migration that adds them and for loads that bypass triggers on purpose. Call it in a
    transaction; the triggers keep the rows from then on.
    """
    connection = connection or default_connection
    _run(connection, _statements(connection, postgresql=PG_REBUILD, sqlite=SQLITE_REBUILD))
