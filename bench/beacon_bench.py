"""Beacon benchmark (run through ``bench/beacon``): the view-counting endpoint against /healthz.

For each mode, in one run:

* ``sqlite``   -- database backend on a scratch SQLite file (WAL), local-memory cache;
* ``postgres`` -- database backend on PostgreSQL (``BENCH_PG_URL``), local-memory cache;
* ``redis``    -- Redis backend (``BENCH_REDIS_URL``) with PostgreSQL, Redis cache (production).

1. migrate, seed one published article and sign its beacon token;
2. start gunicorn with the project's ``gunicorn.conf.py`` (2 sync workers, ``DJANGO_DEBUG=0``,
   generated secret key, ``ALLOWED_HOSTS=127.0.0.1``, no access log, one trusted proxy so
   ``X-Forwarded-For`` names the reader);
3. wrk, interleaved: /healthz, beacon, /healthz, beacon (each ``--seconds`` long, 16 connections,
   ``bench/beacon.lua`` posting a valid token from a NEW reader on every request, each wrk
   thread's requests built before wrk starts its clock; wrk's own CPU per request is printed);
4. "nothing lost" in the timed phase: the counters are read (Redis: after ``flush_page_views``)
   before and after the timed rounds; every beacon answered 204 must be counted (expected vs
   counted is printed). The requests wrk sent but had no answer to when it stopped (in flight)
   may have been counted as well, so counted may exceed expected by at most their number;
   anything else, or any rejection, fails the run;
5. "nothing lost", exactly: N more beacons from distinct readers over keep-alive connections,
   every one answered before counting: the article's counted views must have grown by exactly
   the number of 204 answers, with no rejection;
6. count "database is locked" in the gunicorn log, stop gunicorn (by its own pid).

The beacon is an ordinary Django view behind the project's whole middleware stack (there is one
entry point, ``newsroom.wsgi``), measured against ``/healthz`` on the same server.

Targets: beacon/healthz >= 0.6 (SQLite), 0.5 (PostgreSQL), 0.8 (Redis); p99 <= 30 ms; 0 locked;
nothing lost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from _common import bench_article_ensure, pg_database_ensure, run, say  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"sqlite": 0.6, "postgres": 0.5, "redis": 0.8}
TARGET_P99_MS = 30.0
WORKERS = 2
READER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"


# --- Django-side tasks (child processes with the mode's environment) -------------------------------


def _django_setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()


def task_seed() -> None:
    """Create (once) the bench article; print its id and a fresh token as JSON."""
    _django_setup()
    from rankings.tokens import page_view_token_make

    article = bench_article_ensure()
    print(json.dumps({"article": article.pk, "token": page_view_token_make(article_id=article.pk)}))


def task_count(article_id: int) -> None:
    """Flush pending counters (Redis) and print the article's counted views and all rejections."""
    _django_setup()
    from django.db.models import Sum

    from rankings.models import PageViewHourly, RejectedViewHourly
    from rankings.services import page_views_flush

    page_views_flush()
    views = PageViewHourly.objects.filter(article_id=article_id).aggregate(total=Sum("views"))["total"] or 0
    rejected = dict(RejectedViewHourly.objects.values_list("reason").annotate(total=Sum("count")))
    print(json.dumps({"views": views, "rejected": rejected}))


# --- Orchestration ------------------------------------------------------------------------------------


