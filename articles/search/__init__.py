"""Reader search: full-text on both databases, same rules, one entry point (``article_search``).

The rule for big result sets: the newest ``SEARCH_RESULTS_LIMIT`` matching stories
(by id, the order they were added) are ranked by relevance and paged through;
the count is exact up to that limit and "more than" beyond it. A word in every
story therefore costs what a word in ``SEARCH_RESULTS_LIMIT`` stories costs, and
a rare word what its few matches cost (the full-text index finds them).

``sqlite`` (FTS5, bm25) and ``postgresql`` (stored tsvector, GIN, ts_rank_cd)
implement ``candidates`` and ``highlights``; ``backend()`` picks one by
``connection.vendor``.
"""

from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils import timezone
from markupsafe import Markup

from articles.models import Article
from articles.search.query import SEARCH_MAX_LENGTH, SEARCH_MAX_TERMS, SearchTerms, search_terms_parse
from articles.search.text import highlighted

__all__ = ["SEARCH_MAX_LENGTH", "SEARCH_MAX_TERMS", "SEARCH_RESULTS_LIMIT", "SearchHit", "SearchResults"]

# Matches ranked and paged through; beyond it the page says "more than".
SEARCH_RESULTS_LIMIT = 1000
SEARCH_PAGE_SIZE = 20
NOTHING_TO_LOOK_FOR = (
    "Very common words such as “the” or “and” are left out of searches, and so are words marked "
    "with a minus: add a more specific word to look for."
)


def backend() -> ModuleType:
    """The search implementation for the default database."""
    if connection.vendor == "postgresql":
        from articles.search import postgresql

        return postgresql
    from articles.search import sqlite

    return sqlite


@dataclass
class SearchHit:
    """One result: the listing-only article and its texts with the matched words in ``<mark>``."""

    article: Article
    headline: Markup
    deck: Markup
    snippet: Markup


@dataclass
class SearchResults:
    """A page of results; ``count`` exact unless ``more`` (more than ``count`` matched)."""

    terms: SearchTerms
    page: Page | None = None
    count: int = 0
    more: bool = False
    message: str = ""
    hits: list[SearchHit] = field(default_factory=list)


def article_search(
    *,
    query: str,
    page: int | str = 1,
    now: datetime | None = None,
    per_page: int = SEARCH_PAGE_SIZE,
    limit: int = SEARCH_RESULTS_LIMIT,
) -> SearchResults:
    """Published articles matching ``query``, most relevant first: one page of them, highlighted.

    Raises ``django.core.paginator.InvalidPage`` for a page that does not exist.
    Runs three queries when something matches (ranked ids; the page's highlights;
    its rows), one when nothing does, none when nothing is left to look for; on
    PostgreSQL one more, before the ranked ids (the newest window's matches, and
    the settings the rest is planned with).
    """
    now = now or timezone.now()
    terms = search_terms_parse(query.replace("\x00", " "))
    results = SearchResults(terms=terms)
    if not terms.wanted:
        results.message = NOTHING_TO_LOOK_FOR
        results.page = Paginator([], per_page).page(1)
        return results
    search = backend()
    # One candidate beyond the limit says whether there are more; being the oldest
    # (the lowest id), it is the one left out, wherever it ranks.
    ids = search.candidates(terms=terms, now=now, limit=limit + 1)
    results.more = len(ids) > limit
    if results.more:
        ids.remove(min(ids))
    results.count = len(ids)
    results.page = Paginator(ids, per_page).page(page)
    shown = list(results.page.object_list)
    if shown:
        marked = search.highlights(terms=terms, ids=shown)
        rows = Article.objects.published(now=now).for_listing().in_bulk(shown)
        escaped = search.HIGHLIGHTS_ESCAPED
        results.hits = [
            SearchHit(
                article=rows[pk],
                headline=highlighted(marked[pk][0], escaped=escaped),
                deck=highlighted(marked[pk][1], escaped=escaped),
                snippet=highlighted(marked[pk][2], escaped=escaped),
            )
            for pk in shown
            if pk in rows and pk in marked  # withdrawn or deleted between the queries
        ]
    results.page.object_list = results.hits
    return results


def _index_ensure(sender, using, **kwargs) -> None:
    from django.db import connections

    db = connections[using]
    if db.vendor == "sqlite":
        from articles.search import sqlite

        sqlite.index_ensure(db)


def connect_receivers(*, app_config) -> None:
    """Register the SQLite text function on new connections; restore lost triggers after ``migrate``."""
    from articles.search import sqlite

    connection_created.connect(sqlite.connection_prepare, dispatch_uid="article_search_connection")
    post_migrate.connect(_index_ensure, sender=app_config, dispatch_uid="article_search_index_ensure")
