"""Feeds, sitemaps and robots.txt. Included from newsroom/urls.py before articles.urls."""

from django.urls import path, re_path

from articles import feeds, sitemaps

app_name = "syndication"

urlpatterns = [
    path("feed/", feeds.SiteRssFeed(), name="feed"),
    path("atom/", feeds.SiteAtomFeed(), name="atom"),
    path("section/<slug:slug>/feed/", feeds.SectionRssFeed(), name="section_feed"),
    path("section/<slug:slug>/atom/", feeds.SectionAtomFeed(), name="section_atom"),
    # Tag slugs may hold non-ASCII letters (taggit slugifies with allow_unicode), as on the tag page.
    re_path(r"^tag/(?P<slug>[-\w]+)/feed/$", feeds.TagRssFeed(), name="tag_feed"),
    re_path(r"^tag/(?P<slug>[-\w]+)/atom/$", feeds.TagAtomFeed(), name="tag_atom"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    # Before the generic pattern, which would otherwise take "news" as a section.
    path("sitemap-news.xml", sitemaps.sitemap_news, name="sitemap_news"),
    re_path(
        r"^sitemap-articles-(?P<year>[0-9]{4})-(?P<month>[0-9]{2})\.xml$", sitemaps.sitemap_month, name="sitemap_month"
    ),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
]
