"""Ranking rails kept apart from the pages they appear on, so ranking updates never flush pages.

A reader page holds a marker where its rail goes (``rail_slot``, from
``templates/includes/rail.html``); pages are stored with the marker, and
:class:`RailSpliceMiddleware`, outside the page cache, fills it on every
answer, hit or miss:

* behind Varnish (the request says ``Surrogate-Capability: ...ESI/1.0``), with
  ``<esi:include src="/rails/<section id>/"/>`` (``/rails/<section id>/<article id>/``
  on an article page; ``/rails/w/<window>/...`` for a rail of another window) and
  ``Surrogate-Control: content="ESI/1.0"``: Varnish fetches the rail
  (:func:`rail_view`) on its own short lifetime and splices it in, the page
  staying cached for its own;
* otherwise (the embedded mode, no JavaScript needed), with the rail's HTML,
  kept here at most a third of ``RAIL_MAX_AGE``: a cheap string replace.

Each layer that keeps a rail (the list cache of ``rankings.selectors``, this
module's copy, Varnish's copy of ``/rails/``) keeps it at most
``RAIL_MAX_AGE / 3`` seconds, so a rail is at most ``RAIL_MAX_AGE`` seconds
older than the newest snapshot. Conditional GETs are answered here too, since
a stored page's ETag does not cover its rail.

Which lists a rail holds: the section's "Top Articles" (when the page has a
section) and the site-wide Access Ranking, of one ranking window: the default
window (``rail_slot(section)``, the main rail of every page), or another one
named in the marker (``rail_slot(window="7d")``, the home page's "This week"
list). Each window's rail carries the surrogate key ``rank-<window>``.

An article page's rail never lists the article being read: its marker carries
the article's id, and where the article is in one of the rail's lists a
variant without it is rendered (each list reads one entry more, so it still
shows five). Every other article shares the section's one rail: at most ten
variants per section, window and time slot, however large the archive.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from newsroom.caching.fragments import fragment_local_get, fragment_local_set
from newsroom.edge import edge_keys_add

# The section's id, slug and name travel in the marker: filling it needs no query, and a renamed
# section (which re-renders its pages) gets a rail of its own name at once.
# An article page's marker goes on with ":<article id>", the article its rail leaves out, and a rail
# of a window other than the default one ends with "@<window>".
MARKER = "<!--newsroom-rail:{}:{}{}{}-->"
_MARKER_RE = re.compile(
    rb"<!--newsroom-rail:(\d{1,19}):([A-Za-z0-9_=-]*)(?::(\d{1,19}))?(?:@([A-Za-z0-9_-]{1,32}))?-->"
)
_MARKER_PREFIX = b"<!--newsroom-rail:"
MAX_ID = 2**63 - 1
NOT_MODIFIED_HEADERS = ("Cache-Control", "ETag", "Content-Location", "Expires", "X-Cache")


def rail_seconds() -> int:
    """How long each layer may keep a rail: a third of ``RAIL_MAX_AGE`` (at least 1 s)."""
    return max(1, int(settings.RAIL_MAX_AGE) // 3)


def _id_or_none(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID else None


def rail_window_known(window) -> bool:
    """Whether ``window`` names a configured ranking window (``RANKINGS["WINDOWS"]``)."""
    return isinstance(window, str) and window in settings.RANKINGS["WINDOWS"]


def rail_slot(section=None, exclude=None, window=None) -> SafeString:
    """The marker a page holds where its rail (the site-wide list, plus ``section``'s) goes.

    ``exclude``: the id of the article the page shows, which its rail leaves out.
    ``window``: the ranking window of the rail's lists (a key of ``RANKINGS["WINDOWS"]``);
    None, the default window's rail.
    """
    if window is not None and not rail_window_known(window):
        raise ValueError(f"rail_slot: {window!r} is not a configured ranking window")
    exclude = _id_or_none(exclude)
    tail = f":{exclude}" if exclude else ""
    window_tail = f"@{window}" if window is not None else ""
    if not isinstance(getattr(section, "pk", None), int):  # no section (or an undefined one)
        return mark_safe(MARKER.format(0, "", tail, window_tail))  # noqa: S308 - digits and a configured name
    data = base64.urlsafe_b64encode(json.dumps([section.slug, section.name]).encode()).decode()
    return mark_safe(MARKER.format(section.pk, data, tail, window_tail))  # noqa: S308 - digits, base64, a name


def rail_html(
    section_id: int, data: str = "", *, generation=None, exclude: int | None = None, window: str | None = None
) -> str:
    """The rail's HTML for ``section_id`` (0: site-wide list only), this process's copy for ``rail_seconds()``.

    ``data``: the marker's slug and name of the section; without it (``/rails/``) the section is read.
    ``generation``: the page cache's, read by ``PageCacheMiddleware``: a change to the content (an
    article withdrawn) renders the rail again at once. ``exclude``: an article id the lists leave out.
    ``window``: the lists' ranking window (None: the default one; an unknown one shows empty lists).
    """
    from rankings.selectors import ranking_window_default

    seconds = rail_seconds()
    # Keyed by the time slot, not a generation: a page-cache hit pays no cache round trip for it.
    key = f"rail:{window or ''}:{section_id}:{data}:{generation}:{int(time.time() // seconds)}"
    html, listed = fragment_local_get(key), fragment_local_get(f"{key}:ids")
    if html is None or listed is None:
        html, ids = _rail_render(section_id, data, window=window)
        listed = ",".join(str(pk) for pk in sorted(ids))
        fragment_local_set(key, html, seconds=seconds)
        fragment_local_set(f"{key}:ids", listed, seconds=seconds)
    if exclude and str(exclude) in listed.split(","):
        # The article being read is in a list: its own variant (at most one per listed article).
        variant_key = f"{key}:x{exclude}"
        variant = fragment_local_get(variant_key)
        if variant is None:
            variant, _ = _rail_render(section_id, data, exclude=exclude, window=window)
            fragment_local_set(variant_key, variant, seconds=seconds)
        html = variant
    edge_keys_add(f"rank-{window or ranking_window_default()}")
    return html


def _rail_render(
    section_id: int, data: str, *, exclude: int | None = None, window: str | None = None
) -> tuple[str, set[int]]:
    """The rail's HTML and the ids of the articles its lists show (read from the same cached lists)."""
    from articles.models import Section
    from rankings import selectors
    from rankings.templatetags.rankings import ranking_access, ranking_top_in_section

    context = {"request": None}
    section = None
    if section_id and data:
        try:
            slug, name = json.loads(base64.urlsafe_b64decode(data.encode()))
            section = Section(pk=section_id, slug=str(slug), name=str(name))
        except (ValueError, TypeError):
            section = None
    if section_id and section is None:
        section = Section.objects.filter(pk=section_id).only("id", "name", "slug").first()
    parts = [ranking_top_in_section(context, section, window=window, exclude=exclude)] if section is not None else []
    parts.append(ranking_access(context, window=window, exclude=exclude))
    ids = {entry.article_id for entry in selectors.ranking_access(window=window)}
    if section is not None:
        ids.update(entry.article_id for entry in selectors.ranking_top_in_section(section, window=window))
    return "".join(str(part) for part in parts), ids


