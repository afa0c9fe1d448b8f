"""Full-page cache bookkeeping: the page generation, its invalidation, and page lifetimes.

The full-page cache itself is ``newsroom.caching.middleware.PageCacheMiddleware``; this
module owns what decides whether a stored page is still right.

**The generation.** One number that every stored page records. Anything that
can change what a reader page shows bumps it, which makes every stored page
stale at once in O(1), in every gunicorn worker, without finding or deleting
page keys. Where it lives:

* with a shared cache (Redis, production): in the cache, ``GENERATION_KEY``,
  read in the same round trip as the page;
* with the local-memory cache (SQLite mode), which every process has its own
  copy of: in the modification time of a small file
  (``page_cache_generation_file()``), so a save in one gunicorn worker or in a
  management command still reaches every worker on the machine (one
  ``stat()`` per request).

**Who bumps it.** The one invalidation service, ``newsroom.invalidation``
(its receivers hear every save of articles, sections, authors, photos,
article updates, tags and tag links), which also purges the HTTP cache in
front by surrogate key. Ranking updates do not: the rails are spliced into
stored pages (``newsroom.rails``). Other code calls
:func:`page_cache_invalidate` for a change no key describes.

**Scheduled publication.** A scheduled article becomes visible at its
``published_at`` without any write happening then, so no signal fires. A page
stored before that moment must therefore not outlive it: :func:`page_cache_ttl`
caps every page's lifetime at the next publication time. That time is cached
along with the generation it was computed under, so any article change
(which bumps the generation) makes it recomputed.

Every cache call here survives a cache outage: it is reported to the one
Redis circuit breaker (``newsroom.circuit``), which has every use of Redis
skipped for ``REDIS_BACKOFF_SECONDS``. An editor's save must never fail
because Redis is down; its invalidation is always attempted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction

from articles.models import Article
from newsroom.circuit import redis_circuit

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
NEXT_DUE_KEY = "pagecache:next-due"
# Key prefix of stored pages; the rest is a hash of the normalised URL.
PAGE_KEY_PREFIX = "pagecache:page:"
# How long the next publication time may be trusted without a recomputation
# even when the generation has not moved: bounds the damage of a bulk
# ``QuerySet.update()`` that scheduled something without sending signals.
NEXT_DUE_MAX_AGE = 60


def page_cache():
    """The cache backend pages are stored in (``PAGE_CACHE_ALIAS``, default: the default cache)."""
    return caches[settings.PAGE_CACHE_ALIAS]


def page_cache_available() -> bool:
    """False while the shared Redis circuit breaker is open (``newsroom.circuit``): skip the cache then."""
    return redis_circuit.allows()


def page_cache_failed(operation: str, exc: Exception) -> None:
    """Report a cache error to the shared breaker (logged once), so pages keep rendering without the cache."""
    redis_circuit.failed(f"page cache {operation}", exc)


def page_cache_generation_last_read() -> int | None:
    """The generation this process last read from the shared cache, None after its own invalidation failed.

    Only for keeping this process's own fragment copies in use while Redis is
    skipped (``newsroom.caching.fragments``): an invalidation cannot reach Redis then
    either, so they are as fresh as anything that can be known.
    """
    return _last_read


_last_read: int | None = None


def page_cache_generation_seen(generation: int) -> None:
    """Record a generation read from the shared cache elsewhere (the page cache middleware's own read)."""
    global _last_read
    _last_read = generation


def page_cache_succeeded() -> None:
    """Report a cache call that worked (closes the breaker after a successful probe)."""
    redis_circuit.succeeded()


# --- The generation ---------------------------------------------------------------------------


def page_cache_generation_file() -> Path | None:
    """Where the generation lives when the page cache is per process (local memory), else None.

    One file per database (``PAGE_CACHE_GENERATION_FILE`` overrides), so two
    sites or a test run and a dev server on one machine do not share it. An
    in-memory database (the SQLite test run) has no other process to tell.
    """
    per_process = isinstance(page_cache(), LocMemCache)
    configured = settings.PAGE_CACHE_GENERATION_FILE
    database = str(settings.DATABASES["default"].get("NAME", ""))
    # Read several times per request: the answer, which depends on nothing else, is kept.
    key = (per_process, configured, database)
    if key not in _generation_files:
        _generation_files.clear()
        _generation_files[key] = _generation_file_for(per_process, configured=configured, database=database)
    return _generation_files[key]


_generation_files: dict[tuple, Path | None] = {}


def _generation_file_for(per_process: bool, *, configured: str | None, database: str) -> Path | None:
    if not per_process:
        return None
    if configured:
        return Path(configured)
    if not database or ":memory:" in database or "mode=memory" in database:
        # No other process can see an in-memory database (tests): keep the generation in the cache.
        return None
    digest = hashlib.blake2b(database.encode(), digest_size=8).hexdigest()
    return Path(tempfile.gettempdir()) / f"newsroom-pagecache-{digest}.generation"


def _fresh_generation() -> int:
    # Time-based so that a generation recreated after it was lost (a cache
    # flush, an eviction, a cleaned /tmp) never equals one a stored page holds.
    return time.time_ns()


def page_cache_generation_read(path: Path) -> int | None:
    """The file-kept generation (its modification time in ns), None when the file is missing."""
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return None


def _file_bump(path: Path, *, only_if_missing: bool = False) -> None:
    current = page_cache_generation_read(path)
    if current is not None and only_if_missing:
        return
    if current is None:
        path.touch(exist_ok=True)
    stamp = max(_fresh_generation(), (current or 0) + 1)
    os.utime(path, ns=(stamp, stamp))
    if page_cache_generation_read(path) == current:
        # A file system with coarse timestamps would swallow bumps: say so loudly.
        logger.error("Page cache generation file %s did not change; set PAGE_CACHE_GENERATION_FILE elsewhere", path)


def page_cache_generation(*, create: bool = False) -> int | None:
    """The current generation; with ``create``, made first if missing. None if the cache is down.

    The middleware calls this before a page is rendered, never after: a page
    records the generation read *before* its content was read from the
    database, so an invalidation that lands during rendering leaves it stale.
    """
    path = page_cache_generation_file()
    try:
        if path is not None:
            if create:
                _file_bump(path, only_if_missing=True)
            return page_cache_generation_read(path)
        if not page_cache_available():
            return None
        cache = page_cache()
        if create:
            cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    except Exception as exc:  # noqa: BLE001 - any cache failure must leave pages working
        page_cache_failed("generation read", exc)
        return None
    page_cache_succeeded()
    if generation is not None:
        global _last_read
        _last_read = generation
    return generation


def _bump() -> None:
    path = page_cache_generation_file()
    try:
        if path is not None:
            _file_bump(path)
            return
        # Attempted even while the breaker is open: a lost invalidation would leave stale pages.
        cache = page_cache()
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            # Missing key: a fresh time-based generation differs from every old one.
            cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
    except Exception as exc:  # noqa: BLE001
        page_cache_failed("invalidation", exc)
        # This process at least must show the change at once: no more copies of the old generation.
        global _last_read
        _last_read = None


def page_cache_invalidate() -> None:
    """Make every stored page stale, now and again when the current transaction commits.

    The public way for any code (``rankings`` after new snapshots, a bulk
    update, an import) to say "what readers see has changed". O(1): one
    atomic increment (or one file timestamp), whatever the number of pages.

    Why twice: the immediate bump is for code outside transactions and for
    tests; the bump on commit closes the race where a reader renders the
    *old* rows after the first bump but before the commit, and would store
    them under the new generation.
    """
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)


