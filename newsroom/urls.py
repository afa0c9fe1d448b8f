from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from newsroom import rails, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links to.
    path("favicon.ico", views.favicon),
    path("manifest.webmanifest", views.web_manifest, name="web_manifest"),
    path("admin/", admin.site.urls),
    # Ranking rails alone: edge-side includes behind Varnish (newsroom.rails).
    path("rails/<int:section_id>/", rails.rail_view, name="rail"),
    path("rails/<int:section_id>/<int:article_id>/", rails.rail_view, name="rail-without"),
    # The rail of another ranking window (the home page's "This week").
    path("rails/w/<slug:window>/<int:section_id>/", rails.rail_view, name="rail-window"),
    path("rails/w/<slug:window>/<int:section_id>/<int:article_id>/", rails.rail_view, name="rail-window-without"),
    path("", include("rankings.urls")),
    # Feeds, sitemaps, robots.txt: before articles.urls so /section/<slug>/feed/ is never a page.
    path("", include("articles.urls_syndication")),
    # Trust pages (/about/, /contact/...) and /corrections/.
    path("", include("pages.urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    # Development only: production serves media from the web server or object storage.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "articles.views.page_not_found"
handler500 = "articles.views.server_error"
