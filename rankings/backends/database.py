"""The ``database`` backend: every view counted straight into the database.

A counted view costs, after the rate limits (Django's cache), two SQL statements on SQLite:

1. the de-duplication UPSERT on ``ReaderSeen``, which only touches the row
   when the article is published (``Article.objects.published()``'s rule,
   tested inside the statement: ``rankings.backends.sql``), the reader's last
   counted view of the article is older than the window and fewer than
   ``NETWORK_READERS_PER_ARTICLE`` readers of the reader's network
   (``ReaderSeen.network``) counted the article within it, so "no row
   changed" means "unpublished", "repeat" or "network cap" (a small query on
   rejected beacons only tells which);
2. the hourly bucket UPSERT, only for a new reader.

On PostgreSQL, 1 and 2 are ONE statement (two data-modifying CTEs, the second
only inserting if the first did), committed asynchronously
(``set_config('synchronous_commit', 'off', true)`` inside the statement;
``RANKINGS["ASYNC_COMMIT"]``, default on) so a beacon never waits for a WAL
flush: a PostgreSQL crash may lose the last fraction of a second of counts (as
Redis without persistence would), nothing else. Connections are Django's own:
health-checked at the start of a request (``CONN_HEALTH_CHECKS``) and closed
by the request signals, as for any view.

On SQLite the beacon writers of every process queue on a file lock
(``rankings.backends.sqlite_queue``) rather than on SQLite's busy handler,
each statement its own cheap WAL commit.

The per-reader and per-network rate limits use Django's cache
(``cache.incr``). With the local-memory cache those limits are per process (N
gunicorn workers allow up to N times them); with the Redis cache they are
global. The network cap is read and written in one statement, but concurrent
beacons of one network on PostgreSQL may each see the count before the others'
rows and overshoot it by their number (at most a few, and bounded by the
network's rate limit).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from newsroom.circuit import redis_circuit
from rankings.backends.base import COUNTED, NO_CAP, SEEN_PRUNE_BATCH, CounterBackend, FlushResult, Reason, hour_of
from rankings.backends.sql import db_count_rejection, vendor_sql
from rankings.backends.sqlite_queue import sqlite_writers_queue
from rankings.models import ReaderSeen


def over_rate_limit(*, key: str, limit: int, now: datetime) -> bool:
    """Whether this beacon takes ``key``'s count in ``now``'s minute past ``limit`` (0: no limit)."""
    if not limit:
        return False
    key = f"rankings:{key}:{int(now.timestamp()) // 60}"

    def seen_this_minute() -> int:
        try:
            # Most readers send one beacon a minute: one cache call for them.
            return 1 if cache.add(key, 1, timeout=90) else cache.incr(key)
        except ValueError:  # expired between add() and incr(): a fresh minute
            return 1

    # The cache being down (or skipped by the breaker) must not stop counting: no limit then.
    return redis_circuit.call("rankings rate limit", seen_this_minute, default=0) > limit


def record_statement_run(sql: str, params: list) -> tuple[int, int, bool, bool]:
    """Run PostgreSQL's one beacon statement: (new reader?, counted?, repeat?, published?)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


class DatabaseBackend(CounterBackend):
    """Counts straight into the database: one write statement per view on PostgreSQL, two on SQLite."""

    name = "database"

    def rate_limited(self, *, reader: str, network: str, now: datetime) -> str | None:
        """The rate limit this beacon is over (reader's first), or None."""
        conf = self.conf()
        # Both counters see every beacon, so a network's count includes its rate-limited readers.
        over_reader = over_rate_limit(key=f"rl:{reader}", limit=conf["RATE_LIMIT_PER_MINUTE"], now=now)
        over_network = over_rate_limit(
            key=f"nrl:{network}", limit=conf.get("NETWORK_RATE_LIMIT_PER_MINUTE", 0), now=now
        )
        if over_reader:
            return Reason.RATE_LIMITED
        if over_network:
            return Reason.NETWORK_RATE_LIMITED
        return None

    def record(self, *, article_id: int, reader: str, network: str, now: datetime) -> str:
        outcome = self.rate_limited(reader=reader, network=network, now=now)
        if outcome is None:
            outcome = self.seen_and_count(article_id=article_id, reader=reader, network=network, now=now)
        if outcome != COUNTED:
            self.reject(reason=outcome, now=now)
        return outcome

    def seen_and_count(self, *, article_id: int, reader: str, network: str, now: datetime) -> str:
        """De-duplicate and count a view: ``COUNTED``, ``UNPUBLISHED``, ``REPEAT`` or ``NETWORK_CAP``."""
        conf = self.conf()
        cutoff = now - timedelta(seconds=conf["DEDUP_SECONDS"])
        cap = conf.get("NETWORK_READERS_PER_ARTICLE", 0) or NO_CAP
        sql = vendor_sql()
        if sql.one_statement_record:
            # Asynchronous commit only for a statement that is its own transaction,
            # never for a caller's transaction.
            asynchronous = conf.get("ASYNC_COMMIT", True) and connection.get_autocommit()
            params = sql.record_params(
                reader=reader, network=network, article_id=article_id, now=now, cutoff=cutoff, cap=cap
            )
            new_reader, counted, repeat, published = record_statement_run(
                sql.record_async if asynchronous else sql.record, params
            )
        else:  # SQLite: two statements, each its own cheap WAL commit
            seen_params = sql.seen_params(
                reader=reader, network=network, article_id=article_id, now=now, cutoff=cutoff, cap=cap
            )
            with sqlite_writers_queue(connection), connection.cursor() as cursor:
                cursor.execute(sql.seen, seen_params)
                new_reader = counted = cursor.rowcount
                if new_reader:
                    cursor.execute(sql.count, [article_id, sql.adapt(hour_of(now)), 1])
            repeat = published = True
            if not new_reader:  # only a rejected beacon pays for telling why
                with connection.cursor() as cursor:
                    why = sql.rejected_why_params(reader=reader, article_id=article_id, now=now, cutoff=cutoff)
                    cursor.execute(sql.rejected_why, why)
                    repeat, published = cursor.fetchone()
        if not new_reader:
            if not published:
                return Reason.UNPUBLISHED
            return Reason.REPEAT if repeat else Reason.NETWORK_CAP
        # A new reader of a published article: the bucket's upsert cannot insert nothing
        # (a concurrently deleted article stops the statement with its foreign key).
        return COUNTED if counted else Reason.UNPUBLISHED

    def reject(self, *, reason: str, now: datetime, count: int = 1) -> None:
        db_count_rejection(reason=reason, now=now, count=count)

    def flush(self, *, now: datetime | None = None) -> FlushResult:
        """Nothing waits outside the database; delete expired de-duplication rows in batches."""
        now = now or timezone.now()
        return FlushResult(pruned_seen=prune_reader_seen(now=now))


def prune_reader_seen(*, now: datetime, batch_size: int = SEEN_PRUNE_BATCH) -> int:
    """Delete ``ReaderSeen`` rows older than the de-duplication window, in batches; returns how many."""
    cutoff = now - timedelta(seconds=settings.RANKINGS["DEDUP_SECONDS"])
    deleted = 0
    while True:
        ids = list(ReaderSeen.objects.filter(seen_at__lt=cutoff).values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        deleted += ReaderSeen.objects.filter(pk__in=ids, seen_at__lt=cutoff).delete()[0]
