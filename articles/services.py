"""Writes and side effects on articles."""

from django.db.models import Count, Max, Q

from articles.models import Article, ArticleUpdate


def article_update_summary_refresh(*, article_id: int) -> None:
    """Recompute the denormalised ``update_count`` and ``last_updated_at`` of one article.

    Called whenever an ArticleUpdate is saved or deleted (admin inline,
    importer, shell), so "(UPDATE n)" can never drift from the log.
    """
    summary = ArticleUpdate.objects.filter(article_id=article_id).aggregate(
        updates=Count("id", filter=Q(kind=ArticleUpdate.Kind.UPDATE)),
        last=Max("created_at"),
    )
    Article.objects.filter(pk=article_id).update(update_count=summary["updates"], last_updated_at=summary["last"])
