"""Composed reads of articles for pages, feeds and other apps."""

from articles.models import Article, Section


def article_list_latest(*, section: Section | int | None = None, limit: int = 10) -> list[Article]:
    """Newest published articles, site-wide or in one section, with only listing columns."""
    qs = Article.objects.published().for_listing().newest_first()
    if section is not None:
        qs = qs.in_section(section)
    return list(qs[:limit])
