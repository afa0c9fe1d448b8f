"""Composed reads of articles for pages, feeds and other apps."""

import pickle
from datetime import datetime

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from articles.models import Article, ArticleUpdate, Author, AuthorListing, Section, TaggedArticle
from newsroom.caching.fragments import KEY_PREFIX as FRAGMENT_KEY_PREFIX
from newsroom.caching.fragments import (
    fragment_cache_get,
    fragment_cache_set,
    fragment_generation,
    fragment_local_get,
    fragment_local_set,
)


def article_list_latest(*, section: Section | int | None = None, limit: int = 10) -> list[Article]:
    """Newest published articles, site-wide or in one section, with only listing columns."""
    qs = Article.objects.published().for_listing().newest_first()
    if section is not None:
        qs = qs.in_section(section)
    return list(qs[:limit])


# --- Reader pages (pages helper) -------------------------------------------------------------


def section_list_for_nav() -> list[Section]:
    """Every section in navigation order, with only what a link needs."""
    return list(Section.objects.only("id", "name", "slug", "position"))


def article_for_page(*, pk: int, cached_relations: bool = False, request=None) -> Article | None:
    """One published article with everything its page shows, in a constant four queries.

    Section and lead photo are joined; authors, tags and the update log are
    prefetched (plain ``select_related`` / ``prefetch_related``), so the count
    does not grow with the number of any of them.

    With ``cached_relations`` (the reader page), the whole loaded article is
    kept in the fragment cache under this page-cache generation
    (``newsroom.caching.fragments``: any change to the article, its section,
    photo, authors, tags or updates bumps it), and each request unpickles its
    own copy. A warm render then runs one query without joins, which checks that
    the article is visible now and that its own columns are still the copy's
    (a ``QuerySet.update()`` sends no signal); if they are not, it loads the
    article again. ``request`` lets the page read the generation once for the
    selector and its fragments.
    """
    now = timezone.now()
    generation = fragment_generation(request) if cached_relations else None
    key = f"{FRAGMENT_KEY_PREFIX}article-page:{generation}:{pk}"
    if generation is not None:
        stored = _stored_get(key)
        if stored is not None:
            columns = article_page_columns()
            row = next(iter(Article.objects.published(now=now).filter(pk=pk).order_by().values_list(*columns)), None)
            if row is None:
                return None
            if row == tuple(getattr(stored, name) for name in columns):
                return stored
    article = (
        Article.objects.published(now=now)
        .filter(pk=pk)
        .order_by()
        .select_related("section", "lead_photo")
        .prefetch_related(
            Prefetch("authors", queryset=Author.objects.only("id", "name", "slug", "role")), "tags", "updates"
        )
    )
    article = next(iter(article), None)
    if article is not None and generation is not None:
        _stored_set(key, article)
    return article


def article_page_columns() -> tuple[str, ...]:
    """The article's own columns (attribute names), compared on a warm render with the cached copy's."""
    return tuple(field.attname for field in Article._meta.concrete_fields)


def _stored_get(key: str):
    # The process keeps the pickled article too (the key holds the generation, so it never goes
    # stale) and unpickles it per request: every page gets its own model instances, as from the cache.
    pickled = fragment_local_get(key)
    if pickled is None:
        pickled = fragment_cache_get(key)
        if pickled is None:
            return None
        fragment_local_set(key, pickled)
    return pickle.loads(pickled)  # noqa: S301 - bytes this site pickled itself, keyed by the code version


def _stored_set(key: str, value) -> None:
    # Stored pickled (bytes) in both places: one shape, and the process copy is immutable.
    pickled = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    fragment_cache_set(key, pickled)
    fragment_local_set(key, pickled)


