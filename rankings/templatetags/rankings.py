"""Template tags that put the ranking lists on pages.

PLACEHOLDER until the rankings work lands: both lists show the latest
published articles. Templates use them as::

    {% load rankings %}
    {% ranking_top_in_section section %}
    {% ranking_access %}
"""

from django import template

from articles.selectors import article_list_latest

register = template.Library()


@register.inclusion_tag("rankings/includes/ranking_list.html")
def ranking_top_in_section(section):
    entries = [
        {"headline": a.display_headline, "url": a.get_absolute_url(), "movement": "same"}
        for a in article_list_latest(section=section, limit=5)
    ]
    return {"title": f"Top Articles in {section.name}", "entries": entries, "list_id": f"top-{section.slug}"}


@register.inclusion_tag("rankings/includes/ranking_list.html")
def ranking_access():
    entries = [
        {"headline": a.display_headline, "url": a.get_absolute_url(), "movement": "same"}
        for a in article_list_latest(limit=5)
    ]
    return {"title": "Access Ranking", "entries": entries, "list_id": "access-ranking"}
