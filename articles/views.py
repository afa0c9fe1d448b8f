from django.shortcuts import get_object_or_404, render

from articles.models import Article
from articles.selectors import article_list_latest


def home(request):
    return render(request, "articles/home.html", {"latest": article_list_latest(limit=20)})


def render_article(request, article: Article, *, preview: bool = False):
    """Render the article page; the admin's staff-only preview calls this with preview=True."""
    return render(request, "articles/article_detail.html", {"article": article, "preview": preview})


def article_detail(request, pk, slug):
    article = get_object_or_404(Article.objects.published().select_related("section", "lead_photo"), pk=pk)
    return render_article(request, article)


def section_detail(request, slug):
    raise NotImplementedError


def author_detail(request, slug):
    raise NotImplementedError


def tag_detail(request, slug):
    raise NotImplementedError


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
