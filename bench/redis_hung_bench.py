"""Redis-hung benchmark (run through ``bench/redis_hung``): page and beacon latency with Redis healthy, hung, back.

What it does, in one run:

1. Prepares a scratch site under ``BENCH_DIR`` (default ``/tmp/newsroom-bench-redis-hung``): a
   SQLite file (or, with ``--postgres``, the database ``BENCH_PG_URL``), ``migrate``,
   ``seed_demo``, ``update_rankings``, ``collectstatic`` (the same preparation as ``bench/pages``),
   with Django's cache, the page cache and the view counters on a **private** ``redis-server``
   started on a free port (never the shared one: this bench stops it with SIGSTOP).
2. Starts gunicorn (the project's ``gunicorn.conf.py``, 2 sync workers, ``DJANGO_DEBUG=0``) twice:
   **cached** (the production configuration: the full-page cache on) and **rendered**
   (``NEWSROOM_PAGE_CACHE=0``: every page is rendered, using the fragment and list caches).
3. For each server, measures per-request latency (``--requests`` pages over the home page,
   the sections and the articles, and as many beacons, from ``--clients`` concurrent keep-alive
   clients) in three phases: Redis **healthy**, Redis **hung** (``kill -STOP``), Redis
   **resumed** (``kill -CONT``, after the back-off). Prints p50 and p95 of each.
4. Flushes the counters (``flush_page_views``) and prints how many beacons were counted and how
   many were refused as ``backend_error`` (those sent while Redis was hung), so one can see
   counting resume.

Target (issue 9, Faults): with Redis hung, pages and beacons within 2x their healthy p50, on both
servers. With the page cache on, a healthy page is a Redis cache hit; while Redis is hung each
worker answers the pages it served from its own copies (``X-Cache: outage``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

from _common import ROOT, run, say  # bench/ is on sys.path when run as a script
from pages_bench import Server, base_env, prepare

sys.path.insert(0, str(ROOT))
from tests.redis_process import RedisProcess  # noqa: E402 - the project root is on the path only now

TARGET_RATIO = 2.0
TOKEN = re.compile(rb'data-article="(\d+)" data-token="([^"]+)"')


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Client:
    """One keep-alive HTTP/1.1 connection to a server, timing each request."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers or {})
            response = self.connection.getresponse()
            content = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        return time.perf_counter() - started, response.status, content


def beacons_of(server: Server, articles: list[str]) -> list[tuple[str, str]]:
    """(article id, token) of each article page, as beacon.js would send them."""
    client, found = Client(server.port), []
    for path in articles:
        _, status, body = client.request("GET", path)
        match = TOKEN.search(body)
        if status == 200 and match:
            found.append((match.group(1).decode(), match.group(2).decode()))
    if not found:
        raise SystemExit("no beacon token found on the article pages")
    return found


def phase(server: Server, pages: list[str], beacons: list[tuple[str, str]], *, requests: int, clients: int, seq):
    """Send ``requests`` pages and as many beacons from ``clients`` threads; latencies in ms and statuses."""
    page_ms, beacon_ms, statuses = [], [], {}
    lock = threading.Lock()

    def work(worker: int) -> None:
        client = Client(server.port)
        for i in range(worker, requests, clients):
            n = next(seq)
            seconds, status, _ = client.request("GET", pages[i % len(pages)])
            article_id, token = beacons[i % len(beacons)]
            body = f"a={article_id}&t={token}".encode()
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0",
                # A reader of its own per beacon (the proxy in front of gunicorn is trusted): each can count.
                "X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
            }
            beacon_seconds, beacon_status, _ = client.request("POST", "/rankings/beacon", body=body, headers=headers)
            with lock:
                page_ms.append(seconds * 1000)
                beacon_ms.append(beacon_seconds * 1000)
                for key in (f"page {status}", f"beacon {beacon_status}"):
                    statuses[key] = statuses.get(key, 0) + 1

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return page_ms, beacon_ms, statuses


def figures(name: str, values: list[float]) -> dict:
    return {"name": name, "p50": statistics.median(values), "p95": percentile(values, 0.95), "n": len(values)}


def flush_counts(env: dict) -> str:
    out = run([sys.executable, "manage.py", "flush_page_views"], env, capture_output=True, text=True).stdout
    return " ".join(out.split())


