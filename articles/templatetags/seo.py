"""Head meta: title/description, canonical, Open Graph, Twitter card, JSON-LD. PLACEHOLDER."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def seo_article(context, article):
    """All head tags for an article page (canonical, OG, Twitter, JSON-LD NewsArticle)."""
    return ""


@register.simple_tag(takes_context=True)
def seo_page(context, *, title, description="", feed_url=""):
    """Head tags for a non-article page (canonical, description, OG, feed autodiscovery)."""
    return ""
