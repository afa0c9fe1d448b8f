import json

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# Browsers re-read the manifest about daily; the icons it names are content-hashed.
MANIFEST_SECONDS = 86400
# The site's colours: the masthead's paper in light and dark mode (static/css/site.css).
THEME_COLOR_LIGHT = "#ffffff"
THEME_COLOR_DARK = "#121417"
BRAND_COLOR = "#0b3d91"


@never_cache
def healthz(request):
    """Liveness probe for load balancers: no database, no templates."""
    return HttpResponse(b"ok", content_type="text/plain")


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links to."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@require_safe
def web_manifest(request):
    """``/manifest.webmanifest``: name, colours and icons for "Add to Home Screen" (no query)."""
    manifest = {
        "name": settings.SITE_NAME,
        "short_name": settings.SITE_NAME.removeprefix("The ").strip()[:12] or settings.SITE_NAME,
        "description": "News from every section, updated around the clock.",
        "lang": "en",
        "start_url": "/",
        "scope": "/",
        "display": "browser",
        "background_color": THEME_COLOR_LIGHT,
        "theme_color": BRAND_COLOR,
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/logo.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("img/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = HttpResponse(
        json.dumps(manifest, ensure_ascii=False, indent=1), content_type="application/manifest+json; charset=utf-8"
    )
    patch_cache_control(response, public=True, max_age=MANIFEST_SECONDS)
    return response
