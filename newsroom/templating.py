"""The Jinja2 environment of the reader pages (``templates/``).

Reader pages render on every page-cache miss, and Django's template language
spent most of an uncached article page's time walking its nodes; Jinja2
compiles each template to Python once per process. The helpers are the
template tags' own functions (``articles.templatetags``,
``rankings.templatetags``): each is a plain function that both engines can
call, so the admin's Django templates and the reader pages share one
implementation.

In templates: ``url(name, *args, **kwargs)``, ``static(path)``, the filters
``jst``, ``jst_iso``, ``time_jst``, ``with_dateline``, ``linebreaks`` and
``truncatechars``, and the globals below (``photo_picture(...)``,
``seo_article(article)``, ``ranking_access()``...).
"""

from django.template.defaultfilters import linebreaks_filter, truncatechars
from django.templatetags.static import static
from jinja2 import ChainableUndefined, Environment

from articles.templatetags import news, photos, seo
from newsroom.caching.urls import reverse_cached
from newsroom.rails import rail_slot
from pages.templatetags import trust
from rankings.selectors import ranking_window_label
from rankings.templatetags import page_views, rankings


def url(viewname: str, *args, **kwargs) -> str:
    """``{% url %}`` for Jinja2: ``url("articles:tag", tag.slug)`` (remembered, see ``newsroom.caching.urls``)."""
    return reverse_cached(viewname, *args, **kwargs)


def environment(**options) -> Environment:
    # Missing variables (and their attributes) render as nothing, as in Django templates, in DEBUG too.
    options["undefined"] = ChainableUndefined
    # Django templates keep a file's last newline (robots.txt ends with one).
    options.setdefault("keep_trailing_newline", True)
    env = Environment(**options)  # noqa: S701 - Django's backend passes autoescape=True
    env.globals.update(
        url=url,
        static=static,
        site_header=news.site_header,
        site_footer=news.site_footer,
        page_url=news.page_url,
        photo_picture=photos.photo_picture,
        photo_crop_url=photos.photo_crop_url,
        seo_article=seo.seo_article,
        seo_page=seo.seo_page,
        json_ld_front_page=seo.json_ld_front_page,
        json_ld_author=seo.json_ld_author,
        ranking_top_in_section=rankings.ranking_top_in_section,
        ranking_access=rankings.ranking_access,
        page_view_beacon=page_views.page_view_beacon,
        rail_slot=rail_slot,
        footer_links=trust.footer_links,
        organization_json_ld=trust.organization_json_ld,
        front_page_organization=trust.front_page_organization,
        ranking_window_label=ranking_window_label,
    )
    env.filters.update(
        jst=news.jst,
        jst_iso=news.jst_iso,
        time_jst=news.time_jst,
        with_dateline=news.with_dateline,
        linebreaks=linebreaks_filter,
        truncatechars=truncatechars,
    )
    return env
