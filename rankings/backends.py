"""Where page-view counts go first: the database (default) or Redis.

Both backends keep *counts*, never a row per view: one counter per article
per UTC hour (``PageViewHourly``) and one per rejection reason per hour
(``RejectedViewHourly``).

``database``
    A counted view costs two SQL statements on SQLite, each atomic on its own:

    1. the de-duplication UPSERT on ``ReaderSeen``, which only touches the row
       when the reader's last counted view of the article is older than the
       window and fewer than ``NETWORK_READERS_PER_ARTICLE`` readers of the
       reader's network (``ReaderSeen.network``) counted the article within
       it, so "no row changed" means "repeat" or "network cap" (a third,
       small query on rejected beacons only tells which);
    2. the hourly bucket UPSERT, an ``INSERT … SELECT`` from
       ``Article.objects.published()`` (the one definition of visible), so an
       unknown or unpublished article inserts nothing, in the same statement.

    On SQLite the beacon writers of every process queue on a file lock
    (``sqlite_writers_queue``) rather than on SQLite's busy handler, which
    sleeps a millisecond or more whenever another writer holds the lock.

    On PostgreSQL the two are ONE statement (two data-modifying CTEs, the
    second only inserting if the first did), committed asynchronously
    (``set_config('synchronous_commit', 'off', true)`` inside the statement;
    ``RANKINGS["ASYNC_COMMIT"]``, default on) so a beacon never waits for a WAL
    flush: a PostgreSQL crash may lose the last fraction of a second of counts
    (as Redis without persistence would), nothing else. The compiled
    "published" subquery is compiled once per process (``articles.compiled``),
    so the statement's text never changes: it is prepared on the server once
    per connection (the ``PREPARED_STATEMENTS`` setting, default on; turn it
    off behind a transaction-pooling PgBouncer older than 1.21), which saves
    parsing and planning it on every beacon, most of its server time.
    Django's per-request health check (``CONN_HEALTH_CHECKS``, a ``SELECT 1``
    round trip) is skipped for the beacon's statement: when the connection
    turns out to be dead the statement is run again, once, on a fresh
    connection. That retry can never count a view twice: if the first attempt
    did commit, the de-duplication row makes the retry a repeat.

    The per-reader and per-network rate limits use Django's cache
    (``cache.incr``). With the local-memory cache those limits are per process
    (N gunicorn workers allow up to N times them); with the Redis cache they
    are global. The network cap is read and written in one statement, but
    concurrent beacons of one network on PostgreSQL may each see the count
    before the others' rows and overshoot it by their number (at most a few,
    and bounded by the network's rate limit).

``redis``
    One Lua script per beacon (one round trip, atomic): reader and network rate
    limits ``INCR``/``EXPIRE``, the de-duplication marker (``EXISTS``, then
    ``SET EX``), the network's readers of the article (a sorted set trimmed to
    the window, at most ``NETWORK_READERS_PER_ARTICLE`` members), ``HINCRBY``
    on the live counters hash. Each thread sends it on a connection of its own, straight
    through redis-py's ``Connection`` (``EVALSHA``, or ``EVAL`` once after a
    Redis restart): the client's per-command machinery (pool checkout and
    return, retry wrapper, event and metrics hooks) cost as much CPU as the
    rest of the beacon's own code. A connection that has answered before and
    turns out to be dead (Redis restarted, an idle timeout) is opened again and
    the script sent once more. Should the first run have reached Redis after
    all, the second cannot count the view twice: the marker makes it a
    repeat (one "repeat" rejection too many, no view lost or doubled).
    ``flush_page_views`` moves the counters to the database:

    * *claim*: a Lua script atomically ``RENAME``\\s the live hashes to a new
      batch (uuid) and records the batch id in a sorted set; beacons arriving
      after it start a fresh live hash, so nothing is counted twice or lost;
    * *apply*: in ONE database transaction, insert the batch id into
      ``PageViewFlush`` (unique) and upsert the counts; when the batch id is
      already there, another flush (or an earlier run that died after its
      commit) applied it, and the batch is skipped;
    * *forget*: delete the batch keys and its id from the sorted set.

    Every run first applies every batch still in the sorted set, so a run
    that died anywhere leaves work the next run finishes exactly once, and
    concurrent runs serialize on the batch's unique row.

    If Redis does not answer (short socket timeouts, ``REDIS_SOCKET_TIMEOUT``),
    the beacon is not counted: the failure is logged, counted as
    ``backend_error`` in the database, and Redis is left alone for
    ``REDIS_BACKOFF_SECONDS`` by the circuit breaker every use of Redis shares
    (``newsroom.circuit``), so an outage never slows the endpoint down. While
    it is open, beacons are counted as ``backend_error`` at once, without
    trying Redis; counting resumes with the first beacon after Redis answers
    again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    connection,
    connections,
    transaction,
)
from django.db.models import F
from django.utils import timezone

try:
    import fcntl
except ImportError:  # not a POSIX system: SQLite's busy handler alone
    fcntl = None

from articles.compiled import MARKER_IDS, MARKER_TIMES, CompiledQuery, prepared_cursor, run_on_live_connection
from articles.models import Article
from newsroom.circuit import redis_circuit
from rankings.models import PageViewFlush, PageViewHourly, ReaderSeen, RejectedViewHourly

logger = logging.getLogger(__name__)

COUNTED = "counted"
Reason = RejectedViewHourly.Reason

# Used only when settings.RANKINGS has no REDIS_KEY_PREFIX (settings derive one per database).
DEFAULT_REDIS_PREFIX = "newsroom:rankings:"
# Beacons must answer fast even when Redis is gone: give up quickly
# (settings.REDIS_CONNECT_TIMEOUT / REDIS_SOCKET_TIMEOUT, these by default), then
# leave Redis alone for a while (newsroom.circuit) instead of paying the timeout on every request.
REDIS_CONNECT_TIMEOUT = 0.25
REDIS_SOCKET_TIMEOUT = 0.25
REDIS_FLUSH_TIMEOUT = 10.0
# How the beacon's own connections show in Redis' CLIENT LIST.
BEACON_CLIENT_NAME = "newsroom:beacon"
# Applied flush ids are kept this long; a batch stuck in Redis for longer
# than this would be applied again, which needs a month-long Redis outage.
FLUSH_LOG_RETENTION = timedelta(days=30)
# Expired de-duplication rows are deleted in batches of this size.
SEEN_PRUNE_BATCH = 5000
# The per-network cap when NETWORK_READERS_PER_ARTICLE is 0 (off): more readers than any window holds.
NO_CAP = 2**31 - 1


class BackendUnavailable(RuntimeError):
    """The counter store cannot be reached (e.g. Redis is down)."""


def hour_of(moment: datetime) -> datetime:
    """The UTC hour a moment falls in (the bucket key)."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass
