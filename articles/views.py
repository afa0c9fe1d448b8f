"""Reader pages: parse the request, call a selector, render. Nothing per user, so every page is cacheable."""

import logging
from functools import partial

from django.conf import settings
from django.core.paginator import InvalidPage, Page, Paginator
from django.db import DatabaseError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.html import escape
from django.utils.http import http_date
from taggit.models import Tag

from articles.models import Article, ArticleUpdate, Author, Section
from articles.search import SEARCH_MAX_LENGTH, article_search
from articles.selectors import (
    article_count_by_author,
    article_count_for_tag,
    article_for_page,
    article_front_page,
    article_furniture,
    article_list_in_section,
    article_page_by_author,
    article_page_for_tag,
)
from articles.structured_data import (
    absolute_url,
    article_modified_at,
    base_url_for,
    breadcrumb_list_json_ld,
    json_ld_script,
)
from newsroom.caching.urls import reverse_cached
from newsroom.edge import edge_keys_add

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
# Lists page this deep at most: counting and OFFSET then cost the same in a 1,000,000-story archive
# as in a 10,000-story one. Older stories stay reachable through the month sitemaps and search.
MAX_PAGES = 250
MAX_LISTED = PAGE_SIZE * MAX_PAGES
# Primary keys are 64-bit; a larger id in a URL would overflow the database driver instead of missing.
MAX_ID = 2**63 - 1