def article_front_page(*, per_section: int = 4, lead_candidates: int = 6) -> dict:
    """The home page's stories in two queries: a lead story, each section's latest few and the newest overall.

    The lead is the newest story with a photo among the ``lead_candidates``
    newest (a picture-less story still leads when none of them has one, rather
    than an old story with a photo). Each section's latest ``per_section``
    stories, the lead left out, come from one query whose cost does not grow
    with the archive: for every section and every rank ``k`` below
    ``per_section``, a subquery reads the section's listing index in order
    and stops at its ``k``-th row; the stories are then fetched by id.
    """
    now = timezone.now()
    candidates = list(Article.objects.published(now=now).for_listing().newest_first()[:lead_candidates])
    lead = next((a for a in candidates if a.lead_photo_id), candidates[0] if candidates else None)
    # The newest stories besides the lead, for the front page's rail: read above already, no query.
    latest = [a for a in candidates if a is not lead]
    sections: list[dict] = []
    if lead is None:
        return {"lead": None, "sections": sections, "latest": latest}
    in_section = (
        Article.objects.published(now=now)
        .filter(section=OuterRef("pk"))
        .exclude(pk=lead.pk)
        .newest_first()
        .values("pk")
    )
    # A UNION ALL of one id column per rank: portable (SQLite has no LATERAL join) and a single
    # IN list, which PostgreSQL turns into a semi-join on the primary key.
    ranks = [
        Section.objects.order_by().annotate(kth=Subquery(in_section[k : k + 1])).values("kth")
        for k in range(per_section)
    ]
    ids = ranks[0].union(*ranks[1:], all=True) if per_section > 1 else ranks[0]
    ranked = (
        Article.objects.for_listing()
        .filter(pk__in=ids)
        .order_by("section__position", "section__name", "-published_at", "-id")
    )
    for article in ranked:
        if not sections or sections[-1]["section"].pk != article.section_id:
            sections.append({"section": article.section, "articles": []})
        sections[-1]["articles"].append(article)
    return {"lead": lead, "sections": sections, "latest": latest}


def article_list_in_section(*, section: Section) -> QuerySet[Article]:
    """Published articles of one section, newest first, listing columns only (lazy, for pagination).

    Read from ``article_section_listing_idx`` in order.
    """
    return Article.objects.published().for_listing().in_section(section).newest_first()


def tag_rows_listed(*, tag, now: datetime | None = None) -> QuerySet[TaggedArticle]:
    """The rows of ``tag`` whose article readers see at ``now``, newest first: one range of
    ``taggedarticle_listing_idx``, readable from the index alone (``tag`` may be an ``OuterRef``)."""
    return TaggedArticle.objects.filter(tag=tag, listed_at__lte=now or timezone.now()).order_by(
        "-listed_at", "-content_object_id"
    )


def article_count_for_tag(*, tag, at_most: int | None = None, now: datetime | None = None) -> int:
    """How many published articles carry ``tag`` (counting stops at ``at_most``), from the index alone."""
    return _count_at_most(tag_rows_listed(tag=tag, now=now), at_most)


def author_rows_listed(*, author: Author, now: datetime | None = None) -> QuerySet[AuthorListing]:
    """The bylines of ``author`` whose article readers see at ``now``, newest first: one range of
    ``author_listing_idx``, readable from the index alone."""
    return AuthorListing.objects.filter(author=author, listed_at__lte=now or timezone.now()).order_by(
        "-listed_at", "-article_id"
    )


def article_count_by_author(*, author: Author, at_most: int | None = None, now: datetime | None = None) -> int:
    """How many published articles ``author`` bylined (counting stops at ``at_most``), from the index alone."""
    return _count_at_most(author_rows_listed(author=author, now=now), at_most)


def _count_at_most(queryset: QuerySet, at_most: int | None) -> int:
    queryset = queryset.order_by()
    return queryset.count() if at_most is None else queryset[:at_most].count()


def articles_tagged(*, tag, now: datetime | None = None) -> QuerySet[Article]:
    """Published articles carrying ``tag``, newest first (id breaking ties), every column (lazy).

    Read from ``taggedarticle_listing_idx`` in order, each row shown joined to
    its article by id (``published()`` still applies there, as a guard): the
    cost of a page does not grow with the archive or the tag.
    """
    now = now or timezone.now()
    return (
        Article.objects.published(now=now)
        .filter(tagged_items__tag=tag, tagged_items__listed_at__lte=now)
        .order_by("-tagged_items__listed_at", "-tagged_items__content_object_id")
    )