class FlushResult:
    """What one ``flush_page_views`` run did."""

    batches: int = 0
    skipped_batches: int = 0
    views: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    pruned_seen: int = 0

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


# --- SQL shared by both backends ------------------------------------------------------------


# Raw SQL below interpolates only identifiers from model metadata (quoted) and
# SQL compiled by the ORM; every value is a parameter.
def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _adapt(moment: datetime):
    # Raw SQL gets no field adaptation: SQLite stores naive UTC text, and
    # comparisons / unique keys only match in exactly that format.
    return connection.ops.adapt_datetimefield_value(moment)


def _published_ids(*, article_id: int, now: datetime):
    """``Article.objects.published(now=now).filter(pk=article_id)``, selecting the id."""
    return Article.objects.published(now=now).filter(pk=article_id).order_by().values(published_id=F("pk"))


# Compiling a queryset costs more than the two SQL statements of a beacon: compiled once per process.
_PUBLISHED_IDS = CompiledQuery(
    _published_ids,
    markers=tuple({"now": now, "article_id": pk} for pk, now in zip(MARKER_IDS, MARKER_TIMES, strict=True)),
)


class _VendorSql:
    """The raw SQL of one database vendor, built once per process (quoting goes through ``connection.ops``)."""

    def __init__(self):
        qn = connection.ops.quote_name
        self.ops = connection.ops
        hourly = qn(PageViewHourly._meta.db_table)
        rejected, count = qn(RejectedViewHourly._meta.db_table), qn("count")
        seen, seen_at = qn(ReaderSeen._meta.db_table), qn("seen_at")
        self.count_head = (
            f"INSERT INTO {hourly} ({qn('article_id')}, {qn('hour')}, {qn('views')}) "  # noqa: S608
            f"SELECT {qn('published')}.{qn('published_id')}, %s, %s FROM ("
        )
        upsert = (
            f"ON CONFLICT ({qn('article_id')}, {qn('hour')}) "
            f"DO UPDATE SET {qn('views')} = {hourly}.{qn('views')} + excluded.{qn('views')}"
        )
        self.count_tail = f") {qn('published')} WHERE true {upsert}"
        self.reject = (
            f"INSERT INTO {rejected} ({qn('hour')}, {qn('reason')}, {count}) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT ({qn('hour')}, {qn('reason')}) DO UPDATE SET {count} = {rejected}.{count} + excluded.{count}"
        )
        # Inserts a new reader/article pair, or moves seen_at forward only when the
        # last counted view is outside the window; in both cases only while fewer than
        # the cap of readers of the reader's network counted the article within the
        # window: rowcount 0 means "repeat" or "network cap" (``known`` tells which).
        # Parameters: reader, article, now, network; network, article, cutoff, cap; cutoff.
        net, network = qn("net"), qn("network")

        def seen_sql(source_from: str) -> str:
            return (
                f"INSERT INTO {seen} ({qn('reader')}, {qn('article_id')}, {seen_at}, {network}) "  # noqa: S608
                f"SELECT %s, %s, %s, %s{source_from} WHERE (SELECT count(*) FROM {seen} AS {net} "
                f"WHERE {net}.{network} = %s AND {net}.{qn('article_id')} = %s AND {net}.{seen_at} > %s) < %s "
                f"ON CONFLICT ({qn('reader')}, {qn('article_id')}) DO UPDATE SET {seen_at} = excluded.{seen_at}, "
                f"{network} = excluded.{network} WHERE {seen}.{seen_at} <= %s"
            )

        self.seen = seen_sql("")
        # Whether the reader counted for the article within the window (a repeat, not the cap).
        self.known = (
            f"EXISTS (SELECT 1 FROM {seen} WHERE {qn('reader')} = %s AND {qn('article_id')} = %s "  # noqa: S608
            f"AND {seen_at} > %s)"
        )
        # PostgreSQL runs both steps as ONE statement (data-modifying CTEs): one round
        # trip and one commit per beacon. It reports (new reader?, counted?, repeat?).
        self.record_head = f"WITH {qn('seen')} AS ({self.seen} RETURNING 1), {qn('counted')} AS ({self.count_head}"
        # The same, committed asynchronously: set_config(..., true) lasts until the end of
        # this statement's own transaction, so its commit does not wait for the WAL flush
        # (milliseconds on real disks). A PostgreSQL crash may then lose the last fraction
        # of a second of counts (like Redis without persistence), never corrupt anything.
        seen_from_commit_mode = seen_sql(f" FROM {qn('commit_mode')}")
        self.record_head_async = (
            f"WITH {qn('commit_mode')} AS (SELECT set_config('synchronous_commit', 'off', true)), "
            f"{qn('seen')} AS ({seen_from_commit_mode} RETURNING 1), "
            f"{qn('counted')} AS ({self.count_head}"
        )
        # ``known`` reads the table as it was before this statement: true only for a repeat.
        self.record_tail = (
            f") {qn('published')} WHERE EXISTS (SELECT 1 FROM {qn('seen')}) {upsert} RETURNING 1) "  # noqa: S608
            f"SELECT (SELECT count(*) FROM {qn('seen')}), (SELECT count(*) FROM {qn('counted')}), {self.known}"
        )
        self.one_statement_record = connection.vendor == "postgresql"

    def adapt(self, moment: datetime):
        return self.ops.adapt_datetimefield_value(moment)

    def count_views(self, *, article_id: int, hour: datetime, views: int, now: datetime) -> tuple[str, list]:
        """UPSERT ``views`` into the article's hourly bucket, only if the article is published.

        The SELECT is compiled from ``Article.objects.published()``, so "published"
        keeps its single definition; an unpublished or unknown article selects no
        row, inserts nothing and the cursor's rowcount is 0.
        """
        sub_sql, sub_params = _PUBLISHED_IDS.sql_with_params(article_id=article_id, now=now)
        return self.count_head + sub_sql + self.count_tail, [self.adapt(hour), views, *sub_params]

    def seen_params(self, *, reader: str, network: str, article_id: int, now: datetime, cutoff: datetime, cap: int):
        """The parameters of ``seen``: insert or refresh the reader's row unless the network's cap is reached."""
        adapted_cutoff = self.adapt(cutoff)
        return [reader, article_id, self.adapt(now), network, network, article_id, adapted_cutoff, cap, adapted_cutoff]

    def record_view(
        self,
        *,
        reader: str,
        network: str,
        article_id: int,
        now: datetime,
        cutoff: datetime,
        cap: int,
        asynchronous: bool,
    ) -> tuple[str, list]:
        """PostgreSQL: de-duplicate and count in one statement, selecting (new reader?, counted?, repeat?)."""
        seen = self.seen_params(reader=reader, network=network, article_id=article_id, now=now, cutoff=cutoff, cap=cap)
        sub_sql, sub_params = _PUBLISHED_IDS.sql_with_params(article_id=article_id, now=now)
        sql = (self.record_head_async if asynchronous else self.record_head) + sub_sql + self.record_tail
        known = [reader, article_id, self.adapt(cutoff)]
        return sql, [*seen, self.adapt(hour_of(now)), 1, *sub_params, *known]


