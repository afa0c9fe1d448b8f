"""The HTTP cache in front (Varnish, a CDN): surrogate keys on responses and purges by key.

**Surrogate keys.** Every reader response names what it shows in an ``xkey``
header (space-separated): ``a<id>`` for each article on it (the article page,
every item of a list), ``s<id>`` a section page, ``t<id>`` a tag page,
``au<id>`` an author page, ``p<id>`` each photo shown, ``home``, ``feed``, ``sitemap``, ``search``,
``rank-<window>`` a ranking list, and ``site`` on every page (the navigation).
Views, selectors and models add keys while the response is rendered
(:func:`edge_keys_add`) to a per-request collector that
:class:`EdgeKeysMiddleware` opens and turns into the header. Collecting costs
no query: the keys come from objects already loaded.

**Purges.** ``newsroom.invalidation`` decides which keys a change
invalidates and hands them, once the transaction commits, to every purge
backend :func:`edge_purgers` returns (``NEWSROOM_EDGE_PURGE_URLS``). A backend
implements :class:`EdgePurger` (``purge_keys``); :class:`VarnishXkeyPurger`
sends ``PURGE /`` with an ``xkey-purge`` header, which
``deploy/varnish/newsroom.vcl`` hands to vmod xkey. A CDN backend would do the
same with its own API (the README's "At the edge" section: Fastly, Cloudflare,
CloudFront). Errors are logged, never raised: an editor's save never fails
because a cache is unreachable (its copies expire after ``s-maxage`` anyway).

**Warming.** After the purge of an edited article, its own page is fetched
through each cache once per encoding (``EdgePurger.warm_paths``), before the
save returns: the readers' next request is a hit on the new copy, instead of
a miss each of them waits for while a busy app server renders it (the
render after an edit is a cold one: every fragment's generation moved). The
warm request is a reader's: ``NEWSROOM_SITE_URL``'s host (Varnish keys copies
by host) and no cookie. A CDN backend may leave it a no-op.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

# The response header that names a page's surrogate keys (vmod xkey reads this one).
KEYS_HEADER = "xkey"
# Every page carries this key: what every page shows (the navigation) changed.
SITE_KEY = "site"
# Beyond this many article keys (a sitemap of thousands) a response keeps only its other keys:
# headers must stay small (Varnish's http_resp_hdr_len is 8 KiB), and such lists carry a list key
# (``sitemap``, ``feed``) that every article change purges.
MAX_ARTICLE_KEYS = 200

_collector: ContextVar[set[str] | None] = ContextVar("newsroom_edge_keys", default=None)


def edge_keys_add(*keys: str) -> None:
    """Add ``keys`` to the current response's surrogate keys (nothing outside a reader request)."""
    collected = _collector.get()
    if collected is not None:
        collected.update(keys)


def edge_keys_start() -> set[str]:
    """Open a collector for this request (``EdgeKeysMiddleware`` and the rail view)."""
    collected: set[str] = set()
    _collector.set(collected)
    return collected


def edge_keys_stop() -> None:
    _collector.set(None)


def edge_keys_header(keys: Iterable[str]) -> str:
    """The ``xkey`` header value for ``keys``: sorted, article keys dropped past ``MAX_ARTICLE_KEYS``."""
    keys = set(keys)
    articles = {key for key in keys if key.startswith("a") and key[1:].isdigit()}
    if len(articles) > MAX_ARTICLE_KEYS:
        keys -= articles
    return " ".join(sorted(keys))


# Keys named by the URL alone (view name -> key); per-object keys come from the views and models.
VIEW_KEYS = {
    "articles:home": "home",
    "articles:search": "search",
    "syndication:feed": "feed",
    "syndication:atom": "feed",
    "syndication:section_feed": "feed",
    "syndication:section_atom": "feed",
    "syndication:tag_feed": "feed",
    "syndication:tag_atom": "feed",
    "syndication:sitemap": "sitemap",
    "syndication:sitemap_news": "sitemap",
    "syndication:sitemap_section": "sitemap",
}


