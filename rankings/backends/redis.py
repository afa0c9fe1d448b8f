"""The ``redis`` backend: counts in Redis, moved to the database by ``flush_page_views``.

One Lua script per beacon (one round trip, atomic): reader and network rate
limits ``INCR``/``EXPIRE``, the de-duplication marker (``EXISTS``, then ``SET
EX``), the network's readers of the article (a sorted set trimmed to the
window, at most ``NETWORK_READERS_PER_ARTICLE`` members), ``HINCRBY`` on the
live counters hash. Each thread sends it on a connection of its own, through
redis-py's public ``Connection`` API (``send_command``/``read_response``:
``EVALSHA``, or ``EVAL`` once after a Redis restart): the client's
per-command machinery (pool checkout and return, retry wrapper, event and
metrics hooks) cost as much CPU as the rest of the beacon's own code. A
connection that has answered before and turns out to be dead (Redis
restarted, an idle timeout) is opened again and the script sent once more.
Should the first run have reached Redis after all, the second cannot count the
view twice: the marker makes it a repeat (one "repeat" rejection too many, no
view lost or doubled).

``flush_page_views`` moves the counters to the database:

* *claim*: a Lua script atomically ``RENAME``\\s the live hashes to a new
  batch (uuid) and records the batch id in a sorted set; beacons arriving
  after it start a fresh live hash, so nothing is counted twice or lost;
* *apply*: in ONE database transaction, insert the batch id into
  ``PageViewFlush`` (unique) and upsert the counts of the articles still
  published (``Article.objects.published()``; the others are counted as
  ``unpublished``); when the batch id is already there, another flush (or an
  earlier run that died after its commit) applied it, and the batch is
  skipped;
* *forget*: delete the batch keys and its id from the sorted set.

Every run first applies every batch still in the sorted set, so a run that
died anywhere leaves work the next run finishes exactly once, and concurrent
runs serialize on the batch's unique row.

If Redis does not answer (short socket timeouts, ``REDIS_SOCKET_TIMEOUT``),
the beacon is not counted: the failure is logged, counted as
``backend_error`` in the database, and Redis is left alone for
``REDIS_BACKOFF_SECONDS`` by the circuit breaker every use of Redis shares
(``newsroom.circuit``), so an outage never slows the endpoint down. While it
is open, beacons are counted as ``backend_error`` at once, without trying
Redis; counting resumes with the first beacon after Redis answers again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
from collections import defaultdict
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.retry import Retry

from newsroom.circuit import redis_circuit
from rankings.backends.base import (
    COUNTED,
    FLUSH_LOG_RETENTION,
    BackendUnavailable,
    CounterBackend,
    FlushResult,
    Reason,
)
from rankings.backends.sql import articles_published, db_count_rejection, rejections_add_many, views_add_many
from rankings.models import PageViewFlush

logger = logging.getLogger(__name__)

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

# Lua scripts run atomically in Redis: no other command interleaves.
RECORD_LUA = """
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
RECORD_SHA = hashlib.sha1(RECORD_LUA.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1
RECORD_KEYS = 7

CLAIM_LUA = """
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
        self._claim_script = self.flush_client.register_script(CLAIM_LUA)
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
        if not self._available():
            self._count_backend_error(now=now)
            return Reason.BACKEND_ERROR
        conf = self.conf()
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
        """Run the record script (``RECORD_KEYS`` keys, then its arguments) on this thread's beacon connection.

        When a connection that has answered before fails with a connection
        error, it is opened again and the script sent once more; a connection
        that has never answered (Redis is down) raises at once, so an outage
        costs one connect timeout.
        """
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
        try:
            connection.send_command("EVALSHA", RECORD_SHA, RECORD_KEYS, *keys_then_args)
            return connection.read_response()
        except NoScriptError:
            # Redis restarted or its script cache was flushed: EVAL runs the script and caches it again.
            connection.send_command("EVAL", RECORD_LUA, RECORD_KEYS, *keys_then_args)
            return connection.read_response()

    def reject(self, *, reason: str, now: datetime, count: int = 1) -> None:
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
            _, created = PageViewFlush.objects.get_or_create(batch_id=batch_id, defaults={"applied_at": now})
            if not created:
                # Applied already: by a concurrent flush, or by a run that died before forgetting it.
                return FlushResult(skipped_batches=1)
            published = articles_published(article_ids={article_id for _, article_id, _ in views}, now=now)
            for hour, article_id, n in views:
                if article_id in published:
                    result.views += n
                else:  # unpublished (or deleted) since the beacon: not counted, but accounted for
                    rejected[(hour, Reason.UNPUBLISHED.value)] += n
            views_add_many([row for row in views if row[1] in published])
            rejections_add_many([(hour, reason, n) for (hour, reason), n in rejected.items()])
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
        now = now or timezone.now()
        total = FlushResult()
        try:
            self.claim(now=now)
            for batch_id in self.pending_batches():
                total.merge(self.apply(batch_id, now=now))
                self.forget(batch_id)
        except (redis.RedisError, OSError) as exc:
            raise BackendUnavailable(f"Redis unavailable at {self._safe_url()}: {exc}") from exc
        PageViewFlush.objects.filter(applied_at__lt=now - FLUSH_LOG_RETENTION).delete()
        return total

    def unflushed_since(self) -> datetime | None:
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