_vendor_sql: dict[str, _VendorSql] = {}


# The hot path below uses the default connection's wrapper itself: every attribute read
# through ``django.db.connection`` (a proxy) costs a thread-local lookup.
def _run_record_statement(sql: str, params: list) -> tuple[int, int, bool]:
    """Run the PostgreSQL beacon statement, returning (new reader?, counted?, repeat?)."""
    db = connections[DEFAULT_DB_ALIAS]
    with prepared_cursor(db) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _record_statement_with_retry(sql: str, params: list) -> tuple[int, int, bool]:
    """``_run_record_statement`` without Django's per-request ``SELECT 1``, run again once on a dead connection.

    Running it twice cannot count twice: a first attempt that committed left its
    de-duplication row, so the second is a repeat (``articles.compiled.run_on_live_connection``).
    """
    return run_on_live_connection(connections[DEFAULT_DB_ALIAS], lambda: _run_record_statement(sql, params))


def _sql() -> _VendorSql:
    vendor = connection.vendor
    built = _vendor_sql.get(vendor)
    if built is None:
        built = _vendor_sql[vendor] = _VendorSql()
    return built


def _count_views_sql(*, article_id: int, hour: datetime, views: int, now: datetime) -> tuple[str, list]:
    return _sql().count_views(article_id=article_id, hour=hour, views=views, now=now)


