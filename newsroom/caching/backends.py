"""Django's Redis cache backend, keeping one client object per connection pool.

Django's ``RedisCacheClient.get_client()`` builds a new ``redis.Redis`` for
every cache operation, and redis-py fills each new client's table of about
170 response callbacks: more CPU than the round trip itself. An uncached
article page makes five cache reads (fragments, ranking lists, generations),
so that was a third of its time in production mode. A ``redis.Redis`` is safe
to share between threads (every command takes a connection from the pool)
and after a fork (the pool notices the new process and reconnects), so one per
pool is kept.
"""

import re

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with ``RedisCacheClient`` above; same options.

    ``clear()`` deletes the keys under this cache's ``KEY_PREFIX`` only, where
    Django's runs ``FLUSHDB``: the Redis database may also hold the rankings
    counters (not yet flushed to the database) and other sites' keys.
    """

    # Keys deleted per UNLINK while clearing.
    CLEAR_BATCH = 1000

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        self.servers = re.split("[;,]", server) if isinstance(server, str) else list(server)
        self.options = params.get("OPTIONS", {})

    def clear_pattern(self) -> str:
        """The ``SCAN MATCH`` pattern of every key this cache wrote (Django's keys are ``prefix:version:key``)."""
        return re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"

    def clear(self) -> bool:
        import redis

        # Writes go to the first server (Django's RedisCacheClient): that is where the keys are.
        timeouts = {
            name: self.options[name] for name in ("socket_connect_timeout", "socket_timeout") if name in self.options
        }
        with redis.Redis.from_url(self.servers[0], **timeouts) as client:
            batch = []
            for key in client.scan_iter(match=self.clear_pattern(), count=self.CLEAR_BATCH):
                batch.append(key)
                if len(batch) >= self.CLEAR_BATCH:
                    client.unlink(*batch)
                    batch.clear()
            if batch:
                client.unlink(*batch)
        return True