class CountedPaginator(Paginator):
    """A paginator told its count, for lists whose count is cheaper as another query."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = count

    @property
    def count(self) -> int:
        return self.known_count


class DeepSlices:
    """A listing's rows by slice, a deep slice found by id first (one statement all the same).

    ``rows[start:stop]`` with ``start > 0`` is ``queryset.filter(pk__in=<the
    ids of that slice>)``: the OFFSET walks the listing index alone (index-only
    on PostgreSQL, the covering index on SQLite) and only the rows shown are
    read and joined to their section and photo. Sliced directly, the database
    joins every row before the page as well: 55 ms instead of 0.9 ms for page
    200 of a 100,000-story archive's section on PostgreSQL.
    """

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset

    def __getitem__(self, item: slice) -> list:
        if not item.start:
            return list(self.queryset[item])
        return list(self.queryset.filter(pk__in=self.queryset.values("pk")[item]))


def _page_or_404(
    request: HttpRequest, queryset: QuerySet, *, per_page: int = PAGE_SIZE, count: int | None = None
) -> Page:
    """One page of ``queryset`` for ``?page=``; anything but an existing page number is a 404.

    The page is an OFFSET into an index read in order (the listing indexes),
    so a deep page reads the ids before it from the index (``DeepSlices``),
    never a sort of the whole list. The count stops at ``MAX_PAGES`` pages
    (``count``, if given, must be capped the same way); pages past the last are 404.
    """
    number = request.GET.get("page") or 1
    if count is None:
        count = queryset.order_by()[: per_page * MAX_PAGES].count()
    paginator = CountedPaginator(DeepSlices(queryset), per_page, count=count)
    try:
        page = paginator.page(number)
    except InvalidPage as exc:
        raise Http404("No such page") from exc
    # Evaluate here so the template never runs a query of its own.
    page.object_list = list(page.object_list)
    return page


class ListingPaginator(CountedPaginator):
    """A paginator whose pages come from ``fetch(offset=, limit=)``: a selector that reads one page itself."""

    def __init__(self, fetch, per_page, *, count: int):
        super().__init__([], per_page, count=count)
        self.fetch = fetch

    def page(self, number) -> Page:
        number = self.validate_number(number)
        return Page(self.fetch(offset=(number - 1) * self.per_page, limit=self.per_page), number, self)


def _listing_page_or_404(request: HttpRequest, fetch, *, count: int, per_page: int = PAGE_SIZE) -> Page:
    """One page for ``?page=`` of a list that ``fetch`` reads a page at a time (``ListingPaginator``);
    ``count`` capped at ``MAX_PAGES`` pages as in ``_page_or_404``. Anything but an existing page is a 404."""
    try:
        return ListingPaginator(fetch, per_page, count=count).page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("No such page") from exc


def _last_modified(response: HttpResponse, times) -> HttpResponse:
    """``Last-Modified``: the newest of ``times`` (what the page shows changed then), if any.

    Stored and replayed with the page by the page cache; the conditional GETs it answers are
    by ETag (``If-None-Match``), which also covers the rails spliced in later (``newsroom.rails``).
    """
    newest = max((t for t in times if t is not None), default=None)
    if newest is not None:
        response["Last-Modified"] = http_date(newest.timestamp())
    return response


def home(request):
    front = article_front_page()
    response = render(request, "articles/home.html", {**front, "nav_current": "home"})
    shown = [front["lead"], *front["latest"], *(a for block in front["sections"] for a in block["articles"])]
    return _last_modified(response, (a.published_at for a in shown if a is not None))


def render_article(request, article: Article, *, preview: bool = False, relations: dict | None = None):
    """Render the article page; the admin's staff-only previews call this with preview=True.

    ``article`` may come from ``article_for_page`` (everything prefetched) or
    straight from the admin (a few more queries, still correct). ``relations``
    (authors, tags and updates lists) replaces the article's own, for the
    preview of a pending change (``articles.workflow.article_with_pending``),
    which is then marked as such.
    """
    relations = relations or {}
    log = relations["updates"] if "updates" in relations else list(article.updates.all())
    tags = relations["tags"] if "tags" in relations else article.tags.all()
    context = {
        "article": article,
        "authors": relations["authors"] if "authors" in relations else list(article.authors.all()),
        "tags": sorted((t for t in tags if t.slug), key=lambda t: t.name.lower()),
        "corrections": [u for u in log if u.kind == ArticleUpdate.Kind.CORRECTION],
        # Newest first, under the "Updated" line, as the admin promises ("shown to readers").
        "updates": sorted(
            (u for u in log if u.kind == ArticleUpdate.Kind.UPDATE), key=lambda u: u.created_at, reverse=True
        ),
        "preview": preview,
        "pending_preview": preview and bool(relations),
        "nav_section": article.section.slug,
    }
    context.update(article_page_furniture(request, article, tags=context["tags"], preview=preview))
    edge_keys_add(
        f"a{article.pk}",
        f"s{article.section_id}",
        *(f"t{tag.pk}" for tag in context["tags"]),
        *(f"au{author.pk}" for author in context["authors"]),
    )
    response = render(request, "articles/article_detail.html", context)
    _last_modified(response, [article_modified_at(article)])
    if preview:
        # A preview is for one editor's eyes: never stored by a cache or indexed.
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def article_page_furniture(request, article: Article, *, tags, preview: bool) -> dict:
    """Breadcrumbs (and their ``BreadcrumbList``), share links' URL, related stories and "More in <Section>"."""
    base_url = base_url_for(request)
    breadcrumbs = [
        ("Home", reverse_cached("articles:home")),
        (article.section.name, article.section.get_absolute_url()),
        (article.display_headline, article.get_absolute_url()),
    ]
    return {
        "breadcrumbs": breadcrumbs,
        "breadcrumb_json_ld": json_ld_script(breadcrumb_list_json_ld(items=breadcrumbs, base_url=base_url)),
        "share_url": absolute_url(article.get_absolute_url(), base_url=base_url),
        "share_title": article.display_headline,
        # A preview reads them afresh: the fragment cache is for what readers see.
        **article_furniture(article=article, tag_ids=[tag.pk for tag in tags], request=None if preview else request),
    }


def article_detail(request, pk: int, slug: str | None = None):
    if pk > MAX_ID:
        raise Http404("No such article")
    # A 404 too: the story published later purges what said it was missing.
    edge_keys_add(f"a{pk}")
    article = article_for_page(pk=pk, cached_relations=True, request=request)
    if article is None:
        raise Http404("No such article")
    if slug != article.slug:
        return HttpResponsePermanentRedirect(article.get_absolute_url())
    return render_article(request, article)


