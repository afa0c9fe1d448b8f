"""Full-page cache for anonymous readers, with CDN-friendly ``Cache-Control`` and conditional GET.

Sits right after SecurityMiddleware and WhiteNoise, so a hit skips everything
else: no CSP policy build, no session, no auth, no URL resolution, no
database. A hit costs one cache round trip (``MGET`` of the generation, the
page and the next publication time; ``newsroom.caching.backends`` keeps the Redis client), or
with the local-memory cache one lookup and one ``stat()``.

What is stored: anonymous ``GET`` responses with status 200 or 301 that set
no cookie, carry no ``Vary`` header and are not marked private / no-cache /
no-store (``never_cache`` previews are therefore never stored). Stored are the
status, the headers of the original response (the CSP header included, so
hits carry the same policy as the page they replay), the body, and an ETag
computed once from the body.

What is never served from or written to the cache: requests carrying the
session cookie (logged-in editors), the messages cookie or an
``Authorization`` header; other methods; ``/admin/``, ``/rankings/``
(beacon), ``/healthz``, ``/static/``, ``/media/``
(``PAGE_CACHE_EXCLUDED_PREFIXES``). Editors' responses to reader pages are
marked ``private, no-cache`` so no shared cache keeps what they saw.

Keys: scheme + validated host + path + normalised query string, hashed. Only
*known* query parameters are part of the key: those some reader view reads
(``PAGE_CACHE_QUERY_PARAMS``: view name -> parameters, e.g. ``page`` and
``q`` for search); every other one (``?cb=``, ``utm_*``, ``fbclid``) is ignored,
so a random query string is the same page, not a new copy of it. The known
pairs are sorted by name and parsed as Django parses them. A response is
stored only when its view reads every known parameter its key holds (checked
after the view, by ``request.resolver_match.view_name``): ``/?q=<random>`` is
answered uncached, since the home page reads no ``q``. A page is fresh while its recorded generation
equals the current one (see ``newsroom.caching.generation``: in the cache with Redis, a
file's timestamp with the per-process local-memory cache) and its lifetime, capped
before the next scheduled publication, has not run out.

Settings: ``PAGE_CACHE_ENABLED`` (env ``NEWSROOM_PAGE_CACHE``; off = plain
pass-through), ``PAGE_CACHE_SECONDS`` (server and CDN lifetime, ``s-maxage``),
``PAGE_CACHE_BROWSER_SECONDS`` (browser ``max-age``),
``PAGE_CACHE_EXCLUDED_PREFIXES``, ``PAGE_CACHE_QUERY_PARAMS``. ``X-Cache: hit|miss|bypass`` tells what happened.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags

from newsroom.caching.generation import (
    GENERATION_KEY,
    NEXT_DUE_KEY,
    PAGE_KEY_PREFIX,
    page_cache,
    page_cache_available,
    page_cache_failed,
    page_cache_generation,
    page_cache_generation_file,
    page_cache_generation_last_read,
    page_cache_generation_read,
    page_cache_generation_seen,
    page_cache_succeeded,
    page_cache_ttl,
)

# Query strings longer than this are served uncached rather than stored.
MAX_QUERY_LENGTH = 512
# Pages this process last served or stored, kept to answer while Redis is skipped (a few MB).
OUTAGE_COPIES = 256
CACHEABLE_STATUSES = frozenset({200, 301})
# Headers replaced per response rather than replayed from the stored copy.
NOT_STORED_HEADERS = frozenset({"cache-control", "etag", "expires", "x-cache", "set-cookie", "vary"})
# Headers a 304 repeats (RFC 9110 section 15.4.5), besides our own.
NOT_MODIFIED_HEADERS = ("Cache-Control", "ETag", "Content-Location", "Expires", "X-Cache")
UNCACHEABLE_DIRECTIVES = ("private", "no-cache", "no-store")
S_MAXAGE = re.compile(r"\bs-maxage=(\d{1,9})")


def page_cache_query_params() -> dict[str, frozenset[str]]:
    """View name -> the query parameters it reads (``PAGE_CACHE_QUERY_PARAMS``)."""
    configured = settings.PAGE_CACHE_QUERY_PARAMS
    return {view: frozenset(names) for view, names in configured.items()}


def page_cache_query_known() -> frozenset[str]:
    """Every query parameter some reader view reads: the only ones a page's cache key (and its links) keep."""
    return frozenset().union(*page_cache_query_params().values())