class EdgeKeysMiddleware:
    """Collects the surrogate keys of an anonymous ``GET``/``HEAD`` and sends them as ``xkey``.

    Sits after ``PageCacheMiddleware``, so stored pages keep their header and
    every hit replays it. Personal (private) responses get none: no shared
    cache keeps them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        collected = edge_keys_start()
        try:
            response = self.get_response(request)
        finally:
            edge_keys_stop()
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in VIEW_KEYS:
            collected.add(VIEW_KEYS[match.view_name])
        if "private" not in response.get("Cache-Control", "") and not response.has_header(KEYS_HEADER):
            collected.add(SITE_KEY)
            response[KEYS_HEADER] = edge_keys_header(collected)
        return response


# --- Purge backends ---------------------------------------------------------------------------


class EdgePurger:
    """A cache in front that can drop every copy carrying one of some surrogate keys."""

    def purge_keys(self, keys: Iterable[str]) -> None:
        """Drop every cached response that carries any of ``keys``; log errors, never raise."""
        raise NotImplementedError

    def warm_paths(self, paths: Iterable[str]) -> None:
        """Fetch each of ``paths`` through the cache, as a reader would, so it holds them again; log errors."""
        return None


class VarnishXkeyPurger(EdgePurger):
    """One Varnish running ``deploy/varnish/newsroom.vcl``: ``PURGE /`` with ``xkey-purge: <keys>``."""

    # Keys per request: keeps the header far below Varnish's http_req_hdr_len (8 KiB).
    KEYS_PER_REQUEST = 300
    # The VCL keeps one copy per encoding (X-Edge-Encoding): each is warmed.
    WARM_ENCODINGS = ("br", "gzip")

    def __init__(self, url: str, *, timeout: float = 1.0):
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"NEWSROOM_EDGE_PURGE_URLS: {url!r} is not an http:// URL")
        self.url = url
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"VarnishXkeyPurger({self.url!r})"

    def purge_keys(self, keys: Iterable[str]) -> None:
        keys = sorted(set(keys))
        for start in range(0, len(keys), self.KEYS_PER_REQUEST):
            chunk = " ".join(keys[start : start + self.KEYS_PER_REQUEST])
            try:
                self.request(chunk)
            except (OSError, http.client.HTTPException) as exc:
                logger.error("edge purge of %s at %s failed: %s", chunk, self.url, exc)

    def warm_paths(self, paths: Iterable[str]) -> None:
        site = urlsplit(settings.SITE_URL)
        headers = {"Host": site.netloc, "User-Agent": "newsroom-edge-warm"}
        if site.scheme == "https":
            # Readers come through the TLS proxy, which says so (SECURE_PROXY_SSL_HEADER).
            headers["X-Forwarded-Proto"] = "https"
        for path in paths:
            for encoding in self.WARM_ENCODINGS:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                try:
                    connection.request("GET", path, headers={**headers, "Accept-Encoding": encoding})
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException) as exc:
                    # Varnish finishes a fetch it started and keeps it: readers wait for that one.
                    logger.warning("edge warm of %s at %s failed: %s", path, self.url, exc)
                    break
                finally:
                    connection.close()

    def request(self, keys: str) -> int:
        """Send one purge of ``keys`` (space-separated); return the status (non-200 is logged)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request("PURGE", "/", headers={"xkey-purge": keys, "Host": self.host})
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        if response.status != 200:
            logger.error("edge purge of %s at %s answered %s", keys, self.url, response.status)
        return response.status


def edge_purgers() -> list[EdgePurger]:
    """The purge backends of ``NEWSROOM_EDGE_PURGE_URLS`` (one Varnish each), none when unset."""
    return _purgers(tuple(settings.EDGE_PURGE_URLS), float(settings.EDGE_PURGE_TIMEOUT))


@lru_cache(maxsize=4)
def _purgers(urls: tuple[str, ...], timeout: float) -> list[EdgePurger]:
    return [VarnishXkeyPurger(url, timeout=timeout) for url in urls]


def edge_purge(keys: Iterable[str], *, warm_paths: Iterable[str] = ()) -> None:
    """Purge ``keys`` at every configured cache in front, now, then warm ``warm_paths`` there.

    ``newsroom.invalidation`` calls it once the transaction of the change commits.
    """
    keys, paths = set(keys), list(dict.fromkeys(warm_paths))
    if not keys and not paths:
        return
    purgers = edge_purgers()
    for purger in purgers:
        if keys:
            purger.purge_keys(keys)
    for purger in purgers:
        if paths:
            purger.warm_paths(paths)


# --- The VCL ---------------------------------------------------------------------------------


def edge_vcl_render(*, backends: list[tuple[str, int]], template: str | None = None) -> str:
    """``deploy/varnish/newsroom.vcl`` with its placeholders filled: app servers, query parameters, ``EDGE_TTL``."""
    from newsroom.caching.middleware import page_cache_query_known
    from newsroom.rails import rail_seconds

    if template is None:
        template = (settings.BASE_DIR / "deploy" / "varnish" / "newsroom.vcl").read_text()
    declared = "\n".join(
        f'backend app{n} {{\n    .host = "{host}";\n    .port = "{port}";\n    .probe = healthz;\n'
        "    .connect_timeout = 1s;\n    .first_byte_timeout = 30s;\n}"
        for n, (host, port) in enumerate(backends, start=1)
    )
    added = "\n".join(f"    app.add_backend(app{n});" for n in range(1, len(backends) + 1))
    params = "|".join(sorted(page_cache_query_known()))
    filled = template.replace("@BACKENDS@", declared).replace("@DIRECTOR_ADD@", added)
    filled = filled.replace("@QUERY_PARAMS@", params).replace("@EDGE_TTL@", str(int(settings.EDGE_TTL)))
    filled = filled.replace("@PAGE_CACHE_SECONDS@", str(int(settings.PAGE_CACHE_SECONDS)))
    return filled.replace("@RAIL_GRACE@", f"{rail_seconds() / 2:g}")