def articles_bylined(*, author: Author, now: datetime | None = None) -> QuerySet[Article]:
    """Published articles bylined by ``author``, newest first, every column (lazy).

    Read from ``author_listing_idx`` in order, as ``articles_tagged``.
    """
    now = now or timezone.now()
    return (
        Article.objects.published(now=now)
        .filter(author_listings__author=author, author_listings__listed_at__lte=now)
        .order_by("-author_listings__listed_at", "-author_listings__article_id")
    )


def article_list_for_tag(*, tag, now: datetime | None = None) -> QuerySet[Article]:
    """Published articles carrying one tag, newest first, listing columns only (lazy, for pagination)."""
    return articles_tagged(tag=tag, now=now).for_listing()


def article_list_by_author(*, author: Author, now: datetime | None = None) -> QuerySet[Article]:
    """Published articles bylined by one author, newest first, listing columns only (lazy, for pagination)."""
    return articles_bylined(author=author, now=now).for_listing()


def article_page_for_tag(*, tag, offset: int, limit: int, now: datetime | None = None) -> list[Article]:
    """``limit`` stories of ``article_list_for_tag`` from the ``offset``-th on, in one query (a page of the tag).

    The offset skips entries of ``taggedarticle_listing_idx`` alone: however deep
    the page, only its own stories are read from the article table, by id.
    """
    now = now or timezone.now()
    return _page_by_id(tag_rows_listed(tag=tag, now=now).values("content_object_id"), offset, limit, now)


def article_page_by_author(*, author: Author, offset: int, limit: int, now: datetime | None = None) -> list[Article]:
    """``limit`` stories of ``article_list_by_author`` from the ``offset``-th on, as ``article_page_for_tag``."""
    now = now or timezone.now()
    return _page_by_id(author_rows_listed(author=author, now=now).values("article_id"), offset, limit, now)


def _page_by_id(ids: QuerySet, offset: int, limit: int, now: datetime) -> list[Article]:
    # The page's ids as a LIMIT/OFFSET subquery of the index range, its stories sorted again (a
    # page's worth of rows): the same order, since a listed row's listed_at is its published_at.
    page = ids[offset : offset + limit]
    return list(Article.objects.published(now=now).for_listing().filter(pk__in=page).newest_first())


# --- The editors' desk ---------------------------------------------------------------------------


def article_desk_counts(*, user, since: datetime, now: datetime | None = None) -> dict[str, int]:
    """How many articles each desk view holds, in one query: awaiting review, ``user``'s drafts,
    scheduled (not yet due) and published since ``since``."""
    now = now or timezone.now()
    return Article.objects.order_by().aggregate(
        awaiting=Count("id", filter=Q(status=Article.Status.IN_REVIEW)),
        mine=Count("id", filter=Q(status=Article.Status.DRAFT, owner_id=getattr(user, "pk", None))),
        scheduled=Count("id", filter=Q(status=Article.Status.SCHEDULED, published_at__gt=now)),
        recent=Count("id", filter=Q(status=Article.Status.PUBLISHED, published_at__gte=since)),
    )


def article_desk_dashboard(
    *, now: datetime, limit: int = 5, corrected_days: int = 7, stale_days: int = 14
) -> dict[str, list[Article]]:
    """The admin index's desk overview, in four small queries of headline columns.

    ``awaiting``: oldest submissions first; ``scheduled``: the next to appear;
    ``corrected``: articles with a correction in the last ``corrected_days``, newest
    correction first; ``stale``: drafts untouched for ``stale_days``, oldest first.
    """
    from datetime import timedelta

    columns = ("id", "headline", "status", "published_at", "modified_at", "owner__username")
    base = Article.objects.select_related("owner").only(*columns)
    corrected_ids = ArticleUpdate.objects.filter(
        kind=ArticleUpdate.Kind.CORRECTION, created_at__gte=now - timedelta(days=corrected_days)
    ).values("article_id")
    return {
        "awaiting": list(base.awaiting_review().order_by("modified_at", "id")[:limit]),
        "scheduled": list(
            base.filter(status=Article.Status.SCHEDULED, published_at__gt=now).order_by("published_at", "id")[:limit]
        ),
        "corrected": list(base.filter(pk__in=corrected_ids).order_by("-last_updated_at", "-id")[:limit]),
        "stale": list(
            base.drafts().filter(modified_at__lt=now - timedelta(days=stale_days)).order_by("modified_at", "id")[:limit]
        ),
    }


