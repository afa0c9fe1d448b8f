"""In-process beacon benchmark (run through ``bench/beacon_inprocess``): microseconds per request, no HTTP.

``bench/beacon`` measures requests/s under gunicorn and wrk, which a busy
(shared) machine makes noisy. This one calls the WSGI application
(``newsroom.wsgi.application``) in a loop with a POST environ, a NEW reader
(``X-Forwarded-For``) on every request as ``bench/beacon.lua`` does, and
reports wall and CPU microseconds per beacon and per ``/healthz``: the cost
of our own code, database and Redis round trips included. ``--profile``
prints a cProfile of the beacon instead.

Modes as in ``bench/beacon``: ``sqlite`` (a fresh scratch file), ``postgres``
(``BENCH_PG_URL``), ``redis`` (``BENCH_REDIS_URL`` + PostgreSQL). Each mode
runs in its own process (Django is set up once per process).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path
from wsgiref.util import setup_testing_defaults

from _common import bench_article_ensure, pg_database_ensure, say  # bench/ is on sys.path when run as a script
from beacon_bench import mode_env

ROOT = Path(__file__).resolve().parent.parent
READER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"


def task_measure(requests: int, rounds: int, profile: bool) -> None:
    """Inside the mode's environment: seed, warm up, time beacons and /healthz; print JSON."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rankings.tokens import page_view_token_make

    call_command("migrate", verbosity=0)
    article = bench_article_ensure()
    body = f"a={article.pk}&t={page_view_token_make(article_id=article.pk)}".encode()
    connection.close()  # as a fresh gunicorn worker: the connection opens on the first request

    from newsroom.wsgi import application

    statuses: dict[str, int] = {}
    run = int(time.time() * 1000) % 0xFFFF  # part of every reader address: fresh readers each run

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    def call(n: int, *, beacon: bool) -> None:
        environ = {
            "REQUEST_METHOD": "POST" if beacon else "GET",
            "PATH_INFO": "/rankings/beacon" if beacon else "/healthz",
            "SERVER_NAME": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": READER_UA,
            # Written as a proxy writes it (canonical), as bench/beacon.lua does: 3fff:<run>:<k>:<n>::1, a /64
            # of its own (the network limits group a /64) in IPv6's documentation prefix 3fff::/20.
            "HTTP_X_FORWARDED_FOR": f"3fff:{run & 0xFFF:x}:{1 + n // 0xFFFF:x}:{1 + n % 0xFFFF:x}::1",
            "wsgi.input": io.BytesIO(body if beacon else b""),
            "wsgi.multiprocess": True,
        }
        setup_testing_defaults(environ)  # the rest of a WSGI environ, as a server fills it in
        if beacon:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded;charset=UTF-8"
            environ["CONTENT_LENGTH"] = str(len(body))
        response = application(environ, start_response)
        for _chunk in response:
            pass
        if hasattr(response, "close"):  # optional in WSGI
            response.close()

    counter = iter(range(1, 1 << 31))
    for _ in range(300):  # warm-up: imports, connections, caches
        call(next(counter), beacon=True)
        call(next(counter), beacon=False)
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            call(next(counter), beacon=True)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        return

    def timed(beacon: bool) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(requests):
            call(next(counter), beacon=beacon)
        return (time.perf_counter() - wall) / requests * 1e6, (time.process_time() - cpu) / requests * 1e6

    beacon, health = [], []
    for _ in range(rounds):  # interleaved, best of the rounds: the least disturbed by other load
        beacon.append(timed(True))
        health.append(timed(False))
    print(
        json.dumps(
            {
                "beacon_wall": min(w for w, _ in beacon),
                "beacon_cpu": min(c for _, c in beacon),
                "healthz_wall": min(w for w, _ in health),
                "healthz_cpu": min(c for _, c in health),
                "statuses": statuses,
            }
        )
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="sqlite,postgres,redis", help="comma-separated: sqlite,postgres,redis")
    parser.add_argument("--requests", type=int, default=2000, help="requests per timed round (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds; the best one counts (default 5)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the beacon instead")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/beacon"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    args = parser.parse_args(argv)
    scratch = Path(os.environ.get("BENCH_DIR", "/tmp/newsroom-bench-beacon-inprocess"))
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "static").mkdir(exist_ok=True)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    say(
        f"bench/beacon_inprocess: {args.rounds} x {args.requests} requests per endpoint, best round;"
        f" load {os.getloadavg()[0]:.1f}"
    )
    say(f"{'mode':9} {'beacon us':>10} {'(cpu)':>7} {'healthz us':>11} {'(cpu)':>7} {'wall ratio':>10}")
    for mode in modes:
        if mode == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (scratch / f"inprocess.sqlite3{suffix}").unlink(missing_ok=True)
        else:
            pg_database_ensure(args.pg_url)
        env = mode_env(
            mode, secret="bench-inprocess-" + "x" * 40, pg_url=args.pg_url, redis_url=args.redis_url, scratch=scratch
        )
        cmd = [sys.executable, __file__, "_measure", str(args.requests), str(args.rounds), str(int(args.profile))]
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            say(f"{mode}: failed\n{done.stderr[-3000:]}")
            return 1
        if args.profile:
            say(f"\n=== {mode} ===\n{done.stderr}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        say(
            f"{mode:9} {r['beacon_wall']:10.0f} {r['beacon_cpu']:7.0f} {r['healthz_wall']:11.0f}"
            f" {r['healthz_cpu']:7.0f} {r['healthz_wall'] / r['beacon_wall']:9.2f}x   {r['statuses']}"
        )
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 4 and sys.argv[1] == "_measure":
        task_measure(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1")
    else:
        sys.exit(main())
