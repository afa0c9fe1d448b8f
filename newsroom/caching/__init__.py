"""The one cache layer: everything that stores, reads or invalidates cached copies of reader pages.

A newcomer finds it all here (``rankings`` and ``articles`` import it from here):

* ``middleware``: the full-page cache for anonymous readers (``X-Cache: hit|miss|bypass|outage``),
  its keys (known query parameters only) and ``Cache-Control`` for the CDN.
* ``generation``: the page-cache *generation*, the one number every stored page and fragment is
  keyed by. Any change to what readers see bumps it; that is the whole invalidation model of the
  embedded mode. ``newsroom.invalidation`` decides *when* (it hears every save) and also purges
  the HTTP cache in front (Varnish) by surrogate key, so both layers follow one rule.
  Page lifetimes (``PAGE_CACHE_SECONDS``, capped before the next scheduled publication) too.
* ``fragments``: rendered HTML shared by many pages (masthead, footer, head metadata, ranking
  lists, an article's loaded relations) under the generation; ``FRAGMENT_CACHE_SECONDS`` (default:
  ``PAGE_CACHE_SECONDS``, so a fragment never outlives the pages built from it).
* ``urls``: ``reverse()`` remembered per process.
* ``backends``: the Redis cache backend (django-redis) whose ``clear()`` deletes only this site's
  cache keys, never the ranking counters or another site's keys.
* ``version``: the code version in every cache key (the cache ``VERSION``), so a deploy never
  unpickles an object of an older shape.

Every use of Redis goes through the one circuit breaker, ``newsroom.circuit`` (shared with the
ranking counters, which is why it lives beside this package).
"""
