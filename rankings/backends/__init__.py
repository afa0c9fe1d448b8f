"""Where page-view counts go first: the database (default) or Redis.

Both backends keep *counts*, never a row per view: one counter per article
per UTC hour (``PageViewHourly``) and one per rejection reason per hour
(``RejectedViewHourly``).

* ``base``: the interface (``CounterBackend``), outcomes and flush results;
* ``database``: ``DatabaseBackend``, counting straight into the database;
* ``redis``: ``RedisBackend``, counting in Redis (one Lua script per beacon),
  moved to the database by ``flush_page_views`` exactly once;
* ``sql``: the raw upserts both write with (and the ORM's "published");
* ``sqlite_queue``: beacon writers of a SQLite file queue on a file lock.

``get_backend()`` returns the one ``settings.RANKINGS["BACKEND"]`` names.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from rankings.backends.base import COUNTED, BackendUnavailable, CounterBackend, FlushResult, Reason, hour_of
from rankings.backends.database import DatabaseBackend, prune_reader_seen
from rankings.backends.redis import DEFAULT_REDIS_PREFIX, RedisBackend
from rankings.backends.sql import db_count_rejection

__all__ = [
    "COUNTED",
    "BackendUnavailable",
    "CounterBackend",
    "DatabaseBackend",
    "FlushResult",
    "Reason",
    "RedisBackend",
    "db_count_rejection",
    "get_backend",
    "hour_of",
    "prune_reader_seen",
]

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