def task_backend_errors() -> None:
    """Print the beacons refused as ``backend_error`` (counted straight into the database)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.db.models import Sum

    from rankings.models import RejectedViewHourly

    rows = RejectedViewHourly.objects.filter(reason=RejectedViewHourly.Reason.BACKEND_ERROR)
    print(rows.aggregate(n=Sum("count"))["n"] or 0)


def backend_errors(env: dict) -> int:
    return int(run([sys.executable, __file__, "_backend_errors"], env, capture_output=True, text=True).stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (BENCH_PG_URL) instead of SQLite")
    parser.add_argument("--requests", type=int, default=400, help="pages (and beacons) per phase (400)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive clients (4)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8190")), help="rendered is +1")
    parser.add_argument("--fresh", action="store_true", help="delete the scratch folder (SQLite database) first")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/newsroom_bench_redis_hung"),
        help="scratch PostgreSQL database (created if missing; never point it at real data)",
    )
    args = parser.parse_args()

    mode = "postgres" if args.postgres else "sqlite"
    scratch = Path(os.environ.get("BENCH_DIR", f"/tmp/newsroom-bench-redis-hung-{mode}"))
    if args.fresh and scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    redis_server = RedisProcess().start()
    servers: list[Server] = []
    try:
        # prepare() and base_env() come from bench/pages: the same scratch site, here with Redis.
        args.redis_url = redis_server.url
        env = base_env(args, scratch)
        env["REDIS_URL"] = redis_server.url
        env["NEWSROOM_TRUSTED_PROXY_COUNT"] = "1"
        say(f"bench/redis_hung ({mode}, private redis-server {redis_server.url})")
        found = prepare(args, env)
        pages = ["/", *[u for u in found["urls"] if u.startswith("/section/")][:3]]
        articles = [u for u in found["urls"] if u.startswith("/articles/")][:10]
        pages += articles
        backoff = float(env.get("NEWSROOM_REDIS_BACKOFF_SECONDS", "5"))

        servers = [
            Server("cached", args.port, env, scratch),
            Server("rendered", args.port + 1, {**env, "NEWSROOM_PAGE_CACHE": "0"}, scratch),
        ]
        for server in servers:
            server.wait_ready()
        beacons = beacons_of(servers[0], articles)
        flush_counts(env)  # start from zero pending counts
        errors_before = backend_errors(env)

        seq = iter(range(1, 1 << 24))
        results = {}
        for server in servers:
            for state in ("healthy", "hung", "resumed"):
                if state == "hung":
                    redis_server.hang()
                elif state == "resumed":
                    redis_server.resume()
                    time.sleep(backoff + 0.5)  # the breaker lets a probe through after the back-off
                else:
                    phase(server, pages, beacons, requests=len(pages) * 4, clients=args.clients, seq=seq)  # warm-up
                errors_at_start = backend_errors(env)
                page_ms, beacon_ms, statuses = phase(
                    server, pages, beacons, requests=args.requests, clients=args.clients, seq=seq
                )
                statuses["beacon backend_error"] = backend_errors(env) - errors_at_start
                results[(server.name, state)] = (figures("page", page_ms), figures("beacon", beacon_ms), statuses)
                say(
                    f"  {server.name:<9} {state:<8} pages p50 {statistics.median(page_ms):7.1f} ms "
                    f"p95 {percentile(page_ms, 0.95):7.1f} ms   beacons p50 {statistics.median(beacon_ms):6.1f} ms "
                    f"p95 {percentile(beacon_ms, 0.95):7.1f} ms   {json.dumps(statuses, sort_keys=True)}"
                )
        counted = flush_counts(env)
        refused = backend_errors(env) - errors_before
    finally:
        for server in servers:
            server.stop()
        redis_server.stop()

    say()
    say(f"RESULTS ({mode}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs)")
    for name in ("rendered", "cached"):
        healthy_page, healthy_beacon, _ = results[(name, "healthy")]
        hung_page, hung_beacon, _ = results[(name, "hung")]
        for healthy, hung in ((healthy_page, hung_page), (healthy_beacon, hung_beacon)):
            ratio = hung["p50"] / healthy["p50"]
            target = f"   target <= {TARGET_RATIO:.0f}x: {'PASS' if ratio <= TARGET_RATIO else 'FAIL'}"
            say(
                f"  {name:<9} {healthy['name']:<7} p50 healthy {healthy['p50']:7.1f} ms, hung {hung['p50']:7.1f} ms"
                f" ({ratio:4.2f}x); p95 healthy {healthy['p95']:7.1f} ms, hung {hung['p95']:7.1f} ms{target}"
            )
    say("  (cached pages while hung: each worker's own copies of the pages it served, X-Cache: outage)")
    say(f"  flush_page_views after the run: {counted}")
    say(f"  beacons refused as backend_error during the run (Redis hung or skipped): {refused}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_backend_errors":
        task_backend_errors()
    else:
        sys.exit(main())