def _db_reject_many(rows: list[tuple[datetime, str, int]]) -> None:
    """Add rejection counts (hour, reason, count), in a stable order (no lock-order deadlocks)."""
    rows = sorted((hour, reason, n) for hour, reason, n in rows if n > 0)
    if not rows:
        return
    with connection.cursor() as cursor:
        sql = _sql()
        cursor.executemany(sql.reject, [[sql.adapt(hour), reason, n] for hour, reason, n in rows])


def db_count_rejection(*, reason: str, now: datetime, count: int = 1) -> None:
    """Add ``count`` rejections for ``reason`` to the database bucket of ``now``'s hour (one statement)."""
    _db_reject_many([(hour_of(now), reason, count)])


# --- SQLite writers ----------------------------------------------------------------------------


@contextmanager
def sqlite_writers_queue(db):
    """Beacon writers of one SQLite file take turns on a file lock, not on SQLite's busy handler.

    SQLite lets one writer in at a time; a statement that finds the write lock
    taken is retried by the busy handler after sleeping 1, 2, 5, 10... ms, far
    longer than a beacon holds the lock (tens of microseconds): with two
    workers, those sleeps cost a sixth of the beacon's throughput. Queued on an
    ``flock`` (polled every tenth of a millisecond), the next beacon writer of
    any process on the machine goes almost as soon as the lock is free. Other
    writers (saves, update_rankings) do not queue here: against them the busy
    handler still waits, as before. After ``QUEUE_MAX_WAIT`` seconds a writer
    stops queueing and leaves the wait to SQLite. An in-memory database has no
    other writer.
    """
    path = _sqlite_lock_path(db)
    if path is None or fcntl is None:
        yield
        return
    key = (os.getpid(), path)  # a descriptor inherited through fork would share the other process's lock
    fd = _sqlite_lock_files.get(key)
    if fd is None:
        fd = _sqlite_lock_files[key] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    # Threads of one process share the descriptor, and so its flock: they queue on a thread lock first.
    queued = _SQLITE_THREAD_LOCK.acquire(timeout=QUEUE_MAX_WAIT)
    locked = queued and _flock_within(fd, QUEUE_MAX_WAIT)
    try:
        yield
    finally:
        if locked:
            fcntl.flock(fd, fcntl.LOCK_UN)
        if queued:
            _SQLITE_THREAD_LOCK.release()


QUEUE_MAX_WAIT = 2.0
QUEUE_POLL_SECONDS = 0.0001
_SQLITE_THREAD_LOCK = threading.Lock()
_sqlite_lock_files: dict[tuple[int, str], int] = {}


def _flock_within(fd: int, seconds: float) -> bool:
    """Take the exclusive flock on ``fd``, waiting at most ``seconds``; False if it stayed taken."""
    deadline = None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            now = time.monotonic()
            if deadline is None:
                deadline = now + seconds
            elif now >= deadline:
                return False
            time.sleep(QUEUE_POLL_SECONDS)


def _sqlite_lock_path(db) -> str | None:
    name = str(db.settings_dict.get("NAME") or "")
    if db.vendor != "sqlite" or not name or ":memory:" in name or "mode=memory" in name:
        return None
    return f"{name}-beacon.lock"


# --- Backends ---------------------------------------------------------------------------------


