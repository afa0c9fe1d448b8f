"""The page-view beacon tag: ``{% load page_views %}{% page_view_beacon article %}``.

Renders one external, deferred script (no inline JavaScript, so the CSP needs
no exception) that carries the beacon endpoint, the article id and a signed,
expiring token in ``data-`` attributes. The markup is the same for every
reader, so the page stays fully cacheable by Django and by a CDN; no cookie
and no session are involved.
"""

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

from rankings.tokens import page_view_token_make

register = template.Library()


@register.simple_tag
def page_view_beacon(article):
    """The deferred script that reports one view of ``article``; nothing for unpublished articles (previews)."""
    if article is None or not article.pk or not article.is_visible():
        return ""
    return format_html(
        '<script src="{}" defer data-endpoint="{}" data-article="{}" data-token="{}"></script>',
        static("js/beacon.js"),
        reverse("rankings:beacon"),
        article.pk,
        page_view_token_make(article_id=article.pk),
    )
