"""Fragment cache: rendered pieces of HTML shared by many reader pages, kept per page-cache generation.

The full-page cache (``newsroom.caching.middleware``) serves whole pages; a page it
does not hold is rendered from scratch. Much of that render is the same on
every page or for every reader of one article: the masthead and section
navigation, the footer, the ranking rail, an article's head metadata. Those
pieces are stored here, rendered, under a key that includes the page-cache
*generation* (``newsroom.caching.generation``), which every change to what readers see
bumps, so a fragment is never older than the content it shows. The article
itself (headline, body, byline, tags) is always rendered from the database:
this is not the page cache in disguise.

Rules a fragment must follow to be cached here:

* its HTML depends only on what is in its key (generation plus the key parts
  given: slugs, ids, the site's base URL...), never on the request's user,
  cookies or a CSP nonce;
* the generation is read *before* the fragment's data, so an invalidation
  landing during a render leaves the stored copy under the old generation.

A cache outage only costs the render (the Redis circuit breaker, ``newsroom.circuit``, backs off);
``FRAGMENT_CACHE_ENABLED = False`` turns the whole layer off. Each process
also keeps the HTML it has used, by the same keys (``fragment_local_get``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from newsroom.caching.generation import page_cache, page_cache_generation, page_cache_generation_last_read
from newsroom.circuit import redis_circuit

KEY_PREFIX = "fragment:"
# Where a request keeps the generation it read first, so one render uses one generation throughout.
REQUEST_ATTR = "fragment_generation"


def fragment_seconds() -> int:
    """How long a fragment is kept (``FRAGMENT_CACHE_SECONDS``, by default the pages' lifetime).

    The generation already makes a fragment stale on any change; the lifetime bounds memory and
    what a change that sends no signal (a bulk ``QuerySet.update()``) leaves visible, as for pages.
    """
    return int(settings.FRAGMENT_CACHE_SECONDS)


def fragment_generation(request=None) -> int | None:
    """The page-cache generation for this render (read once per request), None when fragments are off."""
    if not settings.FRAGMENT_CACHE_ENABLED:
        return None
    if request is not None:
        cached = getattr(request, REQUEST_ATTR, None)
        if cached is not None:
            return cached
    # A plain read first: creating it (``create``) costs a second round trip to Redis.
    generation = page_cache_generation()
    if generation is None and redis_circuit.allows():
        generation = page_cache_generation(create=True)
    if generation is None and redis_circuit.is_open:
        # Redis is skipped (or just failed): keep using this process's copies of the generation read
        # last. No invalidation can reach Redis now either, and rendering every fragment would make
        # each page several times slower for the whole outage; shared copies are not used meanwhile.
        generation = page_cache_generation_last_read()
    if request is not None and generation is not None:
        setattr(request, REQUEST_ATTR, generation)
    return generation


def fragment_cached(name: str, *parts, request=None, render: Callable[[], str]) -> SafeString:
    """``render()``'s HTML, from the cache when this generation already stored it under ``name`` + ``parts``.

    ``render`` must return HTML that is safe to output (a rendered template).
    Without a generation (fragments off, cache down) it simply renders.
    """
    generation = fragment_generation(request)
    if generation is None:
        return mark_safe(render())  # noqa: S308 - rendered template output
    raw = "\x1f".join(str(part) for part in parts)
    key = f"{KEY_PREFIX}{name}:{generation}:{hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()}"
    return fragment_by_key(key, render=render)


def fragment_by_key(key: str, *, render: Callable[[], str], seconds: float | None = None) -> SafeString:
    """The HTML stored under ``key``: this process's copy, else the shared cache's, else ``render()``'d and stored.

    For keys that carry a generation (``fragment_cached``, the ranking lists):
    the HTML behind such a key never changes, so both copies are kept for
    ``seconds`` (default ``FRAGMENT_CACHE_SECONDS``). ``render`` must return
    HTML that is safe to output.
    """
    html = fragment_local_get(key)
    if html is None:
        html = fragment_cache_get(key)
        if html is None:
            html = str(render())
            fragment_cache_set(key, html, seconds=seconds)
        fragment_local_set(key, html, seconds=seconds)
    return mark_safe(html)  # noqa: S308 - rendered template output, stored by us


def fragment_local_get(key: str):
    """This process's copy of the HTML (or bytes) stored under ``key``, if it has one and it has not expired.

    The key of a rendered fragment includes the generation it was rendered
    under, so the HTML behind one key never changes: a copy kept in the
    process is as fresh as the shared cache's, and saves its round trip
    (Redis) and the unpickling on every page. It lives as long as a fresh
    shared copy would (``seconds``), so a generation bump that failed (cache
    down) is made up for by expiry here as there.
    """
    found = _local.get(key)
    if found is None:
        return None
    expires, value = found
    if expires < time.monotonic():
        _local.pop(key, None)
        return None
    return value


def fragment_local_set(key: str, html: str | bytes, *, seconds: float | None = None) -> None:
    """Keep ``html`` in this process under ``key`` for ``seconds`` (default ``FRAGMENT_CACHE_SECONDS``).

    Only immutable values (``str``, ``bytes``): one copy serves every request
    of the process. At most ``LOCAL_MAX_ENTRIES`` are kept; the oldest generations go.
    """
    if seconds is None:
        seconds = fragment_seconds()
    if len(_local) >= LOCAL_MAX_ENTRIES:
        # Keys of past generations are never asked for again: starting over is the simplest bound.
        _local.clear()
    _local[key] = (time.monotonic() + seconds, html)


def fragment_local_clear() -> None:
    """Forget this process's copies (tests; never needed for correctness)."""
    _local.clear()


# Headers, footers, head metadata and ranking lists of one generation: a few hundred, a few MB at most.
LOCAL_MAX_ENTRIES = 1024
_local: dict[str, tuple[float, str | bytes]] = {}


def fragment_cache_get(key: str):
    """The value stored under ``key``, None when missing or the cache is down (``newsroom.circuit``)."""
    return redis_circuit.call("fragment read", lambda: page_cache().get(key))


def fragment_cache_set(key: str, value, *, seconds: float | None = None) -> None:
    """Store ``value`` under ``key`` for ``seconds`` (default ``FRAGMENT_CACHE_SECONDS``); errors are logged."""
    if seconds is None:
        seconds = fragment_seconds()
    redis_circuit.call("fragment store", lambda: page_cache().set(key, value, seconds))