def query_normalise(query_string: str, known: frozenset[str] | None = None) -> str:
    """The query string as a cache key part: Django's parsing, only ``known`` names kept, sorted by name.

    The sort is stable, so repeated names keep their order (Django reads the
    last one); blank values are kept because a view may treat them differently.
    """
    if known is None:
        known = page_cache_query_known()
    pairs = [(name, value) for name, value in parse_qsl(query_string, keep_blank_values=True) if name in known]
    pairs.sort(key=lambda pair: pair[0])
    return urlencode(pairs)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of an ``If-None-Match`` header with our (strong) ETag."""
    candidates = parse_etags(if_none_match)
    if "*" in candidates:
        return True
    return any(candidate.removeprefix("W/") == etag for candidate in candidates)


def response_is_storable(response) -> bool:
    """A response that may be replayed to any anonymous reader."""
    if response.status_code not in CACHEABLE_STATUSES or response.streaming or response.cookies:
        return False
    if response.has_header("Vary"):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(directive in cache_control for directive in UNCACHEABLE_DIRECTIVES)


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.PAGE_CACHE_ENABLED
        self.excluded = tuple(settings.PAGE_CACHE_EXCLUDED_PREFIXES)
        self.browser_seconds = int(settings.PAGE_CACHE_BROWSER_SECONDS)
        self.personal_cookies = (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name)
        self.cache = page_cache()
        self.query_params = page_cache_query_params()
        self.query_known = frozenset().union(*self.query_params.values())
        # Local-memory cache: the generation is a file's timestamp (see newsroom.caching.generation).
        self.generation_file = page_cache_generation_file()
        # key -> stored entry, least recently used first: served while the Redis circuit is open.
        self.outage_copies: OrderedDict[str, tuple] = OrderedDict()

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or request.path_info.startswith(self.excluded):
            return self.get_response(request)
        if self.request_is_personal(request):
            response = self.get_response(request)
            self.mark_private(response)
            response["X-Cache"] = "bypass"
            return response
        if not self.enabled:
            return self.get_response(request)
        key, query_names = self.page_key(request)
        if key is None:
            return self.get_response(request)
        if not page_cache_available():
            if self.request_from_edge(request):
                # The edge heard every purge this process may have missed while Redis is skipped (an
                # edit saved on another app server): its miss is rendered from the database, never
                # answered from an outage copy it would then keep. The edge holds the other pages.
                return self.get_response(request)
            return self.outage_replay(request, key) or self.get_response(request)

        try:
            if self.generation_file is None:
                found = self.cache.get_many((GENERATION_KEY, key, NEXT_DUE_KEY))
                generation = found.get(GENERATION_KEY)
                if generation is not None:
                    page_cache_generation_seen(generation)
            else:
                found = self.cache.get_many((key, NEXT_DUE_KEY))
                generation = page_cache_generation_read(self.generation_file)
        except Exception as exc:  # noqa: BLE001 - a cache outage must never take pages down
            page_cache_failed("page lookup", exc)
            return self.get_response(request)
        page_cache_succeeded()
        # For the rail spliced in outside (newsroom.rails): a content change re-renders it too.
        request.page_generation = generation
        entry = found.get(key)
        now = time.time()
        if entry is not None and generation is not None and entry[0] == generation and entry[1] > now:
            self.outage_copy_keep(key, entry)
            return self.replay(request, entry, now)

        if generation is None:
            generation = request.page_generation = page_cache_generation(create=True)
        response = self.get_response(request)
        response["X-Cache"] = "miss"
        if generation is None or request.method != "GET" or not response_is_storable(response):
            return response
        if query_names and not self.view_reads(request, query_names):
            # A parameter this view ignores (``/?q=...``): each value would store one more copy of the page.
            return response
        return self.store(request, response, key, generation, found.get(NEXT_DUE_KEY))

    # --- request side ---------------------------------------------------------------------

    def request_is_personal(self, request) -> bool:
        """Editors (session cookie), pending flash messages, or HTTP authentication."""
        meta = request.META
        if "HTTP_AUTHORIZATION" in meta:
            return True
        if "HTTP_COOKIE" not in meta:
            return False
        cookies = request.COOKIES
        return any(name in cookies for name in self.personal_cookies)

    @staticmethod
    def request_from_edge(request) -> bool:
        """Asked by the HTTP cache in front (Varnish says it processes edge-side includes, deploy/varnish)."""
        return "ESI/1.0" in request.META.get("HTTP_SURROGATE_CAPABILITY", "")

    def page_key(self, request) -> tuple[str | None, frozenset[str]]:
        """The page's cache key (None: not to be cached) and the known query parameters it holds."""
        query = request.META.get("QUERY_STRING", "")
        if len(query) > MAX_QUERY_LENGTH:
            return None, frozenset()
        try:
            host = request.get_host()
        except DisallowedHost:
            return None, frozenset()  # Django answers 400 further in
        scheme = "https" if request.is_secure() else "http"
        normalised = query_normalise(query, self.query_known) if query else ""
        names = (
            frozenset(name for name, _ in parse_qsl(normalised, keep_blank_values=True)) if normalised else frozenset()
        )
        url = f"{scheme}://{host}{request.path}?{normalised}"
        key = PAGE_KEY_PREFIX + hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        return key, names

    def view_reads(self, request, names: frozenset[str]) -> bool:
        """Whether the view that answered reads every one of ``names`` (``PAGE_CACHE_QUERY_PARAMS``)."""
        match = getattr(request, "resolver_match", None)
        return match is not None and names <= self.query_params.get(match.view_name, frozenset())

    # --- response side ----------------------------------------------------------------------

    def public_cache_control(self, seconds: int) -> str:
        return f"public, max-age={min(self.browser_seconds, seconds)}, s-maxage={seconds}"

    @staticmethod
    def mark_private(response) -> None:
        # No shared cache keeps it, so it names nothing to purge (newsroom.edge).
        if response.has_header("xkey"):
            del response["xkey"]
        cache_control = response.get("Cache-Control", "").lower()
        if "private" not in cache_control and "no-store" not in cache_control:
            response["Cache-Control"] = "private, no-cache"

    def store(self, request, response, key, generation, next_due):
        now = time.time()
        ttl = page_cache_ttl(now=now, generation=generation, next_due=next_due)
        # A view may ask for less (the ranking page lives like a rail, newsroom.rails).
        asked = S_MAXAGE.search(response.get("Cache-Control", ""))
        if asked:
            ttl = min(ttl, int(asked.group(1)))
        if ttl <= 0:
            # A scheduled article goes live within the second: nobody may keep this copy.
            response["Cache-Control"] = "public, no-cache"
            return response
        body = response.content
        etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
        # As (name, value) pairs for HttpResponse(headers=...) on a hit.
        headers = {name: value for name, value in response.items() if name.lower() not in NOT_STORED_HEADERS}
        entry = (generation, now + ttl, response.status_code, headers, body, etag)
        try:
            self.cache.set(key, entry, ttl)
        except Exception as exc:  # noqa: BLE001
            page_cache_failed("page store", exc)
        self.outage_copy_keep(key, entry)
        response["ETag"] = etag
        response["Cache-Control"] = self.public_cache_control(ttl)
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if if_none_match and etag_matches(if_none_match, etag):
            return self.not_modified(response)
        return response

    def outage_copy_keep(self, key: str, entry: tuple) -> None:
        copies = self.outage_copies
        copies[key] = entry
        copies.move_to_end(key)
        if len(copies) > OUTAGE_COPIES:
            copies.popitem(last=False)

    def outage_replay(self, request, key: str):
        """While Redis is skipped: this process's copy of the page, as the shared cache held it, or None.

        Only until the copy's own expiry, and only under the generation this process last read:
        an invalidation this process could not deliver (an editor's save during the outage)
        drops every copy, as it does for fragments (``newsroom.caching.generation``). Never for
        the cache in front (``request_from_edge``): it is purged by saves on every app server,
        and would keep an old copy fetched after such a purge for the copy's whole lifetime.
        """
        entry = self.outage_copies.get(key)
        now = time.time()
        if entry is None or entry[1] <= now or entry[0] != page_cache_generation_last_read():
            return None
        response = self.replay(request, entry, now)
        response["X-Cache"] = "outage"
        return response

    def replay(self, request, entry, now):
        _generation, expires_at, status, headers, body, etag = entry
        cache_control = self.public_cache_control(int(expires_at - now))
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if if_none_match and etag_matches(if_none_match, etag):
            response = HttpResponseNotModified()
        else:
            # HEAD gets the body too: the server (gunicorn, runserver) drops it
            # and keeps the Content-Length the GET would carry.
            response = HttpResponse(body, status=status, headers=headers)
        response["ETag"] = etag
        response["Cache-Control"] = cache_control
        response["X-Cache"] = "hit"
        return response

    @staticmethod
    def not_modified(response):
        not_modified = HttpResponseNotModified()
        for name in NOT_MODIFIED_HEADERS:
            if response.has_header(name):
                not_modified[name] = response[name]
        return not_modified