class CounterBackend:
    name = "base"

    def record(self, *, article_id: int, reader: str, network: str, now: datetime) -> str:
        """Count one view of ``article_id`` by ``reader`` of ``network`` unless a limit says otherwise.

        In this order: the reader's rate limit, the network's rate limit (both
        per minute), the reader's repeat within ``DEDUP_SECONDS``, then the
        network's cap of distinct readers counted for the article within that
        window (``NETWORK_READERS_PER_ARTICLE``). Returns ``COUNTED`` or the
        ``RejectedViewHourly.Reason`` it was counted as.
        """
        raise NotImplementedError

    def reject(self, *, reason: str, now: datetime, count: int = 1) -> None:
        """Count ``count`` beacons rejected for ``reason`` in ``now``'s hour."""
        raise NotImplementedError

    def flush(self, *, now: datetime | None = None) -> FlushResult:
        """Move pending counts to the database and tidy up; safe to run concurrently."""
        raise NotImplementedError

    def unflushed_since(self) -> datetime | None:
        """When the oldest count not yet in the database was recorded; None if nothing is pending."""
        return None

    @staticmethod
    def _settings() -> dict:
        return settings.RANKINGS


class DatabaseBackend(CounterBackend):
    """Counts straight into the database: one statement per view on PostgreSQL, two on SQLite."""

    name = "database"

    @staticmethod
    def _over_rate_limit(*, key: str, limit: int, now: datetime) -> bool:
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
        seen = redis_circuit.call("rankings rate limit", seen_this_minute, default=0)
        return seen > limit

    def _rate_limited(self, *, reader: str, network: str, now: datetime) -> str | None:
        conf = self._settings()
        # Both counters see every beacon, so a network's count includes its rate-limited readers.
        over_reader = self._over_rate_limit(key=f"rl:{reader}", limit=conf["RATE_LIMIT_PER_MINUTE"], now=now)
        over_network = self._over_rate_limit(
            key=f"nrl:{network}", limit=conf.get("NETWORK_RATE_LIMIT_PER_MINUTE", 0), now=now
        )
        if over_reader:
            return Reason.RATE_LIMITED
        if over_network:
            return Reason.NETWORK_RATE_LIMITED
        return None

    def record(self, *, article_id: int, reader: str, network: str, now: datetime) -> str:
        limited = self._rate_limited(reader=reader, network=network, now=now)
        if limited:
            self.reject(reason=limited, now=now)
            return limited
        conf = self._settings()
        cutoff = now - timedelta(seconds=conf["DEDUP_SECONDS"])
        cap = conf.get("NETWORK_READERS_PER_ARTICLE", 0) or NO_CAP
        sql = _sql()
        if sql.one_statement_record:
            # Asynchronous commit only for a statement that is its own transaction,
            # never for a caller's transaction.
            asynchronous = conf.get("ASYNC_COMMIT", True) and not connection.in_atomic_block
            new_reader, counted, repeat = _record_statement_with_retry(
                *sql.record_view(
                    reader=reader,
                    network=network,
                    article_id=article_id,
                    now=now,
                    cutoff=cutoff,
                    cap=cap,
                    asynchronous=asynchronous,
                )
            )
        else:  # SQLite: two statements, each its own cheap WAL commit
            seen_params = sql.seen_params(
                reader=reader, network=network, article_id=article_id, now=now, cutoff=cutoff, cap=cap
            )
            with sqlite_writers_queue(connection), connection.cursor() as cursor:
                cursor.execute(sql.seen, seen_params)
                new_reader = cursor.rowcount
                counted = 0
                if new_reader:
                    count_sql, params = sql.count_views(article_id=article_id, hour=hour_of(now), views=1, now=now)
                    cursor.execute(count_sql, params)
                    counted = cursor.rowcount
            # Only a rejected beacon pays for telling a repeat from the network's cap.
            repeat = not new_reader and (
                ReaderSeen.objects.filter(reader=reader, article_id=article_id, seen_at__gt=cutoff).exists()
            )
        if not new_reader:
            outcome = Reason.REPEAT if repeat else Reason.NETWORK_CAP
        elif counted:
            outcome = COUNTED
        else:
            outcome = Reason.UNPUBLISHED
        if outcome == Reason.UNPUBLISHED:
            # Don't let a draft's preview (or a crafted id) block the reader's
            # first real view once the article is published.
            ReaderSeen.objects.filter(reader=reader, article_id=article_id).delete()
        if outcome != COUNTED:
            self.reject(reason=outcome, now=now)
        return outcome

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


