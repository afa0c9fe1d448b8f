"""Reads of the trust pages and the public corrections list."""

from django.db.models import QuerySet

from articles.models import Article, ArticleUpdate
from pages.models import FOOTER_ORDER, TrustPage


def trust_page_list_published() -> list[TrustPage]:
    """The published trust pages in footer order, titles and kinds only. One query."""
    pages = {page.kind: page for page in TrustPage.objects.filter(is_published=True).only("id", "kind", "title")}
    return [pages[kind] for kind in FOOTER_ORDER if kind in pages]


def trust_page_for_kind(*, kind: str) -> TrustPage | None:
    """The published page of one kind, or None."""
    return TrustPage.objects.filter(kind=kind, is_published=True).first()


def correction_list_public() -> QuerySet[ArticleUpdate]:
    """Corrections of articles readers may see, newest first, with the article's link columns joined (lazy)."""
    return (
        ArticleUpdate.objects.filter(kind=ArticleUpdate.Kind.CORRECTION, article__in=Article.objects.published())
        .select_related("article", "article__section")
        .only(
            "id",
            "note",
            "created_at",
            "article__id",
            "article__headline",
            "article__slug",
            "article__update_count",
            "article__section__id",
            "article__section__name",
            "article__section__slug",
        )
        .order_by("-created_at", "-id")
    )
