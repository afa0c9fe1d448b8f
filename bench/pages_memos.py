"""What each per-process memo of the cache layer saves, per call (in-process; prints figures, not a test).

    .venv/bin/python bench/pages_memos.py                       # local-memory cache
    .venv/bin/python bench/pages_memos.py --redis-url redis://127.0.0.1:6379/15

For each memo listed in the README ("Per-process memos"), the cost of one call with and without it:

* a fragment (rendered HTML, ``--fragment-bytes``) or a loaded article (pickled) from this
  process's copy (``fragment_local_get``) against the shared cache's ``get`` (Redis round trip
  and unpickling, or local memory's unpickling);
* ``reverse_cached`` against Django's ``reverse`` for a tag URL;
* ``page_cache_generation_file`` (remembered) against working it out again.

An uncached article page makes about 5 fragment reads and 7 URL reversals.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def per_call_us(function, *, seconds: float) -> float:
    calls, started = 0, time.perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(200):
            function()
        calls += 200
        now = time.perf_counter()
        if now >= deadline:
            return (now - started) / calls * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis-url", default="", help="measure the shared cache on this Redis (scratch db)")
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement (1)")
    parser.add_argument("--fragment-bytes", type=int, default=6000, help="size of the fragment's HTML (6000)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="newsroom-bench-memos-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{scratch / 'bench.sqlite3'}",  # never the project's db.sqlite3
        NEWSROOM_REDIS_KEY_PREFIX="newsroom-bench-memos",
    )
    os.environ.pop("REDIS_URL", None)
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.urls import reverse

    from newsroom.caching import generation
    from newsroom.caching.fragments import fragment_cache_set, fragment_local_get, fragment_local_set
    from newsroom.caching.generation import page_cache
    from newsroom.caching.urls import reverse_cached

    cache = page_cache()
    html = ("<li><a href='/tag/x/'>A headline of a story</a></li>" * (args.fragment_bytes // 50 + 1))[
        : args.fragment_bytes
    ]
    key = "fragment:bench-memos:1:abc"
    fragment_cache_set(key, html, seconds=600)
    fragment_local_set(key, html, seconds=600)
    rows = []
    rows.append(("fragment: this process's copy", per_call_us(lambda: fragment_local_get(key), seconds=args.seconds)))
    rows.append(("fragment: shared cache get", per_call_us(lambda: cache.get(key), seconds=args.seconds)))
    rows.append(
        ("URL: reverse_cached", per_call_us(lambda: reverse_cached("articles:tag", "economy"), seconds=args.seconds))
    )
    rows.append(("URL: reverse", per_call_us(lambda: reverse("articles:tag", args=["economy"]), seconds=args.seconds)))
    rows.append(
        ("generation file: remembered", per_call_us(generation.page_cache_generation_file, seconds=args.seconds))
    )

    def generation_file_again():
        generation._generation_files.clear()
        return generation.page_cache_generation_file()

    rows.append(("generation file: worked out", per_call_us(generation_file_again, seconds=args.seconds)))
    cache.delete(key)

    backend = "Redis " + args.redis_url if args.redis_url else "local memory"
    print(f"bench/pages_memos ({backend}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    for label, micros in rows:
        print(f"  {label:<34} {micros:8.2f} us/call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