def child_json(env: dict, *args: str) -> dict:
    out = run([sys.executable, __file__, *args], env, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def mode_env(mode: str, *, secret: str, pg_url: str, redis_url: str, scratch: Path) -> dict:
    """The environment of one mode (sqlite, postgres, redis) for Django; shared with bench/beacon_inprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "NEWSROOM_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secret,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",  # plain HTTP on the loopback
        DJANGO_STATIC_ROOT=str(scratch / "static"),
        DJANGO_LOG_LEVEL="WARNING",
        NEWSROOM_TRUSTED_PROXY_COUNT="1",
    )
    if mode == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{scratch / 'beacon.sqlite3'}"
        env["NEWSROOM_RANKINGS_BACKEND"] = "database"
    elif mode == "postgres":
        env["DATABASE_URL"] = pg_url
        env["NEWSROOM_RANKINGS_BACKEND"] = "database"
    else:
        env["DATABASE_URL"] = pg_url
        env["REDIS_URL"] = redis_url
        env["NEWSROOM_RANKINGS_BACKEND"] = "redis"
    return env


class Server:
    """One gunicorn master started by this script (stopped only by its own pid)."""

    def __init__(self, port: int, env: dict, log: Path):
        self.port, self.log = port, log
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(WORKERS),
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_ERROR_LOG": str(log),
            "GUNICORN_MAX_REQUESTS": "0",
        }
        self.process = None

    def __enter__(self):
        self.log.write_text("")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "newsroom.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited at start; see {self.log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def worker_cpu_seconds(self) -> float:
        """User + system CPU time used so far by the gunicorn workers (children of our master)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:  # ppid
                total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / tick

    def measure(self, url: str, **kwargs) -> dict:
        """wrk against this server, plus the workers' CPU time per answered request."""
        before = self.worker_cpu_seconds()
        result = wrk(url, **kwargs)
        result["cpu_us"] = (self.worker_cpu_seconds() - before) / max(result["requests"], 1) * 1e6
        return result

    def locked_errors(self) -> int:
        return self.log.read_text(errors="replace").lower().count("database is locked")

    def server_errors(self) -> int:
        return len(re.findall(r"Internal Server Error|Traceback", self.log.read_text(errors="replace")))


def wrk(url: str, *, seconds: int, connections: int, env: dict, script: Path | None = None) -> dict:
    cmd = ["wrk", f"-t{WORKERS}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([*cmd, url], env=env, capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)] if p99 else float("nan")
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    # bench/beacon.lua's own count: requests sent, answers read, of which 204.
    stats = re.search(r"^beacon-stats sent=(\d+) answered=(\d+) no_content=(\d+)$", out, re.M)
    return {
        "sent": int(stats.group(1)) if stats else None,
        "answered": int(stats.group(2)) if stats else None,
        "no_content": int(stats.group(3)) if stats else None,
        "rps": rps,
        "p99_ms": p99_ms,
        "requests": total,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        # wrk shares the cores with the server: its own CPU per request is part of what is measured.
        "client_cpu_us": client_cpu / max(total, 1) * 1e6,
    }


def send_beacons(port: int, article: int, token: str, *, count: int, connections: int, run_id: int) -> dict:
    """POST ``count`` beacons from distinct readers over ``connections`` keep-alive connections."""
    body = f"a={article}&t={token}".encode()
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def worker(worker_id: int, share: int):
        conn = None
        for n in range(share):
            # A new reader, in a /64 of its own, every time: the network cap and rate limit group a /64.
            # 3fff::/20 is IPv6's documentation prefix, with room for run, worker and n in the first 64 bits.
            reader = f"3fff:{run_id & 0xFFF:x}:{0x8000 + worker_id:x}:{n:x}::1"
            headers = {
                "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
                "User-Agent": READER_UA,
                "X-Forwarded-For": reader,
            }
            for _attempt in range(3):
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    conn.request("POST", "/rankings/beacon", body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                    if response.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = None
                    break
                except (http.client.HTTPException, OSError):
                    # The connection dropped before the request was sent (gunicorn's sync
                    # workers close after each response): a fresh connection, same reader.
                    if conn is not None:
                        conn.close()
                    conn = None
                    status = None
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    shares = [count // connections + (1 if i < count % connections else 0) for i in range(connections)]
    threads = [threading.Thread(target=worker, args=(i, share)) for i, share in enumerate(shares)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def bench_mode(args, mode: str, port: int, scratch: Path, run_base: int) -> dict:
    say(
        f"\n=== {mode}: {'database backend on SQLite' if mode == 'sqlite' else ''}"
        f"{'database backend on PostgreSQL' if mode == 'postgres' else ''}"
        f"{'Redis backend (+ PostgreSQL, Redis cache)' if mode == 'redis' else ''} ==="
    )
    env = mode_env(mode, secret=args.secret, pg_url=args.pg_url, redis_url=args.redis_url, scratch=scratch)
    if mode == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (scratch / f"beacon.sqlite3{suffix}").unlink(missing_ok=True)
    else:
        pg_database_ensure(args.pg_url)
    run([sys.executable, "manage.py", "migrate", "--noinput"], env, stdout=subprocess.DEVNULL)
    seeded = child_json(env, "_seed")
    article, token = seeded["article"], seeded["token"]

    wrk_env = {**os.environ, "BEACON_ARTICLE": str(article), "BEACON_TOKEN": token}
    lua = ROOT / "bench" / "beacon.lua"
    result = {"mode": mode}
    with Server(port, env, scratch / f"gunicorn-{mode}.log") as server:
        base = f"http://127.0.0.1:{port}"
        # Warm-up: imports, connections, caches.
        wrk(f"{base}/healthz", seconds=2, connections=args.connections, env=wrk_env)
        warm = wrk(
            f"{base}/rankings/beacon",
            seconds=2,
            connections=args.connections,
            env={**wrk_env, "BEACON_RUN": str(run_base)},
            script=lua,
        )
        # Each wrk thread builds its requests before the run (see beacon.lua): a third more than
        # the warm-up's rate needs, so building them adds little to wrk's own CPU figure.
        wrk_env["BEACON_PREBUILT"] = str(int(warm["rps"] * args.seconds / WORKERS * 1.33) + 1000)
        before = child_json(env, "_count", str(article))  # after the warm-up; flushes Redis
        health, beacon = [], []
        for round_ in range(args.rounds):
            health.append(
                server.measure(f"{base}/healthz", seconds=args.seconds, connections=args.connections, env=wrk_env)
            )
            beacon.append(
                server.measure(
                    f"{base}/rankings/beacon",
                    seconds=args.seconds,
                    connections=args.connections,
                    env={**wrk_env, "BEACON_RUN": str(run_base + 1 + round_)},
                    script=lua,
                )
            )
            say(
                f"  round {round_ + 1}: /healthz {health[-1]['rps']:7.0f} req/s (p99 {health[-1]['p99_ms']:.1f} ms,"
                f" {health[-1]['cpu_us']:.0f} us CPU/req, wrk {health[-1]['client_cpu_us']:.0f} us/req)"
                f"   beacon {beacon[-1]['rps']:7.0f} req/s"
                f" (p99 {beacon[-1]['p99_ms']:.1f} ms, {beacon[-1]['cpu_us']:.0f} us CPU/req,"
                f" wrk {beacon[-1]['client_cpu_us']:.0f} us/req,"
                f" non-2xx {beacon[-1]['non2xx']}, socket errors {beacon[-1]['socket_errors']})"
            )
        after_wrk = child_json(env, "_count", str(article))
        wrk_answered = sum(b["no_content"] for b in beacon)
        in_flight = sum(b["sent"] - b["answered"] for b in beacon)
        # "Nothing lost": an exact count, every request answered before counting.
        lost_before = after_wrk["views"]
        statuses = send_beacons(
            port, article, token, count=args.lost, connections=args.connections, run_id=run_base + 100
        )
        after = child_json(env, "_count", str(article))
        result.update(
            healthz_rps=sum(h["rps"] for h in health) / len(health),
            beacon_rps=sum(b["rps"] for b in beacon) / len(beacon),
            beacon_p99_ms=max(b["p99_ms"] for b in beacon),
            healthz_p99_ms=max(h["p99_ms"] for h in health),
            healthz_cpu_us=sum(h["cpu_us"] for h in health) / len(health),
            beacon_cpu_us=sum(b["cpu_us"] for b in beacon) / len(beacon),
            non2xx=sum(b["non2xx"] for b in beacon),
            wrk_answered=wrk_answered,
            wrk_in_flight=in_flight,
            wrk_counted=after_wrk["views"] - before["views"],
            accepted=statuses.get(204, 0),
            statuses=statuses,
            counted=after["views"] - lost_before,
            new_rejections={
                reason: n - after_wrk["rejected"].get(reason, 0)
                for reason, n in after["rejected"].items()
                if n != after_wrk["rejected"].get(reason, 0)
            },
            rejected_during_wrk={
                reason: n - before["rejected"].get(reason, 0)
                for reason, n in after_wrk["rejected"].items()
                if n != before["rejected"].get(reason, 0)
            },
            locked=server.locked_errors(),
            server_errors=server.server_errors(),
        )
    result["ratio"] = result["beacon_rps"] / result["healthz_rps"]
    extra = result["wrk_counted"] - result["wrk_answered"]
    result["timed_ok"] = 0 <= extra <= result["wrk_in_flight"] and not result["rejected_during_wrk"]
    say(
        f"  timed phase: expected {result['wrk_answered']} (beacons answered 204), counted {result['wrk_counted']};"
        f" {result['wrk_in_flight']} more were in flight when wrk stopped (may be counted: {extra} were);"
        f" rejected: {result['rejected_during_wrk'] or 'none'}"
    )
    if extra < 0:
        say(f"  !!! LOST: {-extra} beacons answered 204 during the timed phase were NOT counted !!!")
    elif not result["timed_ok"]:
        say("  !!! MISCOUNTED: more views than beacons sent, or beacons rejected during the timed phase !!!")
    say(
        f"  nothing lost: {args.lost} sent, {result['accepted']} answered 204 ({result['statuses']}),"
        f" {result['counted']} counted, new rejections: {result['new_rejections'] or 'none'}"
    )
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="sqlite,postgres,redis", help="comma-separated: sqlite,postgres,redis")
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run (default 8)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved healthz/beacon rounds (default 2)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--lost", type=int, default=2000, help="beacons of the nothing-lost check (default 2000)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8160)))
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/beacon"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    args = parser.parse_args(argv)
    args.secret = secrets.token_urlsafe(50)
    scratch = Path(os.environ.get("BENCH_DIR", "/tmp/newsroom-bench-beacon"))
    scratch.mkdir(parents=True, exist_ok=True)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = set(modes) - set(TARGETS)
    if unknown:
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")
    run_base = int(time.time()) % 10000 * 4  # part of every reader address: fresh readers each run
    say(
        f"bench/beacon: gunicorn {WORKERS} workers (gunicorn.conf.py), wrk {WORKERS} threads"
        f" x {args.connections} connections,"
        f" {args.rounds} x {args.seconds:g}s per endpoint; machine: {os.cpu_count()} cores,"
        f" load {os.getloadavg()[0]:.1f}"
    )
    results = [bench_mode(args, mode, args.port + i, scratch, run_base) for i, mode in enumerate(modes)]

    say("\n=== Summary ===")
    say(
        f"{'mode':9} {'healthz/s':>10} {'beacon/s':>10} {'ratio':>6} {'target':>6} {'cpu ratio':>9}"
        f" {'p99 ms':>7} {'locked':>6} {'5xx':>4}  nothing lost"
    )
    ok = True
    for r in results:
        target = TARGETS[r["mode"]]
        lost_ok = (
            r["timed_ok"] and r["accepted"] == args.lost and r["counted"] == r["accepted"] and not r["new_rejections"]
        )
        passed = (
            r["ratio"] >= target,
            r["beacon_p99_ms"] <= TARGET_P99_MS,
            r["locked"] == 0,
            r["server_errors"] == 0 and r["non2xx"] == 0,
            lost_ok,
        )
        ok = ok and all(passed)
        marks = ["ok" if p else "MISS" for p in passed]
        say(
            f"{r['mode']:9} {r['healthz_rps']:10.0f} {r['beacon_rps']:10.0f} {r['ratio']:5.2f}x {target:5.1f}x"
            f" {r['healthz_cpu_us'] / r['beacon_cpu_us']:8.2f}x {r['beacon_p99_ms']:7.1f} {r['locked']:6d}"
            f" {r['server_errors'] + r['non2xx']:4d}"
            f"  timed {r['wrk_counted']}/{r['wrk_answered']}, exact {r['counted']}/{r['accepted']} counted"
            f"   [ratio {marks[0]}, p99 {marks[1]}, locked {marks[2]}, errors {marks[3]}, lost {marks[4]}]"
        )
    say(
        "cpu ratio = gunicorn workers' CPU time per /healthz request / per beacon request: what the"
        " ratio would be if the workers had the cores to themselves (database and Redis servers excluded)."
    )
    say(f"machine load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    say("all targets met" if ok else "some targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_seed":
        task_seed()
    elif len(sys.argv) > 2 and sys.argv[1] == "_count":
        task_count(int(sys.argv[2]))
    else:
        sys.exit(main())
