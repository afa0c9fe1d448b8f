"""Template tags that put the ranking lists on reader pages.

    {% load rankings %}
    {% ranking_top_in_section article.section %}    "Top Articles in <Section>"
    {% ranking_access %}                              site-wide "Access Ranking"
    {% ranking_access window="7d" %}                  another configured window

Each list reads the current snapshot through ``rankings.selectors``: at most
one query, none when cached. Before the first ``update_rankings`` the list is
empty and shows an empty state (see ``rankings.selectors``).
"""

from django import template

from rankings import selectors

register = template.Library()

LIST_TEMPLATE = "rankings/includes/ranking_list.html"


@register.inclusion_tag(LIST_TEMPLATE)
def ranking_top_in_section(section, window=None):
    """Top articles of ``section`` (a Section) in ``window`` (default: the first configured window)."""
    if section is None or getattr(section, "pk", None) is None:
        return {"hidden": True}
    return {
        "title": f"Top Articles in {section.name}",
        "entries": selectors.ranking_top_in_section(section, window=window),
        "list_id": f"ranking-top-{section.slug}",
        "more_url_window": window,
    }


@register.inclusion_tag(LIST_TEMPLATE)
def ranking_access(window=None):
    """The site-wide Access Ranking in ``window`` (default: the first configured window)."""
    return {
        "title": "Access Ranking",
        "entries": selectors.ranking_access(window=window),
        "list_id": "ranking-access" if window is None else f"ranking-access-{window}",
        "more_url_window": window,
    }
