"""Template tags that put the ranking lists on reader pages.

    {% load rankings %}
    {% ranking_top_in_section article.section %}    "Top Articles in <Section>"
    {% ranking_access %}                              site-wide "Access Ranking"
    {% ranking_access window="7d" %}                  another configured window

Each list reads the current snapshot through ``rankings.selectors``: at most
one query, none when cached. Before the first ``update_rankings`` the list is
empty and shows an empty state (see ``rankings.selectors``).

The rendered HTML of a list is cached too, next to the list itself: under the
same generation token and lifetime as ``rankings.selectors`` keeps the list,
so it is exactly as fresh as the list, and a page render skips both the list
read and its template.
"""

import hashlib
from dataclasses import replace

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from jinja2 import pass_context

from newsroom.caching.fragments import fragment_by_key
from rankings import selectors

register = template.Library()

LIST_TEMPLATE = "rankings/includes/ranking_list.html"


def _list_html(*, scope: str, window, title: str, list_id: str, entries, request=None, exclude=None) -> SafeString:
    """The list's HTML, rendered once per rankings generation and kept as long as the list itself.

    The key holds the generation (``rankings.selectors.ranking_cache_generation``),
    so the HTML behind it never changes: ``newsroom.caching.fragments.fragment_by_key``
    keeps it in this process and in the shared cache. ``exclude`` (an article id)
    is in the key too: the list without that article (``_entries_without``).
    """
    parts = "\x1f".join(
        str(part) for part in (scope, window, title, list_id, settings.RANKINGS["SHOWN_ENTRIES"], exclude)
    )
    digest = hashlib.blake2b(parts.encode(), digest_size=12).hexdigest()
    key = f"rankings:{selectors.ranking_cache_generation(request=request)}:html:{digest}"

    def render() -> str:
        context = {"title": title, "entries": entries(), "list_id": list_id, "more_url_window": window}
        return get_template(LIST_TEMPLATE).render(context)

    seconds = selectors.list_cache_seconds()
    return fragment_by_key(key, render=render, seconds=seconds)


def _entries_without(read, exclude):
    """``read(limit=...)``'s shown entries, without article ``exclude``: one more is read, so the list stays full."""
    shown = settings.RANKINGS["SHOWN_ENTRIES"]
    if not isinstance(exclude, int):  # nothing to leave out (or an undefined template variable)
        return read(limit=None)
    kept = [entry for entry in read(limit=shown + 1) if entry.article_id != exclude]
    return [replace(entry, position=position) for position, entry in enumerate(kept[:shown], start=1)]


def _exclude_id(exclude) -> int | None:
    return exclude if isinstance(exclude, int) and not isinstance(exclude, bool) else None


@register.simple_tag(takes_context=True)
@pass_context
def ranking_top_in_section(context, section, window=None, exclude=None) -> SafeString:
    """Top articles of ``section`` (a Section) in ``window`` (default: the first configured window).

    ``exclude``: the id of an article left out (the one being read); the next one takes its place.
    """
    if section is None or getattr(section, "pk", None) is None:
        return mark_safe("")  # noqa: S308 - empty
    exclude = _exclude_id(exclude)
    return _list_html(
        scope=f"s{section.pk}",
        window=window,
        title=f"Top Articles in {section.name}",
        list_id=f"ranking-top-{section.slug}",
        entries=lambda: _entries_without(
            lambda limit: selectors.ranking_top_in_section(section, window=window, limit=limit), exclude
        ),
        request=context.get("request"),
        exclude=exclude,
    )


@register.simple_tag(takes_context=True)
@pass_context
def ranking_access(context, window=None, exclude=None) -> SafeString:
    """The site-wide Access Ranking in ``window`` (default: the first configured window), without ``exclude``."""
    exclude = _exclude_id(exclude)
    return _list_html(
        scope="site",
        window=window,
        title="Access Ranking",
        list_id="ranking-access" if window is None else f"ranking-access-{window}",
        entries=lambda: _entries_without(lambda limit: selectors.ranking_access(window=window, limit=limit), exclude),
        request=context.get("request"),
        exclude=exclude,
    )
