"""Full-page cache bookkeeping: the page generation, its invalidation, and page lifetimes.

The full-page cache itself is ``newsroom.middleware.PageCacheMiddleware``; this
module owns what decides whether a stored page is still right:

* **The generation.** One number in the cache (``GENERATION_KEY``) that every
  stored page records. Anything that can change what a reader page shows
  (an article, section, author, photo, update, tag, ranking) bumps it, which
  makes every stored page stale at once in O(1), in every gunicorn worker,
  without finding or deleting page keys. Receivers below bump it on
  ``post_save``/``post_delete``/``m2m_changed`` of the content models.

* **Other apps** (``rankings`` after writing new snapshots, a bulk
  ``QuerySet.update()`` that sends no signals, an import) call
  :func:`page_cache_invalidate` directly: it is the public API.

* **Scheduled publication.** A scheduled article becomes visible at its
  ``published_at`` without any write happening then, so no signal fires. A
  page stored before that moment must therefore not outlive it:
  :func:`page_cache_ttl` caps every page's lifetime at the next scheduled
  publication time (itself cached, and recomputed when an article changes).

Every cache call here survives a cache outage (logged, then skipped for a few
seconds): an editor's save must never fail because Redis is down.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag

from articles.models import Article, ArticleUpdate, Author, Photo, Section, TaggedArticle

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
NEXT_DUE_KEY = "pagecache:next-due"
# Key prefix of stored pages; the rest is a hash of the normalised URL.
PAGE_KEY_PREFIX = "pagecache:page:"
# How long the next publication time may be trusted without a recomputation.
# Article saves delete it at once; this bounds the damage of a bulk
# ``QuerySet.update()`` that scheduled something without sending signals.
NEXT_DUE_MAX_AGE = 60
# After a cache error, leave the cache alone for this long (per process), so
# an outage costs one timeout every few seconds, not one per request.
OUTAGE_BACKOFF_SECONDS = 5.0

_outage_until = 0.0


def page_cache():
    """The cache backend pages are stored in (the default cache: Redis in production)."""
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def page_cache_available() -> bool:
    """False for a few seconds after a cache error (see ``OUTAGE_BACKOFF_SECONDS``)."""
    return time.monotonic() >= _outage_until


def page_cache_failed(operation: str, exc: Exception) -> None:
    """Log a cache error once and back off, so pages keep rendering without the cache."""
    global _outage_until
    if page_cache_available():
        logger.warning("Page cache unavailable during %s (%s); bypassing it for %ss", operation, exc, OUTAGE_BACKOFF_SECONDS)
    _outage_until = time.monotonic() + OUTAGE_BACKOFF_SECONDS


def _fresh_generation() -> int:
    # Time-based so that a generation recreated after the key was lost (a
    # cache flush, an eviction) can never equal one that stored pages hold.
    return time.time_ns() // 1000


def page_cache_generation_init() -> int | None:
    """Create the generation if it is missing and return the current one (None if the cache is down).

    Called before a page is rendered, never after: a page records the
    generation read *before* its content was read from the database, so an
    invalidation that lands during rendering leaves that page stale.
    """
    cache = page_cache()
    try:
        cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
        return cache.get(GENERATION_KEY)
    except Exception as exc:  # noqa: BLE001 - any cache failure must leave pages working
        page_cache_failed("generation init", exc)
        return None


def _bump() -> None:
    cache = page_cache()
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            # Missing key: a fresh time-based generation differs from every old one.
            cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
    except Exception as exc:  # noqa: BLE001
        page_cache_failed("invalidation", exc)


def page_cache_invalidate() -> None:
    """Make every stored page stale, now and again when the current transaction commits.

    The public way for any code (``rankings`` after new snapshots, a bulk
    update, an import) to say "what readers see has changed". O(1): one
    atomic increment, whatever the number of stored pages.

    Why twice: the immediate bump is for code outside transactions and for
    tests; the bump on commit closes the race where a reader renders the
    *old* rows after the first bump but before the commit, and would store
    them under the new generation.
    """
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)


def _forget_next_due() -> None:
    try:
        page_cache().delete(NEXT_DUE_KEY)
    except Exception as exc:  # noqa: BLE001
        page_cache_failed("next publication reset", exc)


def page_cache_next_due_reset() -> None:
    """Forget the cached next publication time (an article's status or time may have changed)."""
    _forget_next_due()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_forget_next_due)


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


def page_cache_ttl(*, now: float | None = None, next_due: float | None = None) -> int:
    """Seconds a page rendered now may be stored: ``PAGE_CACHE_SECONDS``, capped before the next publication.

    ``next_due`` is the cached next publication time when the caller already
    fetched it (the middleware reads it with the page in one round trip);
    None means "look it up". Returns 0 when the page must not be stored at
    all (a publication is due within the second).
    """
    now = time.time() if now is None else now
    if next_due is None or (next_due and next_due <= now):
        next_due = article_next_publication(now=now)
        try:
            page_cache().set(NEXT_DUE_KEY, next_due, timeout=NEXT_DUE_MAX_AGE)
        except Exception as exc:  # noqa: BLE001
            page_cache_failed("next publication store", exc)
    ttl = int(settings.PAGE_CACHE_SECONDS)
    if next_due:
        # Floor: a page must expire at or before the publication, never after.
        ttl = min(ttl, int(next_due - now))
    return max(ttl, 0)


# --- Receivers -------------------------------------------------------------------------------
# Connected by ArticlesConfig.ready() importing this module. Each is O(1).

_CONTENT_MODELS = (Section, Author, Photo, ArticleUpdate, TaggedArticle, Tag)


def _content_changed(sender, **kwargs):
    if kwargs.get("raw"):  # loaddata: the cache is cleared separately if at all
        return
    page_cache_invalidate()


def _article_changed(sender, **kwargs):
    if kwargs.get("raw"):
        return
    page_cache_next_due_reset()
    page_cache_invalidate()


def _relation_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        page_cache_invalidate()


def connect_receivers() -> None:
    """Connect the invalidation receivers (idempotent thanks to dispatch_uid)."""
    for signal in (post_save, post_delete):
        signal.connect(_article_changed, sender=Article, dispatch_uid=f"pagecache_article_{signal is post_save}")
        for model in _CONTENT_MODELS:
            signal.connect(
                _content_changed,
                sender=model,
                dispatch_uid=f"pagecache_{model._meta.label_lower}_{signal is post_save}",
            )
    # Authors and tags attached to or removed from an article. Taggit sends
    # m2m_changed with its through model (TaggedArticle) as sender.
    for through in {Article.authors.through, Article.tags.through}:
        m2m_changed.connect(_relation_changed, sender=through, dispatch_uid=f"pagecache_m2m_{through._meta.label_lower}")
