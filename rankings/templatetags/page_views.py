"""The page-view beacon tag: ``{% load page_views %}{% page_view_beacon article %}``.

Renders one external, deferred script (no inline JavaScript, so the CSP needs
no exception) that carries the beacon endpoint, the article id and a signed,
expiring token in ``data-`` attributes. The markup is the same for every
reader, so the page stays fully cacheable by Django and by a CDN; no cookie
and no session are involved.
"""

import time
from functools import lru_cache

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from newsroom.caching.urls import reverse_cached
from rankings.tokens import page_view_token_make

register = template.Library()


@register.simple_tag
def page_view_beacon(article):
    """The deferred script that reports one view of ``article``; nothing for unpublished articles (previews)."""
    if article is None or not article.pk or not article.is_visible():
        return ""
    return _beacon_script(article.pk, int(time.time()), settings.SECRET_KEY)


@lru_cache(maxsize=1024)
def _beacon_script(article_id: int, second: int, secret_key: str) -> SafeString:
    # A token carries its signing time in whole seconds, so every render of the same
    # article within one second signs the same token: sign it once. The secret is in the
    # key so a rotated SECRET_KEY never serves a token signed with the old one.
    return format_html(
        '<script src="{}" defer data-endpoint="{}" data-article="{}" data-token="{}"></script>',
        static("js/beacon.js"),
        reverse_cached("rankings:beacon"),
        article_id,
        page_view_token_make(article_id=article_id),
    )