# Lua scripts run atomically in Redis: no other command interleaves.
_RECORD_LUA = """
-- KEYS: rate-limit counter, seen marker, live views hash, live rejects hash, live "since",
--       network rate-limit counter, network's readers of the article (sorted set: reader -> time)
-- ARGV: limit per minute, dedup seconds, views field, rejects field prefix, now (epoch seconds),
--       network limit per minute, network's readers per article, reader id
local limit = tonumber(ARGV[1])
local dedup = tonumber(ARGV[2])
local now = tonumber(ARGV[5])
local network_limit = tonumber(ARGV[6])
local cap = tonumber(ARGV[7])
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], 90) end
-- The network's counter sees every beacon of the network, its rate-limited readers' too.
local m = 0
if network_limit > 0 then
  m = redis.call('INCR', KEYS[6])
  if m == 1 then redis.call('EXPIRE', KEYS[6], 90) end
end
local outcome = 'counted'
if limit > 0 and n > limit then
  outcome = 'rate_limited'
elseif network_limit > 0 and m > network_limit then
  outcome = 'network_rate_limited'
elseif dedup > 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  outcome = 'repeat'
elseif dedup > 0 then
  if cap > 0 then
    -- Readers of this network counted for the article within the window: at most ``cap``.
    redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now - dedup)
    if redis.call('ZCARD', KEYS[7]) >= cap then
      outcome = 'network_cap'
    else
      redis.call('ZADD', KEYS[7], now, ARGV[8])
      redis.call('EXPIRE', KEYS[7], dedup)
    end
  end
  if outcome == 'counted' then redis.call('SET', KEYS[2], '1', 'EX', dedup) end
end
local created
if outcome == 'counted' then
  created = redis.call('HINCRBY', KEYS[3], ARGV[3], 1) == 1
else
  created = redis.call('HINCRBY', KEYS[4], ARGV[4] .. outcome, 1) == 1
end
-- "since" only needs setting when a live hash may have just been created: a claim renames
-- both hashes away, so the next write after it always creates a field (HINCRBY returns 1).
if created then redis.call('SET', KEYS[5], ARGV[5], 'NX') end
return outcome
"""
_RECORD_SHA = hashlib.sha1(_RECORD_LUA.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1
_RECORD_KEYS = 7

_CLAIM_LUA = """
-- KEYS: live views, live rejects, live since, batches zset, batch views, batch rejects, batch since
-- ARGV: batch id, claim time (epoch seconds)
local has_views = redis.call('EXISTS', KEYS[1]) == 1
local has_rejects = redis.call('EXISTS', KEYS[2]) == 1
if not has_views and not has_rejects then
  redis.call('DEL', KEYS[3])
  return 0
end
if has_views then redis.call('RENAME', KEYS[1], KEYS[5]) end
if has_rejects then redis.call('RENAME', KEYS[2], KEYS[6]) end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('RENAME', KEYS[3], KEYS[7])
else
  redis.call('SET', KEYS[7], ARGV[2])
end
redis.call('ZADD', KEYS[4], tonumber(ARGV[2]), ARGV[1])
return 1
"""


class RedisBackend(CounterBackend):
    """Counts in Redis, one round trip per beacon; ``flush`` moves them to the database."""

    name = "redis"

    def __init__(self, *, url: str, prefix: str = DEFAULT_REDIS_PREFIX):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.url = url
        self.prefix = prefix
        common = {"retry": Retry(NoBackoff(), 0), "health_check_interval": 30}
        self.client = redis.Redis.from_url(
            url,
            socket_connect_timeout=getattr(settings, "REDIS_CONNECT_TIMEOUT", REDIS_CONNECT_TIMEOUT),
            socket_timeout=getattr(settings, "REDIS_SOCKET_TIMEOUT", REDIS_SOCKET_TIMEOUT),
            **common,
        )
        # The flush moves whole batches: it may wait longer than a beacon.
        self.flush_client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_FLUSH_TIMEOUT, socket_timeout=REDIS_FLUSH_TIMEOUT, **common
        )
        self._claim_script = self.flush_client.register_script(_CLAIM_LUA)
        self._beacon = threading.local()  # .connection, .pid: each thread's own beacon connection

    # keys
    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def _batch_keys(self, batch_id: str) -> tuple[str, str, str]:
        return tuple(self.key("batch", batch_id, part) for part in ("views", "rejects", "since"))

    # failure handling: the breaker every use of Redis shares (newsroom.circuit)
    @staticmethod
    def _available() -> bool:
        return redis_circuit.allows()

    def _failed(self, exc: BaseException, *, now: datetime, count: int = 1) -> str:
        # Logged by the breaker, once per outage period, not once per beacon.
        redis_circuit.failed(f"rankings counters at {self._safe_url()}, beacons not counted", exc)
        self._count_backend_error(now=now, count=count)
        return Reason.BACKEND_ERROR

    def _count_backend_error(self, *, now: datetime, count: int = 1) -> None:
        try:
            db_count_rejection(reason=Reason.BACKEND_ERROR, now=now, count=count)
        except DatabaseError:
            logger.exception("rankings: could not count a backend error either")

    def _safe_url(self) -> str:
        kwargs = self.client.connection_pool.connection_kwargs
        return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"

    # recording
    def record(self, *, article_id: int, reader: str, network: str, now: datetime) -> str:
        import redis

        if not self._available():
            self._count_backend_error(now=now)
            return Reason.BACKEND_ERROR
        conf = self._settings()
        epoch = int(now.timestamp())
        hour = epoch - epoch % 3600
        try:
            outcome = self._record_script_run(
                self.key("rl", reader, str(epoch // 60)),
                self.key("seen", reader, str(article_id)),
                self.key("views"),
                self.key("rejects"),
                self.key("since"),
                self.key("nrl", network, str(epoch // 60)),
                self.key("net", network, str(article_id)),
                conf["RATE_LIMIT_PER_MINUTE"],
                conf["DEDUP_SECONDS"],
                f"{hour}:{article_id}",
                f"{hour}:",
                epoch,
                conf.get("NETWORK_RATE_LIMIT_PER_MINUTE", 0),
                conf.get("NETWORK_READERS_PER_ARTICLE", 0),
                reader,
            )
        except (redis.RedisError, OSError) as exc:
            return self._failed(exc, now=now)
        redis_circuit.succeeded()
        outcome = outcome.decode() if isinstance(outcome, bytes) else outcome
        return COUNTED if outcome == COUNTED else Reason(outcome)

    def _record_script_run(self, *keys_then_args):
        """Run the record script (``_RECORD_KEYS`` keys, then its arguments) on this thread's beacon connection.

        When a connection that has answered before fails with a connection
        error, it is opened again and the script sent once more; a connection
        that has never answered (Redis is down) raises at once, so an outage
        costs one connect timeout.
        """
        from redis.exceptions import ConnectionError as RedisConnectionError

        local = self._beacon
        if getattr(local, "pid", None) != os.getpid():
            # Per thread, and new after a fork: an inherited connection shares its socket with the parent.
            pool = self.client.connection_pool
            local.connection = pool.connection_class(**{**pool.connection_kwargs, "client_name": BEACON_CLIENT_NAME})
            local.pid, local.proven = os.getpid(), False
        connection = local.connection
        while True:
            proven, local.proven = local.proven, False
            try:
                reply = self._record_script_send(connection, keys_then_args)
            except RedisConnectionError:
                connection.disconnect()  # the next command connects again
                if not proven:
                    raise
                continue
            except BaseException:
                # Whatever happened (a timeout, an interrupted read), a reply may still be on its way.
                connection.disconnect()
                raise
            local.proven = True
            return reply

    @staticmethod
    def _record_script_send(connection, keys_then_args):
        from redis.exceptions import NoScriptError

        try:
            connection.send_command("EVALSHA", _RECORD_SHA, _RECORD_KEYS, *keys_then_args)
            return connection.read_response()
        except NoScriptError:
            # Redis restarted or its script cache was flushed: EVAL runs the script and caches it again.
            connection.send_command("EVAL", _RECORD_LUA, _RECORD_KEYS, *keys_then_args)
            return connection.read_response()

    def reject(self, *, reason: str, now: datetime, count: int = 1) -> None:
        import redis

        if not self._available():
            self._count_backend_error(now=now, count=count)
            return
        epoch = int(now.timestamp())
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.hincrby(self.key("rejects"), f"{epoch - epoch % 3600}:{reason}", count)
            pipe.set(self.key("since"), epoch, nx=True)
            pipe.execute()
        except (redis.RedisError, OSError) as exc:
            self._failed(exc, now=now, count=count)
            return
        redis_circuit.succeeded()

    # flushing
    def claim(self, *, now: datetime | None = None) -> str | None:
        """Atomically move the live counters into a new batch; returns its id, or None if nothing is pending."""
        now = now or timezone.now()
        batch_id = f"{int(now.timestamp() * 1000):015d}-{uuid.uuid4().hex}"
        claimed = self._claim_script(
            keys=[
                self.key("views"),
                self.key("rejects"),
                self.key("since"),
                self.key("batches"),
                *self._batch_keys(batch_id),
            ],
            args=[batch_id, int(now.timestamp())],
        )
        return batch_id if claimed else None

    def pending_batches(self) -> list[str]:
        """Claimed batches not yet forgotten, oldest first (leftovers of a run that died come first)."""
        return [b.decode() for b in self.flush_client.zrange(self.key("batches"), 0, -1)]

    def apply(self, batch_id: str, *, now: datetime | None = None) -> FlushResult:
        """Apply one batch to the database exactly once (idempotent by ``PageViewFlush.batch_id``)."""
        now = now or timezone.now()
        views_key, rejects_key, _ = self._batch_keys(batch_id)
        pipe = self.flush_client.pipeline(transaction=False)
        pipe.hgetall(views_key)
        pipe.hgetall(rejects_key)
        raw_views, raw_rejects = pipe.execute()
        views = sorted(_parse_counter_fields(raw_views))  # (hour, article_id, n): stable lock order
        rejected: dict[tuple[datetime, str], int] = defaultdict(int)
        for hour, reason, n in _parse_counter_fields(raw_rejects, int_key=False):
            rejected[(hour, reason)] += n

        result = FlushResult(batches=1)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {_qn(PageViewFlush._meta.db_table)} "  # noqa: S608
                    f"({_qn('batch_id')}, {_qn('applied_at')}, {_qn('views')}, {_qn('rejected')}) "
                    f"VALUES (%s, %s, 0, 0) ON CONFLICT ({_qn('batch_id')}) DO NOTHING",
                    [batch_id, _adapt(now)],
                )
                if cursor.rowcount == 0:
                    # Applied already: by a concurrent flush, or by a run that died before forgetting it.
                    return FlushResult(skipped_batches=1)
                for hour, article_id, n in views:
                    sql, params = _count_views_sql(article_id=article_id, hour=hour, views=n, now=now)
                    cursor.execute(sql, params)
                    if cursor.rowcount:
                        result.views += n
                    else:  # unpublished (or deleted) since the beacon: not counted, but accounted for
                        rejected[(hour, Reason.UNPUBLISHED.value)] += n
            _db_reject_many([(hour, reason, n) for (hour, reason), n in rejected.items()])
            for (_, reason), n in rejected.items():
                result.rejected[reason] = result.rejected.get(reason, 0) + n
            PageViewFlush.objects.filter(batch_id=batch_id).update(views=result.views, rejected=result.rejected_total)
        return result

    def forget(self, batch_id: str) -> None:
        """Delete an applied batch from Redis."""
        pipe = self.flush_client.pipeline(transaction=True)
        pipe.delete(*self._batch_keys(batch_id))
        pipe.zrem(self.key("batches"), batch_id)
        pipe.execute()

    def flush(self, *, now: datetime | None = None) -> FlushResult:
        import redis

        now = now or timezone.now()
        total = FlushResult()
        try:
            self.claim(now=now)
            for batch_id in self.pending_batches():
                _merge(total, self.apply(batch_id, now=now))
                self.forget(batch_id)
        except (redis.RedisError, OSError) as exc:
            raise BackendUnavailable(f"Redis unavailable at {self._safe_url()}: {exc}") from exc
        PageViewFlush.objects.filter(applied_at__lt=now - FLUSH_LOG_RETENTION).delete()
        return total

    def unflushed_since(self) -> datetime | None:
        import redis

        try:
            keys = [self.key("since")] + [self._batch_keys(b)[2] for b in self.pending_batches()]
            values = [v for v in self.flush_client.mget(keys) if v is not None]
        except (redis.RedisError, OSError) as exc:
            raise BackendUnavailable(f"Redis unavailable at {self._safe_url()}: {exc}") from exc
        if not values:
            return None
        return datetime.fromtimestamp(min(int(float(v)) for v in values), tz=UTC)


def _parse_counter_fields(raw: dict, *, int_key: bool = True):
    """Yield (hour, key, n) from a counters hash whose fields are ``"<hour epoch>:<key>"``."""
    for raw_field, raw_value in raw.items():
        try:
            hour_text, key = raw_field.decode().split(":", 1)
            hour = datetime.fromtimestamp(int(hour_text), tz=UTC)
            n = int(raw_value)
            key = int(key) if int_key else key
        except (ValueError, UnicodeDecodeError):
            logger.error("rankings: ignoring malformed counter field %r=%r", raw_field, raw_value)
            continue
        if n > 0:
            yield hour, key, n


def _merge(total: FlushResult, part: FlushResult) -> None:
    total.batches += part.batches
    total.skipped_batches += part.skipped_batches
    total.views += part.views
    for reason, n in part.rejected.items():
        total.rejected[reason] = total.rejected.get(reason, 0) + n


_backends: dict[tuple, CounterBackend] = {}
_backends_lock = threading.Lock()


def get_backend() -> CounterBackend:
    """The counter backend ``settings.RANKINGS`` selects (one instance per configuration and process)."""
    conf = settings.RANKINGS
    name = conf["BACKEND"]
    if name == "database":
        key = ("database",)
    elif name == "redis":
        if not conf.get("REDIS_URL"):
            raise ImproperlyConfigured('RANKINGS["BACKEND"] is "redis" but RANKINGS["REDIS_URL"] is empty.')
        key = ("redis", conf["REDIS_URL"], conf.get("REDIS_KEY_PREFIX", DEFAULT_REDIS_PREFIX))
    else:
        raise ImproperlyConfigured(f'Unknown RANKINGS["BACKEND"] {name!r}: use "database" or "redis".')
    backend = _backends.get(key)
    if backend is None:
        with _backends_lock:
            backend = _backends.get(key)
            if backend is None:
                backend = DatabaseBackend() if name == "database" else RedisBackend(url=key[1], prefix=key[2])
                _backends[key] = backend
    return backend
