"""Composed reads of articles for pages, feeds and other apps."""

import re

from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from articles.models import Article, Author, Section


def article_list_latest(*, section: Section | int | None = None, limit: int = 10) -> list[Article]:
    """Newest published articles, site-wide or in one section, with only listing columns."""
    qs = Article.objects.published().for_listing().newest_first()
    if section is not None:
        qs = qs.in_section(section)
    return list(qs[:limit])


# --- Reader pages (pages helper) -------------------------------------------------------------

# A search longer than this is refused with a message, not run.
SEARCH_MAX_LENGTH = 200
# The SQLite fallback ANDs one LIKE triple per word; more words than this are ignored.
SEARCH_MAX_WORDS = 12
# Runs of letters or digits, keeping inner apostrophes, hyphens and dots ("minister's", "Japan-U.S").
_WORD = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*")


def section_list_for_nav() -> list[Section]:
    """Every section in navigation order, with only what a link needs."""
    return list(Section.objects.only("id", "name", "slug", "position"))


def article_for_page(*, pk: int) -> Article | None:
    """One published article with everything its page shows, in a constant four queries.

    Section and lead photo are joined; authors, tags and the update log are
    prefetched, so the count does not grow with the number of any of them.
    """
    return (
        Article.objects.published()
        .select_related("section", "lead_photo")
        .prefetch_related(
            Prefetch("authors", queryset=Author.objects.only("id", "name", "slug", "role")),
            "tags",
            "updates",
        )
        .filter(pk=pk)
        .first()
    )


def article_front_page(*, per_section: int = 4, lead_candidates: int = 6) -> dict:
    """The home page's stories in two queries: a lead story and each section's latest few.

    The lead is the newest story with a photo among the ``lead_candidates``
    newest (a picture-less story still leads when none of them has one, rather
    than an old story with a photo). Each section's latest ``per_section``
    stories come from one window-function query, the lead left out.
    """
    candidates = list(Article.objects.published().for_listing().newest_first()[:lead_candidates])
    lead = next((a for a in candidates if a.lead_photo_id), candidates[0] if candidates else None)
    sections: list[dict] = []
    if lead is None:
        return {"lead": None, "sections": sections}
    ranked = (
        Article.objects.published()
        .for_listing()
        .exclude(pk=lead.pk)
        .annotate(
            row=Window(RowNumber(), partition_by=[F("section_id")], order_by=[F("published_at").desc(), F("id").desc()])
        )
        .filter(row__lte=per_section)
        .order_by("section__position", "section__name", "-published_at", "-id")
    )
    for article in ranked:
        if not sections or sections[-1]["section"].pk != article.section_id:
            sections.append({"section": article.section, "articles": []})
        sections[-1]["articles"].append(article)
    return {"lead": lead, "sections": sections}


def article_list_in_section(*, section: Section) -> QuerySet[Article]:
    """Published articles of one section, newest first, listing columns only (lazy, for pagination)."""
    return Article.objects.published().for_listing().in_section(section).newest_first()


def article_list_for_tag(*, tag) -> QuerySet[Article]:
    """Published articles carrying one tag, newest first, listing columns only (lazy)."""
    return Article.objects.published().for_listing().filter(tagged_items__tag=tag).newest_first()


def article_list_by_author(*, author: Author) -> QuerySet[Article]:
    """Published articles bylined by one author, newest first, listing columns only (lazy)."""
    return Article.objects.published().for_listing().filter(authors=author).newest_first()


def search_words(query: str) -> list[str]:
    """The words of a reader's query, as the SQLite fallback matches them (at most ``SEARCH_MAX_WORDS``)."""
    return _WORD.findall(query)[:SEARCH_MAX_WORDS]


def article_search(*, query: str) -> QuerySet[Article]:
    """Published articles matching ``query``, listing columns only (lazy, for pagination).

    On PostgreSQL: full-text search in English, headline weighted above deck
    above body, ordered by relevance then recency; the query accepts web-search
    syntax ("quoted phrases", -excluded, or). Elsewhere (SQLite): every word
    must appear in the headline, deck or body, newest first.
    """
    published = Article.objects.published().for_listing()
    query = query.replace("\x00", "").strip()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("headline", weight="A", config="english")
            + SearchVector("deck", weight="B", config="english")
            + SearchVector("body", weight="C", config="english")
        )
        search_query = SearchQuery(query, search_type="websearch", config="english")
        return (
            # alias(), not annotate(): the vector is for WHERE only, never sent back to Python.
            published.alias(document=vector)
            .filter(document=search_query)
            .annotate(rank=SearchRank(vector, search_query))
            .order_by("-rank", "-published_at", "-id")
        )
    words = search_words(query)
    if not words:
        return published.none()
    condition = Q()
    for word in words:
        condition &= Q(headline__icontains=word) | Q(deck__icontains=word) | Q(body__icontains=word)
    return published.filter(condition).newest_first()