# --- Article page furniture: related stories and "More in <Section>" ----------------------------

# Related stories are looked for among this many newest stories of the archive: the listing
# index is walked in order down to a cutoff read from the same index, so a rare tag costs what a
# common one does, in a 1,000-story archive as in a 1,000,000-story one.
RELATED_SCAN_DEPTH = 2000
RELATED_SHOWN = 4
MORE_IN_SECTION_SHOWN = 5


def _related_cutoff():
    """The publication time of the ``RELATED_SCAN_DEPTH``-th newest story (the archive's oldest bound if fewer)."""
    from django.db.models import DateTimeField, Value
    from django.db.models.functions import Coalesce

    from newsroom.dates import DATETIME_MIN

    deepest = (
        Article.objects.published().newest_first().values("published_at")[RELATED_SCAN_DEPTH - 1 : RELATED_SCAN_DEPTH]
    )
    return Coalesce(Subquery(deepest), Value(DATETIME_MIN, output_field=DateTimeField()))


def article_list_related(*, article: Article, tag_ids: list[int], limit: int = RELATED_SHOWN) -> list[Article]:
    """Newest published stories sharing a tag with ``article`` (never itself), listing columns only. One query.

    The tags' rows are read from ``taggedarticle_listing_idx`` (``listed_at``),
    among the ``RELATED_SCAN_DEPTH`` newest stories only: each tag's range of
    the index from that bound on, never its whole history (a tag of 80,000
    stories would otherwise cost 80,000 probes of the article table). Only the
    few stories kept are read from the article table, by primary key.
    """
    if not tag_ids:
        return []
    tags = sorted(set(tag_ids))
    now = timezone.now()
    # A story carrying several of the tags has a row for each: enough rows for ``limit`` stories.
    rows = (
        TaggedArticle.objects.filter(tag__in=tags, listed_at__lte=now, listed_at__gte=_related_cutoff())
        .exclude(content_object=article.pk)
        .order_by("-listed_at", "-content_object_id")
        .values("content_object_id")[: limit * len(tags)]
    )
    return list(Article.objects.published(now=now).for_listing().filter(pk__in=rows).newest_first()[:limit])


def article_list_more_in_section(*, article: Article, limit: int) -> list[Article]:
    """The newest published stories of ``article``'s section but itself, listing columns only. One query.

    Read from ``article_section_listing_idx`` in order.
    """
    return list(
        Article.objects.published()
        .for_listing()
        .in_section(article.section_id)
        .exclude(pk=article.pk)
        .newest_first()[:limit]
    )


def article_furniture(*, article: Article, tag_ids: list[int], request=None) -> dict[str, list[Article]]:
    """What follows an article's body: ``related`` stories and ``more_in_section``. Two queries, none when warm.

    Related: stories sharing a tag, newest first, topped up with the section's
    newest; "More in <Section>": the section's newest not already among the
    related. Never the article itself, published only. Kept in the fragment
    cache per page-cache generation (any article saved bumps it), like the
    article's own relations.
    """
    generation = fragment_generation(request) if request is not None else None
    key = f"{FRAGMENT_KEY_PREFIX}article-furniture:{generation}:{article.pk}:{','.join(map(str, sorted(tag_ids)))}"
    stored = _stored_get(key) if generation is not None else None
    if stored is not None:
        return stored
    related = article_list_related(article=article, tag_ids=tag_ids)
    in_section = article_list_more_in_section(article=article, limit=RELATED_SHOWN + MORE_IN_SECTION_SHOWN)
    related_ids = {story.pk for story in related}
    for story in in_section:
        if len(related) >= RELATED_SHOWN:
            break
        if story.pk not in related_ids:
            related.append(story)
            related_ids.add(story.pk)
    more = [story for story in in_section if story.pk not in related_ids][:MORE_IN_SECTION_SHOWN]
    furniture = {"related": related, "more_in_section": more}
    if generation is not None:
        _stored_set(key, furniture)
    return furniture
