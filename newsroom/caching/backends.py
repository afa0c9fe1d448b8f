"""The Redis cache backend: django-redis, with a ``clear()`` that deletes only this site's keys.

django-redis (maintained, documented options) keeps one ``redis.Redis`` client per server for
the process, where Django's own ``RedisCache`` builds a new one for every call (and redis-py
fills each new client's table of response callbacks: more CPU than the round trip itself on
an uncached page's five cache reads). Its ``SOCKET_CONNECT_TIMEOUT`` / ``SOCKET_TIMEOUT``
options carry the 0.25 s timeouts; errors are raised (``IGNORE_EXCEPTIONS`` stays off) so the
one circuit breaker (``newsroom.circuit``) sees them.
"""

from __future__ import annotations

from django_redis.cache import RedisCache as DjangoRedisCache

# Keys deleted per UNLINK while clearing.
CLEAR_BATCH = 1000


def glob_escape(text: str) -> str:
    """``text`` matched literally by Redis's ``SCAN MATCH`` (``*``, ``?``, ``[``, ``]`` and ``\\`` escaped)."""
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)


class RedisCache(DjangoRedisCache):
    """``django_redis.cache.RedisCache`` (same options) whose ``clear()`` spares everything but its own keys.

    django-redis's ``clear()`` runs ``FLUSHDB``; the Redis database may also hold the ranking
    counters (not yet flushed to the database) and other sites' keys. Here it deletes the keys
    under this cache's ``KEY_PREFIX``, of every code version (``prefix:version:key``).
    """

    def clear_pattern(self) -> str:
        """The ``SCAN MATCH`` pattern of every key this cache wrote, whatever its version."""
        return glob_escape(self.key_prefix) + ":*"

    def clear(self) -> bool:
        # django-redis's documented raw client (``get_redis_connection`` gives the same one).
        client = self.client.get_client(write=True)
        batch = []
        for key in client.scan_iter(match=self.clear_pattern(), count=CLEAR_BATCH):
            batch.append(key)
            if len(batch) >= CLEAR_BATCH:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)
        return True