@require_safe
def rail_view(request, section_id: int, article_id: int | None = None, window: str | None = None):
    """``/rails/<section id>/`` (``/<article id>/``: without that article), the rail alone, for edge-side includes.

    ``/rails/w/<window>/...``: the rail of that ranking window (404 for one not configured).
    """
    if section_id > MAX_ID or (article_id is not None and not _id_or_none(article_id)):
        raise Http404("No such section")
    if window is not None and not rail_window_known(window):
        raise Http404("No such ranking window")
    if section_id:
        edge_keys_add(f"s{section_id}")  # a renamed section purges its rails too
    html = rail_html(section_id, exclude=article_id, window=window)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    seconds = rail_seconds()
    response["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}"
    return response


def rail_src(section_id: int, *, exclude: int | None = None, window: str | None = None) -> str:
    """The URL of a rail alone (:func:`rail_view`), which an edge-side include names."""
    prefix = f"/rails/w/{window}/" if window is not None else "/rails/"
    return f"{prefix}{section_id}/{exclude}/" if exclude else f"{prefix}{section_id}/"


def _esi_include(match: re.Match) -> bytes:
    window = match.group(4).decode() if match.group(4) else None
    exclude = int(match.group(3)) if match.group(3) else None
    return b'<esi:include src="%s"/>' % rail_src(int(match.group(1)), exclude=exclude, window=window).encode()


def _etag_matches(if_none_match: str, etag: str) -> bool:
    from django.utils.http import parse_etags

    candidates = parse_etags(if_none_match)
    return "*" in candidates or any(candidate.removeprefix("W/") == etag for candidate in candidates)


class RailSpliceMiddleware:
    """Fills the rail markers of a reader page: edge-side includes behind Varnish, the rail's HTML otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        # The page cache's ETag is of the page without its rail: conditional GETs are answered here.
        if_none_match = request.META.pop("HTTP_IF_NONE_MATCH", None)
        response = self.get_response(request)
        if response.streaming:
            return response
        body = response.content
        if response.status_code == 200 and _MARKER_PREFIX in body:
            if "ESI/1.0" in request.headers.get("Surrogate-Capability", ""):
                body = _MARKER_RE.sub(_esi_include, body)
                response["Surrogate-Control"] = 'content="ESI/1.0"'
            else:
                generation = getattr(request, "page_generation", None)
                body = _MARKER_RE.sub(
                    lambda m: rail_html(
                        int(m.group(1)),
                        m.group(2).decode(),
                        generation=generation,
                        exclude=int(m.group(3)) if m.group(3) else None,
                        window=m.group(4).decode() if m.group(4) else None,
                    ).encode(),
                    body,
                )
                if response.has_header("ETag"):
                    response["ETag"] = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
            response.content = body
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(body))
        if if_none_match and response.has_header("ETag") and _etag_matches(if_none_match, response["ETag"]):
            not_modified = HttpResponseNotModified()
            for name in NOT_MODIFIED_HEADERS:
                if response.has_header(name):
                    not_modified[name] = response[name]
            return not_modified
        return response