# --- Page lifetimes -----------------------------------------------------------------------------


def article_next_publication(*, now: float) -> float:
    """Epoch seconds of the next article to become visible after ``now``, or 0.0 when none is due.

    Same rule as ``ArticleQuerySet.published``: published or scheduled
    articles whose ``published_at`` lies in the future.
    """
    moment = (
        Article.objects.filter(
            status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED],
            published_at__gt=datetime.fromtimestamp(now, tz=UTC),
        )
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return moment.timestamp() if moment else 0.0


def page_cache_ttl(*, now: float | None = None, generation: int | None = None, next_due=None) -> int:
    """Seconds a page rendered now may be stored: ``PAGE_CACHE_SECONDS``, capped before the next publication.

    ``generation`` and ``next_due`` (the cached ``(generation, time)`` pair)
    are passed by the middleware, which read them with the page in one
    round trip; left out, they are looked up. Returns 0 when the page must
    not be stored at all (a publication is due within the second).
    """
    now = time.time() if now is None else now
    if generation is None:
        generation = page_cache_generation()
    if next_due is None:
        next_due = redis_circuit.call("page cache next publication read", lambda: page_cache().get(NEXT_DUE_KEY))
    due = next_due[1] if next_due and next_due[0] == generation else None
    if due is None or (due and due <= now):
        due = article_next_publication(now=now)
        redis_circuit.call(
            "page cache next publication store",
            lambda: page_cache().set(NEXT_DUE_KEY, (generation, due), timeout=NEXT_DUE_MAX_AGE),
        )
    ttl = int(settings.PAGE_CACHE_SECONDS)
    if due:
        # Floor: a page must expire at or before the publication, never after.
        ttl = min(ttl, int(due - now))
    return max(ttl, 0)


# --- Receivers -------------------------------------------------------------------------------
# What a change invalidates is decided in one place, newsroom.invalidation, for this page cache
# (a generation bump) and for the HTTP cache in front (surrogate-key purges) alike.


def connect_receivers() -> None:
    """Connect the invalidation receivers of ``newsroom.invalidation`` (idempotent thanks to dispatch_uid)."""
    from newsroom.invalidation import connect_receivers as invalidation_connect

    invalidation_connect()