def section_detail(request, slug):
    section = get_object_or_404(Section, slug=slug)
    edge_keys_add(f"s{section.pk}")
    page = _page_or_404(request, article_list_in_section(section=section))
    response = render(request, "articles/section.html", {"section": section, "page": page, "nav_current": section.slug})
    return _last_modified(response, (a.published_at for a in page.object_list))


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    edge_keys_add(f"t{tag.pk}")
    now = timezone.now()  # the count and the page see the same stories
    # One beyond the pages listed: "more than 5,000 stories" is said, not "5,000".
    count = article_count_for_tag(tag=tag, at_most=MAX_LISTED + 1, now=now)
    fetch = partial(article_page_for_tag, tag=tag, now=now)
    page = _listing_page_or_404(request, fetch, count=min(count, MAX_LISTED))
    if page.paginator.count == 0:
        # A tag used only by drafts must not reveal itself (nor the embargoed story behind it).
        raise Http404("No published articles with this tag")
    context = {"tag": tag, "page": page, "story_count": min(count, MAX_LISTED), "more_stories": count > MAX_LISTED}
    response = render(request, "articles/tag.html", context)
    return _last_modified(response, (a.published_at for a in page.object_list))


def author_detail(request, slug):
    author = get_object_or_404(Author, slug=slug)
    edge_keys_add(f"au{author.pk}")
    now = timezone.now()
    count = article_count_by_author(author=author, at_most=MAX_LISTED, now=now)
    page = _listing_page_or_404(request, partial(article_page_by_author, author=author, now=now), count=count)
    response = render(request, "articles/author.html", {"author": author, "page": page})
    return _last_modified(response, (a.published_at for a in page.object_list))


def search(request):
    # Collapse whitespace; NUL bytes are refused by PostgreSQL, so they never reach it.
    query = " ".join(request.GET.get("q", "").replace("\x00", " ").split())
    context = {"query": query, "results": None, "error": "", "max_length": SEARCH_MAX_LENGTH, "nav_current": "search"}
    status = 200
    if len(query) > SEARCH_MAX_LENGTH:
        context["error"] = f"Please shorten your search to {SEARCH_MAX_LENGTH} characters or fewer."
        status = 400
    elif query:
        try:
            context["results"] = article_search(query=query, page=request.GET.get("page") or 1)
        except InvalidPage as exc:
            raise Http404("No such page") from exc
        context["page"] = context["results"].page
    return render(request, "articles/search.html", context, status=status)


# A missing page may exist soon (a story published, a typo fixed): caches keep a 404 only briefly.
NOT_FOUND_SECONDS = 60


def page_not_found(request, exception):
    """The 404 page, kept by browsers and shared caches for ``NOT_FOUND_SECONDS`` (Varnish purges it sooner)."""
    try:
        response = render(request, "404.html", {"request_path": request.path}, status=404)
    except DatabaseError:
        # The navigation needs the database; a reader still gets a plain 404, not a 500.
        logger.exception("404 page could not render its navigation")
        response = HttpResponse(_MINIMAL_PAGE.format(title="Page not found"), status=404)
    patch_cache_control(response, public=True, max_age=NOT_FOUND_SECONDS, s_maxage=NOT_FOUND_SECONDS)
    return response


_MINIMAL_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
    '<body><main><h1>{title}</h1><p><a href="/">Go to the front page</a></p></main></body></html>'
)


def server_error(request):
    """The 500 page: no request context, no context processors, no database."""
    try:
        html = loader.get_template("500.html").render({"SITE_NAME": settings.SITE_NAME})
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        logger.exception("500 template failed to render")
        html = _MINIMAL_PAGE.format(title=escape("Something went wrong"))
    return HttpResponse(html, status=500)
